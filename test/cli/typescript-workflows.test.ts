import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBaton, createSqliteStore, type WorkflowDefinition } from '../../src/index.js';
import { ensureBuilt, makeApp, makePackedApp, runBuiltCli } from './built-cli.js';
import { runResultOf } from './cli-harness.js';

// A builder workflow written the usual TypeScript way: it imports a neighbour with a `.js`
// specifier, and its approval's subject is a function that would change if evaluated again.
const flow = `import { workflow } from 'baton';
import { z } from 'zod';
import { draftFor } from './draft.js';

export default workflow('publish-post', { input: z.object({ topic: z.string() }) })
  .transform('draft', { run: ({ input }) => draftFor(input.topic) })
  .approval('review', {
    needs: ['draft'],
    subject: ({ steps }) => ({ title: steps.draft.title + (process.env.TITLE_SUFFIX ?? '') }),
    output: z.object({ title: z.string() }),
    onError: { route: 'rejected' },
  })
  .transform('publish', { needs: ['review'], run: ({ steps }) => 'published: ' + steps.review.title })
  .transform('rejected', { run: () => 'not published' })
  .build();
`;
const draft = `export function draftFor(topic: string): { title: string } {
  return { title: \`On \${topic}\` };
}
`;

beforeAll(ensureBuilt, 120_000);

describe('TypeScript workflows in the built CLI', () => {
  it('refuses to approve a TS run without its module, leaving it waiting; with --workflow it finishes with the value proposed', async () => {
    const cwd = makeApp({ 'flow.ts': flow, 'draft.ts': draft });
    const db = join(cwd, 'runs.db');
    const definition = (await import(join(cwd, 'flow.ts'))).default as WorkflowDefinition;
    const store = createSqliteStore({ path: db });
    const started = await createBaton({ store }).run(definition, { input: { topic: 'cats' } });
    await store.close();
    expect(started.status).toBe('waiting');

    const env = { TITLE_SUFFIX: ' (evaluated again)' };
    const refused = await runBuiltCli(['approve', started.runId, 'review', '--db', db], { cwd, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('needs TypeScript functions this engine does not have');
    expect(refused.stderr).toContain('Nothing was recorded; the run is unchanged.');
    expect(refused.stderr).toContain('--workflow <file>');
    expect(refused.stderr).not.toContain('APPROVAL_REJECTED');
    const shown = await runBuiltCli(['show', started.runId, '--db', db, '--json'], { cwd });
    expect(JSON.parse(shown.stdout).run.status).toBe('waiting');

    const approved = await runBuiltCli(
      ['approve', started.runId, 'review', '--db', db, '--workflow', 'flow.ts', '--json'],
      { cwd, env },
    );
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(runResultOf(approved.stdout)).toMatchObject({
      status: 'succeeded',
      output: { publish: 'published: On cats' },
    });
  });

  it('runs a TS module with `baton run`, choosing the default export among several', async () => {
    const cwd = makeApp({
      'flows.ts': `import { workflow } from 'baton';
import { z } from 'zod';
import { shout } from './lib/shout.js';

export const quiet = workflow('quiet').transform('say', { run: () => 'hello' }).build();
export default workflow('loud', { input: z.object({ name: z.string() }) })
  .transform('say', { run: ({ input }) => shout(input.name) })
  .build();
`,
      'lib/shout.ts': 'export const shout = (text: string): string => text.toUpperCase();\n',
    });
    const ran = await runBuiltCli(['run', 'flows.ts', '--input', 'name=ana', '--json'], { cwd });
    expect(ran.stderr).toBe('');
    expect(runResultOf(ran.stdout)).toMatchObject({ status: 'succeeded', output: { say: 'ANA' } });
    const id = runResultOf(ran.stdout).runId as string;
    // The file is remembered, so resume finds the functions again without --workflow.
    const resumed = await runBuiltCli(['resume', id, '--json'], { cwd });
    expect(runResultOf(resumed.stdout)).toMatchObject({ status: 'succeeded', output: { say: 'ANA' } });
  });

  it('names the exported workflows when a module has several and no default', async () => {
    const cwd = makeApp({
      'two.ts': `import { workflow } from 'baton';
export const a = workflow('a').transform('x', { run: () => 1 }).build();
export const b = workflow('b').transform('x', { run: () => 2 }).build();
`,
    });
    const ran = await runBuiltCli(['run', 'two.ts'], { cwd });
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toContain('two.ts exports 2 workflow definitions (a (a), b (b)) and no default');
  });

  it('loads a YAML module written with `.js` imports, and never a neighbouring module it does not name', async () => {
    const cwd = makeApp({
      'named.yaml': `name: named
module: ./named-module.ts
steps:
  - id: t
    kind: transform
    value: '$call("shout")'
`,
      'named-module.ts':
        "import { shout } from './lib/shout.js';\nexport const functions = { shout: () => shout('hi') };\n",
      'lib/shout.ts': 'export const shout = (text: string): string => text.toUpperCase();\n',
      'plain.yaml': `name: plain
steps:
  - id: t
    kind: transform
    value: '$call("shout")'
`,
      'plain.ts': "throw new Error('a neighbouring module ran');\n",
    });
    const named = await runBuiltCli(['run', 'named.yaml', '--json'], { cwd });
    expect(named.stderr).toBe('');
    expect(runResultOf(named.stdout)).toMatchObject({ status: 'succeeded', output: { t: 'HI' } });
    const plain = await runBuiltCli(['run', 'plain.yaml'], { cwd });
    expect(plain.code).not.toBe(0);
    expect(plain.stdout + plain.stderr).toContain('Function "shout" is not registered');
    expect(plain.stdout + plain.stderr).not.toContain('a neighbouring module ran');
    const validated = await runBuiltCli(['validate', 'plain.yaml'], { cwd });
    expect(validated.stderr).toContain(
      'plain.ts beside plain.yaml is not loaded: name it with `module: ./plain.ts` to use its functions and tools.',
    );
  });

  it('runs a TS workflow with `.js` imports through the packed package installed in a fresh app', async () => {
    const cwd = makePackedApp({ 'flow.ts': flow, 'draft.ts': draft });
    const ran = await runBuiltCli(['run', 'flow.ts', '--input', 'topic=dogs', '--json'], {
      cwd,
      main: join(cwd, 'node_modules/baton/dist/cli/main.js'),
    });
    expect(ran.stderr).toBe('');
    expect(runResultOf(ran.stdout)).toMatchObject({ status: 'waiting', waiting: { paths: ['review'] } });
    const id = runResultOf(ran.stdout).runId as string;
    const approved = await runBuiltCli(['approve', id, 'review', '--json'], {
      cwd,
      main: join(cwd, 'node_modules/baton/dist/cli/main.js'),
    });
    expect(runResultOf(approved.stdout)).toMatchObject({
      status: 'succeeded',
      output: { publish: 'published: On dogs' },
    });
  }, 60_000);
});
