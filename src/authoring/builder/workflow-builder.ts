import type { z } from 'zod';
import {
  BatonError,
  type CodeContext,
  type Computed,
  type OnError,
  type RetryPolicy,
  type Step,
  showableSchema,
  type UnshowableSchema,
  type Workflow,
  type WorkflowDefinition,
  type WorkflowFunction,
} from '../../core/index.js';

/** What a step's TypeScript functions receive: the input, and only the steps it needs. */
export interface Scope<INPUT, STEPS> {
  input: INPUT;
  steps: STEPS;
  run: { id: string; workflow: string };
}

/** Inside a map: the item and its index as well. */
export interface ItemScope<INPUT, STEPS, ITEM> extends Scope<INPUT, STEPS> {
  item: ITEM;
  index: number;
}

/** Inside a loop: the iteration (from 1) and the previous iteration's result. */
export interface IterationScope<INPUT, STEPS, RESULT> extends Scope<INPUT, STEPS> {
  iteration: number;
  previous: RESULT | undefined;
}

type Outputs = Record<string, unknown>;
type Needed<OUT extends Outputs, NEEDS extends readonly (keyof OUT)[]> = Pick<OUT, NEEDS[number]>;
type Value<SCOPE> = string | ((scope: SCOPE, ctx: never) => unknown);
type Text<SCOPE> = string | ((scope: SCOPE) => string | Promise<string>);

/** Fields every step may carry. `needs` names the steps its functions read. */
export interface StepOptions<OUT extends Outputs, NEEDS extends readonly (keyof OUT & string)[]> {
  needs?: NEEDS;
  description?: string;
  when?: string;
  join?: 'all' | 'any';
  retry?: RetryPolicy;
  timeout?: number | string;
  onError?: OnError;
  cache?: boolean;
  limit?: string;
  /**
   * Checks the output after the step ends: `true`, or a message (or messages) saying what is
   * wrong; a failure is `OUTPUT_INVALID`, which a model step turns into a repair. A string is a
   * JSONata expression with `output` in scope.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the output type is the step's, checked by its schema
  validate?: string | ((output: any, scope: Scope<unknown, unknown>) => Validation | Promise<Validation>);
  /** Render a `{{ }}` reference that yields nothing as empty text instead of failing. */
  allowMissing?: boolean;
}

/** What a `validate` function returns: `true` (or nothing) when the output is right. */
export type Validation = true | string | string[] | undefined;

type Base = Record<string, unknown>;

/**
 * Builds a workflow in TypeScript with types that follow the data: each step's output type comes
 * from its Zod `output` schema or its function, and a step's functions see only the steps it
 * `needs`, so reading a step that is not a dependency, or a field that does not exist, does not
 * compile. `build()` gives the same IR a YAML file compiles to.
 *
 * @example
 * ```ts
 * const review = workflow('review', { input: z.object({ diff: z.string() }) })
 *   .llm('extract', { prompt: ({ input }) => `List the files in ${input.diff}`, output: z.object({ files: z.array(z.string()) }) })
 *   .transform('count', { needs: ['extract'], run: ({ steps }) => steps.extract.files.length })
 *   .build();
 * ```
 */
export class WorkflowBuilder<INPUT, OUT extends Outputs = Record<never, never>, EXTRA = unknown> {
  private readonly steps: Step[] = [];
  private readonly functions: Record<string, WorkflowFunction> = {};
  private readonly unshowable: UnshowableSchema[] = [];
  private outputMapping: unknown;

  constructor(
    private readonly name: string,
    private readonly options: {
      input?: z.ZodType<INPUT>;
      description?: string;
      version?: string | number;
    } = {},
    private readonly prefix = '',
  ) {}

