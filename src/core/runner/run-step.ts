import {
  BatonError,
  deserializeError,
  type SerializedError,
  serializeError,
  toBatonError,
} from '../errors.js';
import { sizeOf } from '../events.js';
import { toMilliseconds } from '../ir/duration.js';
import type { Step } from '../ir/step.js';
import type { AttemptRecord, CacheEntry, StepRecord, Usage } from '../ports/store.js';
import type { ConcurrencyGate } from '../scheduler/concurrency-gate.js';
import { settleWithin, startDeadline } from './attempt-deadlines.js';
import { stepCacheKey } from './cache-key.js';
import { journalModelRecoveries, type ModelRecovery } from './model-recoveries.js';
import { checkAgainstSchema } from './output-schema.js';
import { type ResolvedRetryPolicy, resolveRetryPolicy, retryDelay, shouldRetry } from './retry-policy.js';
import type { Frame, RunState, StepContext, StepHandler, StepOutcome, Waiting } from './run-state.js';
import { readsOf, withReads } from './step-reads.js';
import { refusedOutput, validateOutput } from './validate-output.js';

/** How a step instance ended, as the graph sees it. */
export type StepResult =
  | { outcome: 'succeeded'; output: unknown }
  | { outcome: 'continued'; output: unknown; error: SerializedError }
  | { outcome: 'routed'; error: SerializedError }
  | { outcome: 'waiting'; waiting: Waiting }
  | { outcome: 'failed'; error: BatonError };

/**
 * Runs one step instance: its attempts with timeout and retry, the journal writes before and
 * after each, its events, and its `onError` policy. A record is written before this returns, so
 * no dependent starts before the journal knows the result.
 */
