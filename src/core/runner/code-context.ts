import type { z } from 'zod';
import { BatonError } from '../errors.js';
import type { SubCallRecord, Usage } from '../ports/store.js';
import { callModel } from '../steps/call-model.js';
import { showableSchema } from './output-schema.js';
import { PauseSignal, pauseAt } from './pause.js';
import type { StepContext } from './run-state.js';

/** A question `ctx.interrupt` asks: its key (stable across re-runs), the prompt and the answer's schema. */
export interface InterruptRequest<T> {
  key: string;
  prompt: string;
  schema?: z.ZodType<T>;
}

/** A model call from code: through the model layer, journaled, priced, budgeted and cached. */
export interface GenerateRequest<T> {
  model?: string | string[];
  system?: string;
  prompt: string;
  schema?: z.ZodType<T>;
  temperature?: number;
  maxOutputTokens?: number;
}

/**
 * What a TypeScript step function or tool receives besides its scope. A function that asks or
 * calls runs again from the start when the run resumes; each of these calls returns its journaled
 * result then, in the order the function makes them.
 */
export interface CodeContext {
  readonly runId: string;
  readonly stepPath: string;
  /** Asks a person and suspends the run until `baton answer` (or `engine.answer`) replies. */
  interrupt<T = unknown>(request: InterruptRequest<T>): Promise<T>;
  /** Runs `fn` once per run; afterwards returns the result it journaled. */
  once<T>(key: string, fn: () => T | Promise<T>): Promise<T>;
  /** Calls a model; a resumed run gets the journaled answer instead of calling again. */
  generate<T = string>(request: GenerateRequest<T>): Promise<T>;
}

/** An answer on its way to a waiting question; `refusal` is set when the question's schema refuses it. */
export interface PendingAnswer {
  path: string;
  /** The sequence of the question it answers: of several waiting in one step, this one. */
  sequence?: number;
  value: unknown;
  by: string;
  refusal?: BatonError;
}

/**
 * Where the calls of a tool an agent called as call `n` are journaled: below the sequences agent
 * turns and tool calls count up from 0 and the attempts' model records (`-attempt`), 500 slots
 * per tool call.
 */
export function toolCallContextBase(call: number): number {
  return -1_000_000 - 1_000 * call;
}

/**
 * The context of one execution of a code step (or of a tool an agent called, from `base`). Each
 * call takes the next slot: slot `i` journals at sequence `base + 2i` (and its decision at the
 * next), so a re-run meets its earlier calls in order, and a call that does not match what the
 * journal holds there fails instead of reusing a value.
 */
