import { BatonError, toBatonError } from '../errors.js';
import { evaluateExpression } from '../expressions/evaluate-expression.js';
import { type CompiledGraph, compileGraph, type GraphNode } from '../ir/compile-graph.js';
import type { Step } from '../ir/step.js';
import { childPath } from '../ir/step-path.js';
import type { Frame, GraphResult, RunState, Waiting } from './run-state.js';
import { runStep, type StepResult } from './run-step.js';

type Outcome = StepResult | 'skipped';

/**
 * Runs one level of a workflow as a dataflow graph: each step starts the moment its last
 * dependency ends (there are no levels or supersteps), bounded only by the concurrency gates.
 * Resolves with the outputs of this level by step id, or with the steps it waits on once nothing
 * else can run; rejects with the first failure that the failing step's `onError` did not absorb,
 * after cancelling and awaiting the steps still running.
 */
export function executeGraph(
  run: RunState,
  steps: readonly Step[],
  prefix: string,
  scope: Frame['scope'],
  parentSignal: AbortSignal,
  functions: Frame['functions'],
  parent?: Frame,
): Promise<GraphResult> {
  const graph = compileGraph(steps);
  const { nodes } = graph;
  const controller = new AbortController();
  const level: Record<string, unknown> = {};
  const frame: Frame = {
    prefix,
    scope: { ...scope, steps: { ...scope.steps } },
    signal: controller.signal,
    cancellers: new Set(),
    functions,
  };
  // Only `abort` aborts this level's controller, so it tells the running steps and the levels
  // below itself rather than listening to its own signal: a map adds a level per item, and an
  // abort listener costs more than the rest of a quick item.
  const abort = (reason: unknown) => {
    controller.abort(reason);
    if (frame.levels) for (const below of frame.levels) below();
    for (const cancel of frame.cancellers) cancel(reason);
  };
  // Once, as an abort listener would be: a level that aborted already has cancelled its steps.
  const forward = () => {
    if (!controller.signal.aborted) abort(parentSignal.reason);
  };
  if (parentSignal.aborted) forward();
  else if (parent) {
    parent.levels ??= new Set();
    parent.levels.add(forward);
  } else parentSignal.addEventListener('abort', forward, { once: true });
  const outcomes: Outcome[] = new Array(nodes.length);
  const pending = new Int32Array(nodes.length);
  for (const node of nodes) pending[node.index] = node.deps.length;
  const runGraph = (
    inner: readonly Step[],
    innerPrefix: string,
    innerScope: Frame['scope'],
    own = functions,
  ) => executeGraph(run, inner, innerPrefix, innerScope, controller.signal, own, frame);
  let settled = 0;
  let running = 0;
  let failure: BatonError | undefined;
  let waiting: Waiting | undefined;

  return new Promise((resolve, reject) => {
    const done = () => {
      if (parent) parent.levels?.delete(forward);
      else parentSignal.removeEventListener('abort', forward);
      if (failure) reject(failure);
      else resolve(waiting ? { outputs: level, waiting } : { outputs: level });
    };
    const launch = async (node: GraphNode) => {
      running++;
      const { step } = node;
      const path = childPath(prefix, step.id);
      let outcome: Outcome;
      try {
        // Most steps have no condition and no journal entry: skip the await for them.
        const skip =
          skipReason(graph, outcomes, node) ??
          (step.when === undefined && run.replay.size === 0
            ? undefined
            : await whenReason(run, step, path, frame));
        if (skip !== undefined) {
          await recordSkip(run, step, path, skip);
          outcome = 'skipped';
        } else if (prefix === '' && run.runsHere?.(path) === false) {
          // Awaited like every other outcome: a launch that ended synchronously would count the
          // graph idle before its siblings were launched.
          outcome = await Promise.resolve<Outcome>({ outcome: 'waiting', waiting: { paths: [] } });
        } else {
          outcome = await runStep(run, step, path, frameFor(frame, outcomes, node), runGraph);
        }
      } catch (error) {
        outcome = { outcome: 'failed', error: toBatonError(error, 'STEP_FAILED', path) };
      }
      running--;
      outcomes[node.index] = outcome;
      if (outcome !== 'skipped' && outcome.outcome === 'waiting') {
        waiting = mergeWaiting(waiting, outcome.waiting);
        if (running === 0) done();
        return;
      }
      if (outcome !== 'skipped') {
        if (outcome.outcome === 'failed') {
          if (!failure) {
            failure = outcome.error;
            abort(
              new BatonError('RUN_CANCELLED', `Cancelled because step "${path}" failed.`, { stepPath: path }),
            );
          }
        } else if (outcome.outcome !== 'routed') {
          frame.scope.steps[step.id] = outcome.output;
          level[step.id] = outcome.output;
        }
      }
      if (failure) {
        if (running === 0) done();
        return;
      }
      settled++;
      for (const dependent of node.dependents) {
        const left = (pending[dependent] ?? 1) - 1;
        pending[dependent] = left;
        const target = nodes[dependent];
        if (target && left === 0) void launch(target);
      }
      // Launching is synchronous up to its first await, so nothing running now means nothing will.
      if (settled === nodes.length || running === 0) done();
    };
    for (const node of nodes) if (node.deps.length === 0) void launch(node);
  });
}