export async function runStep(
  run: RunState,
  step: Step,
  path: string,
  frame: Frame,
  runGraph: StepContext['runGraph'],
): Promise<StepResult> {
  const replayed = run.replay.get(path);
  if (replayed && (replayed.status === 'succeeded' || replayed.status === 'failed')) {
    return replay(run, step, replayed);
  }
  const { services } = run;
  const handler = services.handlers[step.kind];
  if (!handler) {
    return {
      outcome: 'failed',
      error: new BatonError(
        'STEP_KIND_UNAVAILABLE',
        `Step kind "${step.kind}" is not available in this engine.`,
        {
          stepPath: path,
          hint: 'Create the engine with createBaton(), which registers every step kind.',
        },
      ),
    };
  }
  const workflow = run.definition.workflow;
  const timeout = step.timeout ?? (handler.leaf ? workflow.defaults?.timeout : undefined);
  const timeoutMs = timeout === undefined ? undefined : toMilliseconds(timeout);
  // Every leaf takes the engine's slot, and its named limit's when it has one.
  const gate = handler.leaf ? services.gate : undefined;
  const named = handler.leaf ? namedGate(run, step) : undefined;
  const startedAt = services.clock.now();
  const record: StepRecord = {
    runId: run.id,
    path,
    stepId: step.id,
    kind: step.kind,
    status: 'running',
    attempt: replayed?.attempt ?? 0,
    startedAt,
  };
  // Resolved when an attempt fails: most steps never need it.
  let policy: ResolvedRetryPolicy | undefined;
  for (;;) {
    record.attempt++;
    const attempt = record.attempt;
    // A free slot is taken without a promise: awaiting nothing would still cost a turn.
    if (gate) {
      const waiting = gate.acquire(frame.signal);
      if (waiting) await waiting;
    }
    if (named) {
      const waiting = named.acquire(frame.signal);
      if (waiting) await waiting;
    }
    // A process that may have lost the run (it stalled past its lease) starts nothing before it
    // has renewed the lease; one that lost it starts nothing at all.
    // Cancelled before it began: nothing ran, so nothing is journaled.
    if (frame.signal.aborted) {
      releaseGates(gate, named);
      return { outcome: 'failed', error: cancelled(run, frame, path) };
    }
    const confirming = run.lease.confirm();
    if (confirming) {
      try {
        await confirming;
      } catch (error) {
        releaseGates(gate, named);
        return { outcome: 'failed', error: toBatonError(error, 'LEASE_LOST', path) };
      }
    }
    const attemptStart = services.clock.now();
    // The start of an attempt is written without waiting: nothing depends on it but the journal's
    // view of what is running. It is awaited before the attempt's end is written, so a quick step
    // commits both in one transaction, and a failed write still fails the step.
    const started = run.journal.writeStep(record, {
      runId: run.id,
      path,
      attempt,
      status: 'running',
      startedAt: attemptStart,
    });
    started.catch(ignore);
    run.emit({
      type: 'step-start',
      runId: run.id,
      path,
      stepId: step.id,
      kind: step.kind,
      attempt,
      time: attemptStart,
    });
    let usage: Usage | undefined;
    let costUsd = 0;
    let unpriced = false;
    let cacheHits = 0;
    let cacheMisses = 0;
    let recoveries: ModelRecovery[] | undefined;
    const deadline =
      timeoutMs === undefined ? undefined : startDeadline(services.clock, timeoutMs, frame.signal, path);
    const signal = deadline?.signal ?? frame.signal;
    const reads = readsOf(step, frame.scope);
    const context: StepContext = {
      run,
      path,
      attempt,
      scope: frame.scope,
      functions: frame.functions,
      signal,
      setInput: (input) => {
        record.input = input;
      },
      expressions: {
        stepPath: path,
        functions: frame.functions,
        reads,
        required: step.allowMissing !== true,
        signal,
        limits: services.expressionLimits,
      },
      runGraph,
      addUsage: (callUsage, callCost, noPrice) => {
        usage = addUsage(usage, callUsage);
        costUsd += callCost;
        if (noPrice) {
          unpriced = true;
          run.unpriced = true;
        }
        run.usage = addUsage(run.usage, callUsage);
        run.costUsd += callCost;
      },
      cache: run.cache && step.cache !== false && services.store.readCache !== undefined,
      countCacheHit: (hit) => {
        if (hit) cacheHits++;
        else cacheMisses++;
      },
      noteModelRecovery: (recovery) => {
        recoveries ??= [];
        recoveries.push({ ...recovery, attempt } as ModelRecovery);
      },
    };
    // Most attempts have nothing to journal here: no promise for them.
    const journalRecoveries = () =>
      recoveries === undefined ? undefined : journalModelRecoveries(run, path, attempt, recoveries);
    try {
      const work =
        step.cache === true && context.cache
          ? cachedStep(step, context, frame, handler)
          : handler.execute(step, context);
      // On a cancel the step's signal aborts and the step gets a grace period to settle: what it
      // returns in time is journaled, so a resume does not redo work whose effects have landed.
      // One promise settles with the first of the work, the cancel and the deadline to settle (a
      // deadline passing during the grace period still ends the attempt).
      let cancel: (reason: unknown) => void = ignore;
      const first = new Promise<StepOutcome>((resolve, reject) => {
        work.then(resolve, reject);
        deadline?.expired.then(resolve, reject);
        // Once: a level aborted twice (cancelled, then failed by that cancel) calls it again.
        let settling = false;
        cancel = (reason) => {
          if (settling) return;
          settling = true;
          settleWithin(run, work, reason).then(resolve, reject);
        };
      });
      frame.cancellers.add(cancel);
      if (frame.signal.aborted) cancel(frame.signal.reason);
      let outcome: StepOutcome;
      try {
        outcome = await first;
      } finally {
        frame.cancellers.delete(cancel);
      }
      if (outcome.waiting) {
        await started;
        deadline?.clear();
        releaseGates(gate, named);
        record.status = 'waiting';
        // What its model calls spent so far shows while it waits.
        if (usage) Object.assign(record, { usage }, unpriced ? {} : { costUsd });
        await Promise.all([run.journal.writeStep(record), journalRecoveries()]);
        const time = services.clock.now();
        const wakeAt = outcome.waiting.wakeAt;
        run.emit({
          type: 'step-wait',
          runId: run.id,
          path,
          stepId: step.id,
          time,
          ...(wakeAt === undefined ? {} : { wakeAt }),
        });
        return { outcome: 'waiting', waiting: outcome.waiting };
      }
      // Most steps have no checks: no promise for them.
      const output =
        outcome.checked || (step.output === undefined && step.validate === undefined)
          ? outcome.output
          : await checkOutput(step, outcome, context);
      deadline?.clear();
      releaseGates(gate, named);
      const endedAt = services.clock.now();
      record.input = withReads(record.input, reads);
      const fromCache = outcome.cached === true || (cacheHits > 0 && cacheMisses === 0);
      finish(record, outcome, fromCache, output, usage, unpriced ? undefined : costUsd);
      record.status = 'succeeded';
      record.endedAt = endedAt;
      // Queued after the start (stores keep the order of writes), committed together when quick.
      const ended = run.journal.writeStep(record, {
        runId: run.id,
        path,
        attempt,
        status: 'succeeded',
        startedAt: attemptStart,
        endedAt,
      });
      // Awaited in the order they were made, which is the order they fail in.
      ended.catch(ignore);
      await started;
      await ended;
      const journaling = journalRecoveries();
      if (journaling) await journaling;
      emitEnd(run, record, 'succeeded');
      return { outcome: 'succeeded', output };
    } catch (thrown) {
      await started.catch(ignore);
      deadline?.clear();
      releaseGates(gate, named);
      await journalRecoveries();
      const error = frame.signal.aborted
        ? cancelled(run, frame, path)
        : toBatonError(thrown, 'STEP_FAILED', path);
      const serialized = serializeError(error);
      policy ??= resolveRetryPolicy(step.retry, workflow.defaults?.retry);
      const retry = error.code !== 'RUN_CANCELLED' && shouldRetry(policy, attempt, error);
      const endedAt = services.clock.now();
      record.input = withReads(record.input, reads);
      record.error = serialized;
      if (!retry) {
        record.status = error.code === 'RUN_CANCELLED' ? 'cancelled' : 'failed';
        record.endedAt = endedAt;
        if (usage) record.usage = usage;
        if (usage && !unpriced) record.costUsd = costUsd;
      }
      const attemptRecord: AttemptRecord = {
        runId: run.id,
        path,
        attempt,
        status: error.code === 'RUN_CANCELLED' ? 'interrupted' : 'failed',
        startedAt: attemptStart,
        endedAt,
        error: serialized,
      };
      const time = endedAt;
      run.emit({
        type: 'step-error',
        runId: run.id,
        path,
        stepId: step.id,
        attempt,
        time,
        error: serialized,
        final: !retry,
      });
      if (!retry) return settleFailure(run, step, record, attemptRecord, error);
      await run.journal.writeStep(record, attemptRecord);
      const delayMs = retryDelay(policy, attempt, error, services.random);
      run.emit({ type: 'attempt-retry', runId: run.id, path, attempt: attempt + 1, delayMs, time });
      if (run.deferRetries && !path.includes('/')) {
        return { outcome: 'waiting', waiting: { paths: [path], wakeAt: endedAt + delayMs } };
      }
      try {
        await services.clock.sleep(delayMs, frame.signal);
      } catch {
        record.status = 'cancelled';
        await run.journal.writeStep(record);
        return { outcome: 'failed', error: cancelled(run, frame, path) };
      }
    }
  }
}