export function createCodeContext(context: StepContext, base = 0): CodeContext {
  const { run, path } = context;
  const store = run.services.store;
  let calls: Promise<SubCallRecord[]> | undefined;
  let slot = 0;
  const journal = () => {
    calls ??= store.listSubCalls(run.id, path);
    return calls;
  };
  const take = async (kind: string, name: string) => {
    const sequence = base + 2 * slot++;
    const pause = pauseAt(await journal(), sequence);
    if (pause.request && (pause.request.kind !== kind || pause.request.name !== name)) {
      throw new BatonError(
        'STEP_FAILED',
        `Step "${path}" made ${kind} "${name}" as call ${(sequence - base) / 2 + 1}, but when it ran before that call was ${pause.request.kind} "${pause.request.name}".`,
        {
          stepPath: path,
          details: { expected: { kind: pause.request.kind, name: pause.request.name }, got: { kind, name } },
          hint: 'A step function must make its interrupt, once and generate calls in the same order every time it runs; keep the keys stable.',
        },
      );
    }
    return { sequence, ...pause };
  };
  const write = (sequence: number, kind: string, name: string, fields: Partial<SubCallRecord>) =>
    run.journal.writeSubCall({
      runId: run.id,
      path,
      sequence,
      kind,
      name,
      createdAt: run.services.clock.now(),
      ...fields,
    });
  return {
    runId: run.id,
    stepPath: path,
    async interrupt<T>(request: InterruptRequest<T>): Promise<T> {
      const { sequence, request: asked, decision } = await take('interrupt', request.key);
      if (decision) return (decision.response as { value: T }).value;
      const question = { path, key: request.key, prompt: request.prompt };
      if (!asked) {
        const shown = request.schema
          ? showableSchema(request.schema, `${path} interrupt ${request.key}`)
          : undefined;
        const schema = shown && 'schema' in shown ? shown.schema : undefined;
        await write(sequence, 'interrupt', request.key, {
          request: { prompt: request.prompt, ...(schema ? { schema } : {}) },
        });
      }
      const answer = run.answer;
      const mine = answer?.sequence === undefined || answer.sequence === sequence;
      if (answer?.path === path && mine && answer.refusal === undefined) {
        const parsed = request.schema ? request.schema.safeParse(answer.value) : undefined;
        if (parsed && !parsed.success) {
          answer.refusal = refusedAnswer(path, request.key, parsed.error.issues, answer.value);
        } else {
          const value = parsed ? parsed.data : answer.value;
          run.answer = undefined;
          const at = run.services.clock.now();
          await write(sequence + 1, 'answer', request.key, { response: { value, by: answer.by, at } });
          return value as T;
        }
      }
      throw new PauseSignal(question);
    },
    async once<T>(key: string, fn: () => T | Promise<T>): Promise<T> {
      const { sequence, request: done } = await take('once', key);
      if (done) return (done.response as { value: T }).value;
      const value = await fn();
      await write(sequence, 'once', key, { response: { value } });
      return value;
    },
    async generate<T>(request: GenerateRequest<T>): Promise<T> {
      const name = Array.isArray(request.model) ? request.model.join(',') : (request.model ?? 'default');
      const { sequence, request: done } = await take('generate', name);
      if (done) {
        const journaled = done.response as { value: T; usage?: Usage; costUsd?: number; unpriced?: boolean };
        // The spend of a journaled call counts again for the step; the run counts it once.
        if (journaled.usage) context.addUsage(journaled.usage, journaled.costUsd ?? 0, journaled.unpriced);
        return journaled.value;
      }
      const shown = request.schema ? showableSchema(request.schema, `${path} generate`) : undefined;
      if (shown && 'reason' in shown) {
        throw new BatonError('WORKFLOW_INVALID', `ctx.generate in step "${path}": ${shown.reason}`, {
          stepPath: path,
          hint: 'Give ctx.generate a schema of JSON types.',
        });
      }
      let usage: Usage | undefined;
      let costUsd = 0;
      let unpriced = false;
      const counting: StepContext = {
        ...context,
        addUsage(callUsage, callCost, noPrice) {
          usage = {
            inputTokens: (usage?.inputTokens ?? 0) + callUsage.inputTokens,
            outputTokens: (usage?.outputTokens ?? 0) + callUsage.outputTokens,
            cachedInputTokens: (usage?.cachedInputTokens ?? 0) + callUsage.cachedInputTokens,
          };
          costUsd += callCost;
          unpriced ||= noPrice === true;
          context.addUsage(callUsage, callCost, noPrice);
        },
      };
      const { value, model } = await callModel(counting, {
        model: request.model,
        system: request.system,
        prompt: request.prompt,
        schema: shown && 'schema' in shown ? shown.schema : undefined,
        temperature: request.temperature,
        maxOutputTokens: request.maxOutputTokens,
      });
      await write(sequence, 'generate', name, {
        request: { model: request.model, system: request.system, prompt: request.prompt },
        response: { value, model, usage, costUsd, ...(unpriced ? { unpriced } : {}) },
      });
      return value as T;
    },
  };
}

function refusedAnswer(path: string, key: string, issues: z.core.$ZodIssue[], value: unknown): BatonError {
  const listed = issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  return new BatonError(
    'INPUT_INVALID',
    `The answer to "${key}" in step "${path}" is not valid: ${listed.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    {
      stepPath: path,
      details: { issues: listed, value },
      hint: 'The run still waits for an answer: send a corrected one with `baton answer`.',
    },
  );
}
