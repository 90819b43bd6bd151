import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/cli/open-store.js';
import { definitionForRun, rememberWorkflowFile } from '../../src/cli/workflow-files.js';
import { hashWorkflow } from '../../src/core/index.js';
import { runFixture } from '../../src/testing/store-fixtures.js';
import { makeWorkspace } from './cli-harness.js';

const flow = (name: string) => `name: ${name}\nsteps:\n  - id: a\n    kind: transform\n    value: "1"\n`;

describe('which workflow file a run came from', () => {
  it('loses no registration when many processes record files at once', async () => {
    const cwd = makeWorkspace();
    const db = join(cwd, '.baton', 'baton.db');
    openStore({ db, create: true }).close();
    // Separate connections, as separate `baton run` processes have.
    const journals = Array.from({ length: 12 }, () => openStore({ db, create: true }));
    const hashes = journals.map((_, index) => String(index).padStart(64, '0'));
    await Promise.all(
      journals.map((journal, index) =>
        rememberWorkflowFile(journal, hashes[index] ?? '', `flow-${index}.yaml`),
      ),
    );
    const reader = openStore({ db, create: false });
    for (const [index, hash] of hashes.entries())
      expect(await reader.store.definitionSource?.(hash)).toBe(join(process.cwd(), `flow-${index}.yaml`));
    for (const journal of [...journals, reader]) await journal.close();
  });

  it('moves the index file of an older journal into the journal, then removes the file', async () => {
    const cwd = makeWorkspace({ 'flows/old.yaml': flow('old') });
    const db = join(cwd, '.baton', 'baton.db');
    const journal = openStore({ db, create: true });
    const { loadWorkflowFile } = await import('../../src/authoring/yaml/index.js');
    const loaded = await loadWorkflowFile(join(cwd, 'flows/old.yaml'));
    const hash = hashWorkflow(loaded.workflow);
    mkdirSync(join(cwd, '.baton'), { recursive: true });
    const legacy = join(cwd, '.baton', 'workflow-files.json');
    writeFileSync(legacy, JSON.stringify({ [hash]: join(cwd, 'flows/old.yaml') }));
    const run = runFixture({ workflowName: 'old', workflowHash: hash, definition: loaded.workflow });
    const found = await definitionForRun(journal, run);
    expect(found.source).toBe(join(cwd, 'flows/old.yaml'));
    expect(existsSync(legacy)).toBe(false);
    expect(await journal.store.definitionSource?.(hash)).toBe(join(cwd, 'flows/old.yaml'));
    await journal.close();
  });
});