/**
 * The output as the step's checks leave it: its `output` schema (the original Zod schema when the
 * workflow was built in TypeScript, so refinements and transforms run), then its `validate`. A
 * model step has run both already, turning failures into repairs.
 */
async function checkOutput(step: Step, outcome: StepOutcome, context: StepContext): Promise<unknown> {
  if (outcome.checked) return outcome.output;
  const output = step.output
    ? checkAgainstSchema(outcome.output, step.output, 'OUTPUT_INVALID', context.path)
    : outcome.output;
  if (step.validate === undefined) return output;
  const messages = await validateOutput(step.validate, output, context.scope, context.expressions);
  if (messages.length > 0) throw refusedOutput(context.path, messages, output);
  return output;
}

async function settleFailure(
  run: RunState,
  step: Step,
  record: StepRecord,
  attempt: Parameters<RunState['services']['store']['writeStep']>[1],
  error: BatonError,
): Promise<StepResult> {
  const serialized = serializeError(error);
  const onError = step.onError ?? 'fail';
  // A function this process has not loaded says nothing about the step: routing it (an approval's
  // rejection route, say) would turn a set-up problem into a decision.
  if (error.code !== 'RUN_CANCELLED' && error.code !== 'FUNCTION_NOT_FOUND' && onError !== 'fail') {
    const continued = 'continue' in onError;
    record.note = continued ? 'continued' : `routed to ${onError.route}`;
    record.handled = continued ? 'continued' : 'routed';
    if (continued) {
      record.output = onError.continue;
      record.outputSize = sizeOf(onError.continue);
    }
    await run.journal.writeStep(record, attempt);
    emitEnd(run, record, 'failed');
    return continued
      ? { outcome: 'continued', output: onError.continue, error: serialized }
      : { outcome: 'routed', error: serialized };
  }
  await run.journal.writeStep(record, attempt);
  // A failure inside a map, loop or called workflow already names its own step and input.
  if (error.stepPath !== undefined && error.stepPath !== record.path) return { outcome: 'failed', error };
  const detailed = new BatonError(error.code, error.message, {
    cause: error.cause,
    stepPath: record.path,
    retryable: error.retryable,
    retryAfterMs: error.retryAfterMs,
    hint: error.hint,
    details: { ...error.details, attempts: record.attempt, input: record.input },
  });
  return { outcome: 'failed', error: detailed };
}

