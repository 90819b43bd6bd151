import type { z } from 'zod';
import {
  type AgentResult,
  type AgentStep,
  type ApprovalOutcome,
  BatonError,
  type CodeContext,
  type Definition,
  type InputOf,
  type OutputOf,
  type Step,
  type Workflow,
  type WorkflowDefinition,
} from '../../core/index.js';
import type {
  AgentCallOptions,
  AgentStateOptions,
  AgentStateOutput,
  AgentStateShape,
  TurnScope,
} from './agent-options.js';
import { BuilderCore, type ModelCall } from './builder-core.js';
import type {
  AddStep,
  BuildCheck,
  BuilderState,
  EarlierStep,
  InitialState,
  ItemScope,
  IterationScope,
  Needed,
  NewId,
  Outputs,
  Present,
  ResultOf,
  Scope,
  StepOptions,
  Text,
  When,
} from './builder-types.js';

export type { ItemScope, IterationScope, Scope, StepOptions, Validation } from './builder-types.js';

/** The scope of a step's functions. */
type Sc<INPUT, OUT, NEEDS extends readonly unknown[], JOIN, EXTRA, S extends BuilderState> = Scope<
  INPUT,
  Needed<OUT, NEEDS, JOIN, S['optional']>
> &
  EXTRA;
// The inner builders of map and loop keep their own state, which the outer step does not read.
// biome-ignore lint/suspicious/noExplicitAny: any inner state
type Inner<INPUT, OUT extends Outputs, EXTRA> = WorkflowBuilder<INPUT, OUT, EXTRA, any>;

/**
 * Builds a workflow in TypeScript with types that follow the data: each step's output type comes
 * from its Zod `output` schema or its function, and a step's functions see only the steps it
 * `needs`, so reading a step that is not a dependency, or a field that does not exist, does not
 * compile. Step ids named by routes and `onError` are checked by `build()`, a step that may be
 * skipped is typed as possibly missing, and `build()` returns a `Definition` that types the run's
 * input and output for `engine.run`.
 *
 * @example
 * ```ts
 * const review = workflow('review', { input: z.object({ diff: z.string() }) })
 *   .llm('extract', { prompt: ({ input }) => `List the files in ${input.diff}`, output: z.object({ files: z.array(z.string()) }) })
 *   .transform('count', { needs: ['extract'], run: ({ steps }) => steps.extract.files.length })
 *   .build();
 * ```
 */
export class WorkflowBuilder<
  INPUT,
  OUT extends Outputs = Record<never, never>,
  EXTRA = unknown,
  S extends BuilderState = InitialState<INPUT>,