  /** A step computed by a TypeScript function (or a JSONata expression). */
  transform<ID extends string, const NEEDS extends readonly (keyof OUT & string)[] = [], RESULT = unknown>(
    id: ID,
    options: StepOptions<OUT, NEEDS> & {
      /** The step's function; `ctx` asks a person (`interrupt`), runs side effects `once`, calls a model (`generate`). */
      run: ((scope: Scope<INPUT, Needed<OUT, NEEDS>> & EXTRA, ctx: CodeContext) => RESULT) | string;
    },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, Awaited<RESULT>>, EXTRA> {
    const { run, ...rest } = options;
    return this.add({ ...this.base(id, rest), kind: 'transform', value: this.computed(id, 'run', run) });
  }

  /** A model call: text, or an object of the Zod `output` schema. */
  llm<
    ID extends string,
    const NEEDS extends readonly (keyof OUT & string)[] = [],
    SCHEMA extends z.ZodType = z.ZodType<string>,
  >(
    id: ID,
    options: StepOptions<OUT, NEEDS> & {
      prompt: Text<Scope<INPUT, Needed<OUT, NEEDS>> & EXTRA>;
      system?: Text<Scope<INPUT, Needed<OUT, NEEDS>> & EXTRA>;
      model?: string | string[];
      output?: SCHEMA;
      temperature?: number;
      maxOutputTokens?: number;
    },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, z.infer<SCHEMA>>, EXTRA> {
    const { prompt, system, model, output, temperature, maxOutputTokens, ...rest } = options;
    const step: Step = { ...this.base(id, rest), kind: 'llm', prompt: this.computed(id, 'prompt', prompt) };
    if (system !== undefined) step.system = this.computed(id, 'system', system);
    if (model !== undefined) step.model = model;
    if (output !== undefined) step.output = this.schema(id, 'output', output);
    if (temperature !== undefined) step.temperature = temperature;
    if (maxOutputTokens !== undefined) step.maxOutputTokens = maxOutputTokens;
    return this.add(step);
  }

  /** A call to a registered tool; `output` types (and checks) what it returns. */
  tool<
    ID extends string,
    const NEEDS extends readonly (keyof OUT & string)[] = [],
    SCHEMA extends z.ZodType = z.ZodType<unknown>,
  >(
    id: ID,
    options: StepOptions<OUT, NEEDS> & {
      tool: string;
      input?: Record<string, unknown> | ((scope: Scope<INPUT, Needed<OUT, NEEDS>> & EXTRA) => unknown);
      output?: SCHEMA;
    },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, z.infer<SCHEMA>>, EXTRA> {
    const { tool, input, output, ...rest } = options;
    const step: Step = { ...this.base(id, rest), kind: 'tool', tool };
    if (input !== undefined) {
      step.input = typeof input === 'function' ? this.mapping(id, 'input', input) : input;
    }
    if (output !== undefined) step.output = this.schema(id, 'output', output);
    return this.add(step);
  }

  /** Chooses one route by condition (or by a model); the steps of the other routes are skipped. */
  branch<ID extends string, ROUTE extends string, const NEEDS extends readonly (keyof OUT & string)[] = []>(
    id: ID,
    options: StepOptions<OUT, NEEDS> & {
      routes: Record<ROUTE, { when?: string; description?: string; steps: string[] }>;
      default?: NoInfer<ROUTE>;
      classify?: {
        prompt: Text<Scope<INPUT, Needed<OUT, NEEDS>> & EXTRA>;
        model?: string | string[];
        threshold?: number;
        temperature?: number;
        maxOutputTokens?: number;
      };
    },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, { route: ROUTE; confidence?: number; reason?: string }>, EXTRA> {
    const { routes, default: fallback, classify, ...rest } = options;
    const step: Step = { ...this.base(id, rest), kind: 'branch', routes };
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
    const NEEDS extends readonly (keyof OUT & string)[] = [],
    INNER extends Outputs = Outputs,
    RESULT = unknown,
  >(
    id: ID,
    options: StepOptions<OUT, NEEDS> & {
      items: (scope: Scope<INPUT, Needed<OUT, NEEDS>> & EXTRA) => ITEM[] | Promise<ITEM[]>;
      concurrency?: number;
      each: (
        item: WorkflowBuilder<INPUT, Needed<OUT, NEEDS>, EXTRA & { item: ITEM; index: number }>,
      ) => WorkflowBuilder<INPUT, INNER, EXTRA & { item: ITEM; index: number }>;
      result: (scope: ItemScope<INPUT, INNER, ITEM>) => RESULT;
      onItemError?: 'fail' | { continue: unknown };
    },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, Awaited<RESULT>[]>, EXTRA> {
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
    const NEEDS extends readonly (keyof OUT & string)[] = [],
    INNER extends Outputs = Outputs,
  >(
    id: ID,
    options: StepOptions<OUT, NEEDS> & {
      maxIterations: number;
      output: SCHEMA;
      body: (
        iteration: WorkflowBuilder<
          INPUT,
          Needed<OUT, NEEDS>,
          EXTRA & { iteration: number; previous: z.infer<SCHEMA> | undefined }
        >,
      ) => WorkflowBuilder<
        INPUT,
        INNER,
        EXTRA & { iteration: number; previous: z.infer<SCHEMA> | undefined }
      >;
      result: (scope: IterationScope<INPUT, INNER, z.infer<SCHEMA>>) => z.infer<SCHEMA>;
      until: (scope: IterationScope<INPUT, INNER, z.infer<SCHEMA>> & { result: z.infer<SCHEMA> }) => boolean;
      onStuck?: 'fail' | 'end';
    },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, z.infer<SCHEMA>>, EXTRA> {
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

  /** Waits for a person to approve, reject or edit `subject`; the output is the approved subject. */
  approval<
    ID extends string,
    SCHEMA extends z.ZodType,
    const NEEDS extends readonly (keyof OUT & string)[] = [],
  >(
    id: ID,
    options: StepOptions<OUT, NEEDS> & {
      subject: (scope: Scope<INPUT, Needed<OUT, NEEDS>> & EXTRA) => z.infer<SCHEMA>;
      output: SCHEMA;
      instructions?: string;
      expires?: number | string;
      onExpiry?: 'approve' | 'reject';
    },
  ): WorkflowBuilder<INPUT, OUT & Record<ID, z.infer<SCHEMA>>, EXTRA> {
    const { subject, output, instructions, expires, onExpiry, ...rest } = options;
    const step: Step = {
      ...this.base(id, rest),
      kind: 'approval',
      subject: this.mapping(id, 'subject', subject),
      output: this.schema(id, 'output', output),
    };
    if (instructions !== undefined) step.instructions = instructions;
    if (expires !== undefined) step.expires = expires;
    if (onExpiry !== undefined) step.onExpiry = onExpiry;
    return this.add(step);
  }

  /** The run's output, computed from every step. */
  output(mapping: (scope: Scope<INPUT, OUT>) => unknown): this {
    this.outputMapping = this.mapping('$output', 'value', mapping);
    return this;
  }

  /** The workflow as IR plus the functions it names, ready to run or to print as JSON. */
  build(): WorkflowDefinition & { workflow: Workflow } {
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

  private add<NEXT extends Outputs>(step: Step): WorkflowBuilder<INPUT, NEXT, EXTRA> {
    this.steps.push(step);
    return this as unknown as WorkflowBuilder<INPUT, NEXT, EXTRA>;
  }

  private base(id: string, options: StepOptions<Base, readonly string[]>): Pick<Step, 'id'> & Partial<Step> {
    const step: Record<string, unknown> = { id };
    for (const [key, value] of Object.entries(options))
      if (value !== undefined) step[key] = key === 'needs' ? [...value] : value;
    const validate = options.validate;
    if (typeof validate === 'function') {
      step.validate = this.computed(id, 'validate', (scope: Scope<unknown, unknown> & { output: unknown }) =>
        validate(scope.output, scope),
      );
    }
    return step as Pick<Step, 'id'>;
  }

  /**
   * The JSON Schema a model or an editor is shown for a Zod schema; the Zod schema itself is kept
   * for the checks. One that cannot be shown is reported by `build()`.
   */
  private schema(id: string, field: string, zod: z.ZodType): Record<string, unknown> {
    const shown = showableSchema(zod, id === '$input' ? 'input' : `${this.prefix}${id}.${field}`);
    if ('reason' in shown) {
      this.unshowable.push(shown);
      return {};
    }
    return shown.schema;
  }

  private computed(id: string, field: string, value: Value<never>): Computed {
    return typeof value === 'string'
      ? value
      : { function: this.register(id, field, value as WorkflowFunction) };
  }

  /** Registers a function under `<path>.<field>` and returns its name. */
  private register(id: string, field: string, fn: (scope: never) => unknown): string {
    const name = `${this.prefix}${id}.${field}`;
    this.functions[name] = fn as WorkflowFunction;
    return name;
  }

  /** A mapping whose whole value is a registered function: one `{{ $call(name) }}` placeholder. */
  private mapping(id: string, field: string, fn: (scope: never) => unknown): string {
    return `{{ $call(${JSON.stringify(this.register(id, field, fn))}) }}`;
  }
}

/** Starts a typed workflow. */
export function workflow<INPUT = Record<string, unknown>>(
  name: string,
  options: { input?: z.ZodType<INPUT>; description?: string; version?: string | number } = {},
): WorkflowBuilder<INPUT> {
  return new WorkflowBuilder<INPUT>(name, options);
}