/** Why a step whose dependencies have ended does not run, or undefined when it runs. */
function skipReason(graph: CompiledGraph, outcomes: Outcome[], node: GraphNode): string | undefined {
  const { gate, step } = node;
  if (gate?.kind === 'route') {
    const branch = outcomes[gate.branch];
    if (branch !== 'skipped' && branch?.outcome === 'succeeded') {
      const route = (branch.output as { route?: string } | undefined)?.route;
      if (route === undefined || !gate.routes.has(route)) {
        return `branch "${stepIdAt(graph, gate.branch)}" took route "${route}"`;
      }
    }
  }
  if (gate?.kind === 'error' && ![...gate.from].some((index) => isRouted(outcomes[index]))) {
    return `no failure was routed to "${step.id}"`;
  }
  const join = step.join ?? 'all';
  let anyOk = node.deps.length === 0;
  for (const dep of node.deps) {
    const outcome = outcomes[dep];
    if (gate?.kind === 'error' && gate.from.has(dep)) {
      anyOk = true;
      continue;
    }
    const ok = outcome !== 'skipped' && outcome?.outcome !== 'routed';
    if (!ok && join === 'all')
      return `dependency "${stepIdAt(graph, dep)}" was ${outcome === 'skipped' ? 'skipped' : 'failed'}`;
    anyOk ||= ok;
  }
  return anyOk ? undefined : 'no dependency succeeded';
}

function stepIdAt(graph: CompiledGraph, index: number): string {
  return graph.nodes[index]?.step.id ?? '?';
}

async function whenReason(
  run: RunState,
  step: Step,
  path: string,
  frame: Frame,
): Promise<string | undefined> {
  const journaled = run.replay.get(path);
  if (journaled?.status === 'skipped') return journaled.note ?? 'skipped before';
  if (step.when === undefined) return undefined;
  const holds = await evaluateExpression(step.when, frame.scope, {
    stepPath: path,
    functions: frame.functions,
    signal: frame.signal,
    limits: run.services.expressionLimits,
  });
  return holds ? undefined : `condition \`${step.when}\` is false`;
}

/** The frame a step runs in; an error handler also sees the `error` it handles. */
function frameFor(frame: Frame, outcomes: Outcome[], node: GraphNode): Frame {
  if (node.gate?.kind !== 'error') return frame;
  const routed = [...node.gate.from].map((index) => outcomes[index]).find(isRouted);
  const error = routed && routed !== 'skipped' && routed.outcome === 'routed' ? routed.error : undefined;
  return { ...frame, scope: { ...frame.scope, error } };
}

export function mergeWaiting(a: Waiting | undefined, b: Waiting): Waiting {
  const wakeAt = Math.min(a?.wakeAt ?? Number.POSITIVE_INFINITY, b.wakeAt ?? Number.POSITIVE_INFINITY);
  const merged: Waiting = { paths: [...(a?.paths ?? []), ...b.paths] };
  const calls = [...(a?.calls ?? []), ...(b.calls ?? [])];
  if (calls.length) merged.calls = calls;
  if (Number.isFinite(wakeAt)) merged.wakeAt = wakeAt;
  const questions = [...(a?.questions ?? []), ...(b.questions ?? [])];
  if (questions.length > 0) merged.questions = questions;
  return merged;
}

function isRouted(outcome: Outcome | undefined): boolean {
  return outcome !== undefined && outcome !== 'skipped' && outcome.outcome === 'routed';
}

async function recordSkip(run: RunState, step: Step, path: string, reason: string): Promise<void> {
  const time = run.services.clock.now();
  await run.journal.writeStep({
    runId: run.id,
    path,
    stepId: step.id,
    kind: step.kind,
    status: 'skipped',
    attempt: 0,
    startedAt: time,
    endedAt: time,
    note: reason,
  });
  run.emit({ type: 'step-skip', runId: run.id, path, stepId: step.id, reason, time });
}
