/**
 * One process of the concurrency tests: an engine on the shared SQLite file that takes commands
 * on stdin, one JSON object a line (`{ "id": 1, "command": "approve", "runId": "..." }`), runs
 * them concurrently and answers each on stdout (`{ "id": 1, "ok": true, "status": "succeeded" }`
 * or `{ "id": 1, "ok": false, "code": "LEASE_LOST" }`). Every step start, lease claim and
 * journal write is appended to the shared log with this process's name and the time, so the test
 * can check the invariants across processes afterwards.
 */
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  type AttemptRecord,
  BatonError,
  createEngine,
  type Fence,
  type RunPatch,
  type RunResult,
  type StepRecord,
  type WorkflowDefinition,
} from '../../src/core/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';

const [databasePath = '', logPath = '', name = '', leaseMs = '600', stepMs = '20'] = process.argv.slice(2);

/** One line of the shared log. */
export type LogEntry =
  | { type: 'exec'; runId: string; path: string; by: string; at: number }
  | { type: 'claim'; runId: string; epoch: number; by: string; at: number }
  | {
      type: 'write';
      runId: string;
      path: string;
      status: string;
      fence: number | undefined;
      by: string;
      begun: number;
      at: number;
    };

const log = (entry: LogEntry) => appendFileSync(logPath, `${JSON.stringify(entry)}\n`);

/** The journal, logging each claim it won and each write it committed, with when it began. */
class LoggedStore extends SqliteStore {
  override async claimRun(runId: string, owner: string, until: number, now: number) {
    const epoch = await super.claimRun(runId, owner, until, now);
    if (epoch !== undefined) log({ type: 'claim', runId, epoch, by: name, at: Date.now() });
    return epoch;
  }

  override async writeStep(step: StepRecord, attempt?: AttemptRecord, fence?: Fence) {
    const begun = Date.now();
    await super.writeStep(step, attempt, fence);
    const { runId, path, status } = step;
    log({ type: 'write', runId, path, status, fence, by: name, begun, at: Date.now() });
  }

  override async updateRun(runId: string, patch: RunPatch, fence?: Fence) {
    const begun = Date.now();
    await super.updateRun(runId, patch, fence);
    const status = patch.status ?? 'patch';
    log({ type: 'write', runId, path: '(run)', status, fence, by: name, begun, at: Date.now() });
  }
}

/** A chain of short steps, optionally with an approval in the middle. */
export function concurrencyWorkflow(kind: 'approval' | 'chain'): WorkflowDefinition {
  const ids =
    kind === 'approval'
      ? ['a1', 'a2', 'a3', 'review', 'b1', 'b2', 'b3']
      : Array.from({ length: 12 }, (_, index) => `s${index + 1}`);
  const functions: Record<string, (scope: { run: { id: string } }) => Promise<string>> = {};
  const steps = ids.map((id, index) => {
    const needs = index > 0 ? { needs: [ids[index - 1] ?? ''] } : {};
    if (id === 'review') return { id, kind: 'approval' as const, subject: { step: '"b1"' }, ...needs };
    functions[id] = async (scope: { run: { id: string } }) => {
      log({ type: 'exec', runId: scope.run.id, path: id, by: name, at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, Number(stepMs) * (1 + Math.random() * 2)));
      return `${id} done`;
    };
    return { id, kind: 'transform' as const, value: { function: id }, ...needs };
  });
  return { workflow: { name: `concurrency-${kind}`, steps }, functions };
}

interface Command {
  id: number;
  command: 'start' | 'resume' | 'takeover' | 'cancel' | 'approve' | 'reject';
  runId: string;
  workflow?: 'approval' | 'chain';
}

const store = new LoggedStore(databasePath);
const definitions = {
  approval: concurrencyWorkflow('approval'),
  chain: concurrencyWorkflow('chain'),
};
const engine = createEngine({
  store,
  owner: name,
  leaseMs: Number(leaseMs),
  cancelGraceMs: 200,
  workflows: Object.fromEntries(Object.values(definitions).map((entry) => [entry.workflow.name, entry])),
});

async function perform(command: Command): Promise<RunResult | string> {
  const { runId } = command;
  switch (command.command) {
    case 'start':
      return engine.run(definitions[command.workflow ?? 'approval'], { runId });
    case 'resume':
      return engine.resume(runId);
    case 'takeover':
      return engine.resume(runId, { takeover: true });
    case 'cancel':
      return engine.cancel(runId);
    case 'approve':
      return engine.approve(runId, 'review', { by: name });
    case 'reject':
      return engine.reject(runId, 'review', { by: name, reason: 'chaos' });
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command;
  perform(command).then(
    (result) => {
      const status = typeof result === 'string' ? result : result.status;
      process.stdout.write(`${JSON.stringify({ id: command.id, ok: true, status })}\n`);
    },
    (error: unknown) => {
      const code = BatonError.is(error) ? error.code : 'UNEXPECTED';
      const message = error instanceof Error ? error.message : String(error);
      process.stdout.write(`${JSON.stringify({ id: command.id, ok: false, code, message })}\n`);
    },
  );
});
process.stdout.write(`${JSON.stringify({ ready: name })}\n`);