/**
 * A step marked `cache: true`: its output is looked up by its definition and everything it reads,
 * and stored after it succeeds, so running it again on the same inputs costs nothing.
 */
async function cachedStep(
  step: Step,
  context: StepContext,
  frame: Frame,
  handler: StepHandler,
): Promise<StepOutcome> {
  const store = context.run.services.store;
  const key = stepCacheKey(step, frame.scope, frame.functions);
  const hit = await store.readCache?.(key);
  if (hit)
    return { output: hit.value, cached: true, ...(hit.model === undefined ? {} : { model: hit.model }) };
  const outcome = await handler.execute(step, context);
  if (!outcome.waiting) {
    const entry: CacheEntry = { key, value: outcome.output, createdAt: context.run.services.clock.now() };
    if (outcome.model !== undefined) entry.model = outcome.model;
    await store.writeCache?.(entry);
  }
  return outcome;
}

function replay(run: RunState, step: Step, record: StepRecord): StepResult {
  emitEnd(run, record, record.status === 'succeeded' ? 'succeeded' : 'failed', true);
  if (record.status === 'succeeded') return { outcome: 'succeeded', output: record.output };
  const error = record.error ?? serializeError(new BatonError('STEP_FAILED', 'failed'));
  if (record.handled === 'continued') return { outcome: 'continued', output: record.output, error };
  if (record.handled === 'routed') return { outcome: 'routed', error };
  return { outcome: 'failed', error: deserializeError({ ...error, stepPath: error.stepPath ?? step.id }) };
}

/** Puts what a succeeded attempt made on its record, in place. */
// A step with usage but no cost had a model call without a price: it is unpriced, never $0.
function finish(
  record: StepRecord,
  outcome: StepOutcome,
  cached: boolean,
  output: unknown,
  usage: Usage | undefined,
  costUsd: number | undefined,
): void {
  record.output = output;
  record.outputSize = sizeOf(output);
  if (outcome.model !== undefined) record.model = outcome.model;
  if (usage) {
    record.usage = usage;
    if (costUsd !== undefined) record.costUsd = costUsd;
  }
  if (cached) record.cached = true;
  if (outcome.note !== undefined) record.note = outcome.note;
}

function emitEnd(run: RunState, record: StepRecord, status: 'succeeded' | 'failed', replayed = false): void {
  const time = record.endedAt ?? run.services.clock.now();
  const event: Extract<Parameters<RunState['emit']>[0], { type: 'step-end' }> = {
    type: 'step-end',
    runId: run.id,
    path: record.path,
    stepId: record.stepId,
    kind: record.kind,
    status,
    attempt: record.attempt,
    time,
    durationMs: time - (record.startedAt ?? time),
    outputSize: record.outputSize ?? 0,
  };
  if (record.usage) event.usage = record.usage;
  if (record.costUsd !== undefined) event.costUsd = record.costUsd;
  else if (record.usage && record.usage.inputTokens + record.usage.outputTokens > 0) event.unpriced = true;
  if (record.model !== undefined) event.model = record.model;
  if (record.cached) event.cached = true;
  if (record.note !== undefined) event.note = record.note;
  if (replayed) event.replayed = true;
  if (record.output !== undefined) {
    if ((record.outputSize ?? sizeOf(record.output)) <= run.services.eventOutputLimit)
      event.output = record.output;
    else event.outputRef = { path: record.path };
  }
  run.emit(event);
}

export function addUsage(total: Usage | undefined, more: Usage): Usage {
  return {
    inputTokens: (total?.inputTokens ?? 0) + more.inputTokens,
    outputTokens: (total?.outputTokens ?? 0) + more.outputTokens,
    cachedInputTokens: (total?.cachedInputTokens ?? 0) + more.cachedInputTokens,
  };
}

function namedGate(run: RunState, step: Step): ConcurrencyGate | undefined {
  if (step.limit === undefined) return undefined;
  return run.services.namedGate(step.limit, run.definition.workflow.limits?.[step.limit]);
}

function releaseGates(gate: ConcurrencyGate | undefined, named: ConcurrencyGate | undefined): void {
  gate?.release();
  named?.release();
}

function ignore(): void {}

function cancelled(run: RunState, frame: Frame, path: string): BatonError {
  const reason = frame.signal.reason;
  if (BatonError.is(reason)) return toBatonError(reason, reason.code, path);
  return new BatonError('RUN_CANCELLED', `Run ${run.id} was cancelled while step "${path}" ran.`, {
    stepPath: path,
    hint: `Resume it with \`baton resume ${run.id}\`.`,
  });
}