> extends BuilderCore {
  /** A step computed by a TypeScript function (or a JSONata expression). */
  transform<
    ID extends string,
    const NEEDS extends readonly EarlierStep<OUT>[] = [],
    RESULT = unknown,
    O extends { when?: unknown } = Record<never, never>,
    JOIN extends 'all' | 'any' = 'all',
    const ROUTE extends string = never,
  >(
    id: NewId<ID, OUT>,
    options: O &
      StepOptions<OUT, NEEDS, Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, JOIN, ROUTE> & {
        /** The step's function; `ctx` asks a person (`interrupt`), runs side effects `once`, calls a model (`generate`). */
        run: ((scope: Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, ctx: CodeContext) => RESULT) | string;
      },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, Awaited<RESULT>>, EXTRA, AddStep<S, ID, NEEDS, O, JOIN, ROUTE>> {
    const { run, ...rest } = options;
    return this.add({ ...this.base(id, rest), kind: 'transform', value: this.computed(id, 'run', run) });
  }

  /** A model call: text, or an object of the Zod `output` schema. */
  llm<
    ID extends string,
    const NEEDS extends readonly EarlierStep<OUT>[] = [],
    SCHEMA extends z.ZodType = z.ZodType<string>,
    O extends { when?: unknown } = Record<never, never>,
    JOIN extends 'all' | 'any' = 'all',
    const ROUTE extends string = never,
  >(
    id: NewId<ID, OUT>,
    options: O &
      StepOptions<OUT, NEEDS, Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, JOIN, ROUTE> &
      ModelCall<Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, SCHEMA>,
  ): WorkflowBuilder<INPUT, OUT & Record<ID, z.infer<SCHEMA>>, EXTRA, AddStep<S, ID, NEEDS, O, JOIN, ROUTE>> {
    return this.add({ ...this.modelCall(id, options), kind: 'llm' } as Step);
  }

  /**
   * An agent: a model that calls the named tools until it answers, at most `maxIterations` turns.
   * The output is the answer of the Zod `output` schema, or else `{ answer, turns, toolCalls }`.
   * With `state`, the agent keeps an explicit state typed from `state.schema`, moved by tool
   * events (`on` or `reduce`); `system` and `prompt` are rendered before every turn from it, and
   * the output is the final state (or the state and the answer that ended the loop).
   */
  agent<
    ID extends string,
    const NEEDS extends readonly EarlierStep<OUT>[] = [],
    SCHEMA extends z.ZodType = z.ZodType<AgentResult>,
    STATE extends AgentStateShape = AgentStateShape,
    // Inferred from `state.initial` only when the step has `state`: it chooses the output type.
    INITIAL = never,
    O extends { when?: unknown } = Record<never, never>,
    JOIN extends 'all' | 'any' = 'all',
    const ROUTE extends string = never,
  >(
    id: NewId<ID, OUT>,
    options: O &
      StepOptions<OUT, NEEDS, Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, JOIN, ROUTE> &
      ModelCall<Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S> & TurnScope<STATE>, SCHEMA> &
      AgentCallOptions<Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, STATE> & {
        tools: string[];
        maxIterations: number;
        state?: AgentStateOptions<Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, STATE> & { initial: INITIAL };
      },
  ): WorkflowBuilder<
    INPUT,
    OUT & Record<ID, [INITIAL] extends [never] ? z.infer<SCHEMA> : AgentStateOutput<STATE>>,
    EXTRA,
    AddStep<S, ID, NEEDS, O, JOIN, ROUTE>
  > {
    const { tools, maxIterations, state, guard, approve, ...call } = options;
    const step = {
      ...this.modelCall(id, call),
      kind: 'agent',
      tools: [...tools],
      maxIterations,
    } as AgentStep;
    if (state !== undefined) step.state = this.agentState(id, state as never);
    if (guard !== undefined) {
      step.guard = Object.fromEntries(
        Object.entries(guard).map(([tool, check]) => [tool, this.computed(id, `guard.${tool}`, check)]),
      );
    }
    if (approve !== undefined) step.approve = approve;
    return this.add(step);
  }

  /** A call to a registered tool; `output` types (and checks) what it returns. */
  tool<
    ID extends string,
    const NEEDS extends readonly EarlierStep<OUT>[] = [],
    SCHEMA extends z.ZodType = z.ZodType<unknown>,
    O extends { when?: unknown } = Record<never, never>,
    JOIN extends 'all' | 'any' = 'all',
    const ROUTE extends string = never,
  >(
    id: NewId<ID, OUT>,
    options: O &
      StepOptions<OUT, NEEDS, Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, JOIN, ROUTE> & {
        tool: string;
        input?: Record<string, unknown> | ((scope: Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>) => unknown);
        output?: SCHEMA;
      },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, z.infer<SCHEMA>>, EXTRA, AddStep<S, ID, NEEDS, O, JOIN, ROUTE>> {
    const { tool, input, output, ...rest } = options;
    const step: Step = { ...this.base(id, rest), kind: 'tool', tool };
    if (input !== undefined)
      step.input = typeof input === 'function' ? this.mapping(id, 'input', input) : input;
    if (output !== undefined) step.output = this.schema(id, 'output', output);
    return this.add(step);
  }

  /**
   * Runs another workflow as one step. Given its definition, the input is typed and the output is
   * its output; the engine finds it by name (`createBaton({ workflows })`).
   */
  workflow<
    ID extends string,
    D extends WorkflowDefinition | string,
    const NEEDS extends readonly EarlierStep<OUT>[] = [],
    O extends { when?: unknown } = Record<never, never>,
    JOIN extends 'all' | 'any' = 'all',
    const ROUTE extends string = never,
  >(
    id: NewId<ID, OUT>,
    options: O &
      StepOptions<OUT, NEEDS, Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, JOIN, ROUTE> & {
        workflow: D;
        input?: (scope: Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>) => InputOf<D>;
      },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, OutputOf<D>>, EXTRA, AddStep<S, ID, NEEDS, O, JOIN, ROUTE>> {
    const { workflow: called, input, ...rest } = options;
    const name = typeof called === 'string' ? called : called.workflow.name;
    const step: Step = { ...this.base(id, rest), kind: 'workflow', workflow: name };
    if (input !== undefined) step.input = this.mapping(id, 'input', input);
    return this.add(step);
  }

  /**
   * Chooses one route by condition (or by a model); the steps of the other routes are skipped, so
   * they are typed as possibly missing. Route steps are checked by `build()`.
   */
  branch<
    ID extends string,
    ROUTE extends string,
    const STEPS extends string = never,
    const NEEDS extends readonly EarlierStep<OUT>[] = [],
    O extends { when?: unknown } = Record<never, never>,
    JOIN extends 'all' | 'any' = 'all',
    const ERROR_ROUTE extends string = never,
  >(
    id: NewId<ID, OUT>,
    options: O &
      StepOptions<OUT, NEEDS, Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, JOIN, ERROR_ROUTE> & {
        routes: Record<
          ROUTE,
          {
            when?: When<Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>>;
            description?: string;
            steps: readonly STEPS[];
          }
        >;
        default?: NoInfer<ROUTE>;
        classify?: {
          prompt: Text<Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>>;
          model?: string | string[];
          threshold?: number;
          temperature?: number;
          maxOutputTokens?: number;
        };
      },
  ): WorkflowBuilder<
    INPUT,
    OUT & Record<ID, { route: ROUTE; confidence?: number; reason?: string }>,
    EXTRA,
    AddStep<S, ID, NEEDS, O, JOIN, ERROR_ROUTE, STEPS>
  > {
    const { routes, default: fallback, classify, ...rest } = options;
    const compiled: Record<string, { when?: string; description?: string; steps: string[] }> = {};
    for (const [route, { when, description, steps }] of Object.entries(routes) as Array<
      [string, { when?: When<never>; description?: string; steps: readonly string[] }]
    >) {
      compiled[route] = { steps: [...steps] };
      if (when !== undefined) compiled[route].when = this.condition(id, `routes.${route}.when`, when);
      if (description !== undefined) compiled[route].description = description;
    }
    const step: Step = { ...this.base(id, rest), kind: 'branch', routes: compiled };
    if (fallback !== undefined) step.default = fallback;
    if (classify !== undefined) {
      step.classify = { prompt: this.computed(id, 'classify', classify.prompt) };
      if (classify.model !== undefined) step.classify.model = classify.model;
      if (classify.threshold !== undefined) step.classify.threshold = classify.threshold;
      if (classify.temperature !== undefined) step.classify.temperature = classify.temperature;
      if (classify.maxOutputTokens !== undefined) step.classify.maxOutputTokens = classify.maxOutputTokens;
    }
    return this.add(step);
  }

  /** Runs the steps built by `each` once per item, in parallel up to `concurrency`, results in order. */
  map<
    ID extends string,
    ITEM,
    const NEEDS extends readonly EarlierStep<OUT>[] = [],
    INNER extends Outputs = Outputs,
    RESULT = unknown,
    O extends { when?: unknown } = Record<never, never>,
    JOIN extends 'all' | 'any' = 'all',
    const ROUTE extends string = never,
  >(
    id: NewId<ID, OUT>,
    options: O &
      StepOptions<OUT, NEEDS, Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, JOIN, ROUTE> & {
        items: (scope: Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>) => ITEM[] | Promise<ITEM[]>;
        concurrency?: number;
        each: (
          item: WorkflowBuilder<
            INPUT,
            Needed<OUT, NEEDS, JOIN, S['optional']>,
            EXTRA & { item: ITEM; index: number }
          >,
        ) => Inner<INPUT, INNER, EXTRA & { item: ITEM; index: number }>;
        result: (scope: ItemScope<INPUT, INNER, ITEM>) => RESULT;
        onItemError?: 'fail' | { continue: unknown };
      },
  ): WorkflowBuilder<
    INPUT,
    OUT & Record<ID, Awaited<RESULT>[]>,
    EXTRA,
    AddStep<S, ID, NEEDS, O, JOIN, ROUTE>
  > {
    const { items, concurrency, each, result, onItemError, ...rest } = options;
    const inner = each(new WorkflowBuilder(this.name, {}, `${this.prefix}${id}.`));
    Object.assign(this.functions, inner.functions);
    this.unshowable.push(...inner.unshowable);
    const step: Step = {
      ...this.base(id, rest),
      kind: 'map',
      items: this.computed(id, 'items', items),
      steps: inner.steps,
      result: this.computed(id, 'result', result),
    };
    if (concurrency !== undefined) step.concurrency = concurrency;
    if (onItemError !== undefined) step.onItemError = onItemError;
    return this.add(step);
  }

  /**
   * Repeats the steps built by `body` until `until` holds, at most `maxIterations` times. The
   * `output` schema types (and checks) each iteration's result and `previous`.
   */
  loop<
    ID extends string,
    SCHEMA extends z.ZodType,
    const NEEDS extends readonly EarlierStep<OUT>[] = [],
    INNER extends Outputs = Outputs,
    O extends { when?: unknown } = Record<never, never>,
    JOIN extends 'all' | 'any' = 'all',
    const ROUTE extends string = never,
  >(
    id: NewId<ID, OUT>,
    options: O &
      StepOptions<OUT, NEEDS, Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, JOIN, ROUTE> & {
        maxIterations: number;
        output: SCHEMA;
        body: (
          iteration: WorkflowBuilder<
            INPUT,
            Needed<OUT, NEEDS, JOIN, S['optional']>,
            EXTRA & { iteration: number; previous: z.infer<SCHEMA> | undefined }
          >,
        ) => Inner<INPUT, INNER, EXTRA & { iteration: number; previous: z.infer<SCHEMA> | undefined }>;
        result: (scope: IterationScope<INPUT, INNER, z.infer<SCHEMA>>) => z.infer<SCHEMA>;
        until: (
          scope: IterationScope<INPUT, INNER, z.infer<SCHEMA>> & { result: z.infer<SCHEMA> },
        ) => boolean;
        onStuck?: 'fail' | 'end';
      },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, z.infer<SCHEMA>>, EXTRA, AddStep<S, ID, NEEDS, O, JOIN, ROUTE>> {
    const { maxIterations, output, body, result, until, onStuck, ...rest } = options;
    const inner = body(new WorkflowBuilder(this.name, {}, `${this.prefix}${id}.`));
    Object.assign(this.functions, inner.functions);
    this.unshowable.push(...inner.unshowable);
    const step: Step = {
      ...this.base(id, rest),
      kind: 'loop',
      maxIterations,
      output: this.schema(id, 'output', output),
      steps: inner.steps,
      result: this.computed(id, 'result', result),
      until: this.computed(id, 'until', until),
    };
    if (onStuck !== undefined) step.onStuck = onStuck;
    return this.add(step);
  }

  /**
   * Waits for a person to approve, reject or edit `subject`; the output is the approved subject.
   * A rejection fails the step (route it with `onError`), or with `outcome: true` the output is
   * how it was decided: approved, edited or rejected, with who and why.
   */
  approval<
    ID extends string,
    SCHEMA extends z.ZodType,
    const NEEDS extends readonly EarlierStep<OUT>[] = [],
    OUTCOME extends boolean = false,
    O extends { when?: unknown } = Record<never, never>,
    JOIN extends 'all' | 'any' = 'all',
    const ROUTE extends string = never,
  >(
    id: NewId<ID, OUT>,
    options: O &
      StepOptions<OUT, NEEDS, Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>, JOIN, ROUTE> & {
        subject: (scope: Sc<INPUT, OUT, NEEDS, JOIN, EXTRA, S>) => z.infer<SCHEMA>;
        output: SCHEMA;
        outcome?: OUTCOME;
        instructions?: string;
        expires?: number | string;
        onExpiry?: 'approve' | 'reject';
      },
  ): WorkflowBuilder<
    INPUT,
    OUT & Record<ID, OUTCOME extends true ? ApprovalOutcome<z.infer<SCHEMA>> : z.infer<SCHEMA>>,
    EXTRA,
    AddStep<S, ID, NEEDS, O, JOIN, ROUTE> & { approvals: S['approvals'] & Record<ID, z.infer<SCHEMA>> }
  > {
    const { subject, output, outcome, instructions, expires, onExpiry, ...rest } = options;
    const step: Step = {
      ...this.base(id, rest),
      kind: 'approval',
      subject: this.mapping(id, 'subject', subject),
      output: this.schema(id, 'output', output),
    };
    if (outcome === true) step.outcome = true;
    if (instructions !== undefined) step.instructions = instructions;
    if (expires !== undefined) step.expires = expires;
    if (onExpiry !== undefined) step.onExpiry = onExpiry;
    return this.add(step);
  }

  /** The run's output, computed from every step (a step that may have been skipped is optional). */
  output<RESULT>(
    mapping: (scope: Scope<INPUT, Present<OUT, S['optional']>>) => RESULT,
  ): WorkflowBuilder<INPUT, OUT, EXTRA, Omit<S, 'result'> & { result: Awaited<RESULT> }> {
    this.outputMapping = this.mapping('$output', 'value', mapping);
    return this as never;
  }

  /** The workflow as IR plus the functions it names, typed for `engine.run`; ready to run or print as JSON. */
  build(
    this: WorkflowBuilder<INPUT, OUT, EXTRA, S> & BuildCheck<OUT, S>,
  ): Definition<S['runInput'], ResultOf<OUT, S>, S['approvals']> {
    if (this.unshowable.length > 0) {
      throw new BatonError(
        'WORKFLOW_INVALID',
        `Workflow "${this.name}" has schemas a model or an editor cannot be shown: ${this.unshowable
          .map((entry) => `${entry.where}: ${entry.reason}`)
          .join('; ')}`,
        {
          details: { problems: this.unshowable },
          hint: 'Use JSON types (z.string() for a date, z.number() for a bigint) and turn them into richer values in a later step.',
        },
      );
    }
    const workflow: Workflow = { name: this.name, steps: this.steps };
    if (this.options.description !== undefined) workflow.description = this.options.description;
    if (this.options.version !== undefined) workflow.version = this.options.version;
    if (this.options.input !== undefined) workflow.input = this.schema('$input', 'input', this.options.input);
    if (this.outputMapping !== undefined) workflow.output = this.outputMapping;
    return { workflow, functions: { ...this.functions } };
  }
}

/**
 * Starts a typed workflow. With an `input` schema, a run's input is checked against the schema's
 * input type at compile time and the steps see its output type.
 */
export function workflow<INPUT = Record<string, unknown>, RAW = INPUT>(
  name: string,
  options: { input?: z.ZodType<INPUT, RAW>; description?: string; version?: string | number } = {},
): WorkflowBuilder<INPUT, Record<never, never>, unknown, InitialState<RAW>> {
  return new WorkflowBuilder<INPUT, Record<never, never>, unknown, InitialState<RAW>>(name, options);
}
