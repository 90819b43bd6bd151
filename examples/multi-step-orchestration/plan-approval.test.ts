import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBaton, type WorkflowDefinition } from 'baton';
import { SqliteStore } from 'baton/store/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answerByPrompt } from '../answer-by-prompt.js';
import { loadExample } from '../load-example.js';
import { traceEngine } from '../run-trace.js';
import { planApproval } from './typed-plan-approval.js';

const here = import.meta.dirname;
const inputOf = (file: string) =>
  JSON.parse(readFileSync(join(here, file), 'utf8')) as Record<string, unknown>;
const task = inputOf('migration-task.json');
const edited = inputOf('edited-plan.json') as { plan: string };
const proposed =
  '1. Take a snapshot.\n2. Run pg_dump and pg_restore into PostgreSQL 16.\n3. Switch the application over.';

let directory: string;
const stores: SqliteStore[] = [];
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'baton-plan-'));
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  rmSync(directory, { recursive: true, force: true });
});

/**
 * One process of the example: an engine over the SQLite journal of the test, with a model that
 * plans and executes. Two of them on one journal stand for two processes days apart. The
 * workflow is registered, so a process that continues a run finds its TypeScript functions.
 */
function process(definition: WorkflowDefinition) {
  const store = new SqliteStore(join(directory, 'journal.db'));
  stores.push(store);
  const smart = answerByPrompt(({ prompt }) =>
    prompt.startsWith('Create a detailed execution plan')
      ? proposed
      : `Executed:\n${prompt.split('\n').slice(1).join('\n')}`,
  );
  const baton = createBaton({
    store,
    models: { smart },
    workflows: { [definition.workflow.name]: definition },
  });
  return { baton, store, smart, trace: traceEngine(baton) };
}

describe.each<[string, () => Promise<WorkflowDefinition>]>([
  ['plan-approval.yaml', () => loadExample(here, 'plan-approval.yaml')],
  ['the typed version', async () => planApproval],
])('plan approval checkpoint (%s)', (_name, load) => {
  it('waits for a person, then executes the plan as they edited it, in another process', async () => {
    const definition = await load();
    const first = process(definition);
    const waiting = await first.baton.run(definition, { input: task });

    expect(waiting).toMatchObject({ status: 'waiting', waiting: { paths: ['review'] } });
    expect(first.trace.ofType('approval-request')).toMatchObject([
      { path: 'review', subject: { plan: proposed } },
    ]);
    expect(first.trace.started()).toEqual(['plan', 'review']);
    expect((await first.store.getRun(waiting.runId))?.status).toBe('waiting');

    // Days later, another process records the decision and continues the run.
    const second = process(definition);
    const done = await second.baton.approve(waiting.runId, 'review', {
      by: 'dana',
      comment: 'Use pg_upgrade --link; a dump takes hours',
      edit: edited,
    });

    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual({ status: 'completed', result: `Executed:\n${edited.plan}` });
    // The plan came from the journal: the second process only executed.
    expect(second.smart.calls).toHaveLength(1);
    expect(JSON.stringify(second.smart.calls[0]?.prompt)).toContain(
      'Execute this approved plan:\\n1. Rehearse pg_upgrade',
    );
    expect(second.trace.ofType('approval-response')).toMatchObject([
      { action: 'approve', by: 'dana', edited: true },
    ]);
    expect(second.trace.skipped()).toEqual(['rejected']);
    const [, decision] = await second.store.listSubCalls(waiting.runId, 'review');
    expect(decision?.response).toMatchObject({
      by: 'dana',
      diff: [{ path: 'plan', before: proposed, after: edited.plan }],
    });
  });

  it('routes a rejection to the rejected step and never executes the plan', async () => {
    const definition = await load();
    const { baton, smart, trace } = process(definition);
    const waiting = await baton.run(definition, { input: task });
    const done = await baton.reject(waiting.runId, 'review', {
      by: 'dana',
      reason: 'Not during quarter close',
    });

    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual({
      status: 'rejected',
      reason: 'Not during quarter close',
      rejected_by: 'dana',
    });
    expect(trace.skipped()).toEqual(['execute']);
    expect(trace.succeeded()).toEqual(['plan', 'rejected', 'outcome']);
    expect(smart.calls).toHaveLength(1);
  });

  it('refuses an edit that is not a plan and keeps waiting', async () => {
    const definition = await load();
    const { baton, store } = process(definition);
    const waiting = await baton.run(definition, { input: task });

    await expect(baton.approve(waiting.runId, 'review', { edit: { plan: '' } })).rejects.toMatchObject({
      code: 'OUTPUT_INVALID',
    });
    expect((await store.getRun(waiting.runId))?.status).toBe('waiting');
  });
});
