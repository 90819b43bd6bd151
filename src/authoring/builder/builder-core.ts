import type { z } from 'zod';
import {
  type AgentEvent,
  type AgentStateConfig,
  BatonError,
  type Computed,
  type Step,
  showableSchema,
  type UnshowableSchema,
  type WorkflowFunction,
} from '../../core/index.js';
import type { AgentStateOptions, AgentStateShape } from './agent-options.js';
import type { Scope, Text, When } from './builder-types.js';

/**
 * What `WorkflowBuilder` is built on: the steps and functions gathered so far, and how options
 * become IR (functions registered by name, Zod schemas turned into what a model is shown).
 */
export class BuilderCore {
  protected readonly steps: Step[] = [];
  protected readonly functions: Record<string, WorkflowFunction> = {};
  protected readonly unshowable: UnshowableSchema[] = [];
  protected outputMapping: unknown;

  constructor(
    protected readonly name: string,
    protected readonly options: { input?: z.ZodType; description?: string; version?: string | number } = {},
    protected readonly prefix = '',
  ) {}

  // biome-ignore lint/suspicious/noExplicitAny: the next builder's types are the caller's
  protected add(step: Step): any {
    if (this.steps.some((earlier) => earlier.id === step.id)) {
      throw new BatonError(
        'WORKFLOW_INVALID',
        `Workflow "${this.name}" defines step "${this.prefix}${step.id}" twice.`,
        { stepPath: `${this.prefix}${step.id}`, hint: 'Give each step its own id.' },
      );
    }
    this.steps.push(step);
    return this;
  }

  protected base(id: string, options: Record<string, unknown>): Pick<Step, 'id'> & Partial<Step> {
    const step: Record<string, unknown> = { id };
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) continue;
      if (key === 'needs') step.needs = [...(value as string[])];
      else if (key === 'when') step.when = this.condition(id, 'when', value as When<never>);
      else if (key === 'validate' && typeof value === 'function') {
        const validate = value as (output: unknown, scope: Scope<unknown, unknown>) => unknown;
        step.validate = this.computed(
          id,
          'validate',
          (scope: Scope<unknown, unknown> & { output: unknown }) => validate(scope.output, scope),
        );
      } else step[key] = value;
    }
    return step as Pick<Step, 'id'>;
  }

  /**
   * The JSON Schema a model or an editor is shown for a Zod schema; the Zod schema itself is kept
   * for the checks. One that cannot be shown is reported by `build()`.
   */
  protected schema(id: string, field: string, zod: z.ZodType): Record<string, unknown> {
    const shown = showableSchema(zod, id === '$input' ? 'input' : `${this.prefix}${id}.${field}`);
    if ('reason' in shown) {
      this.unshowable.push(shown);
      return {};
    }
    return shown.schema;
  }

  protected modelCall(id: string, options: object): Partial<Step> {
    const { prompt, system, output, model, temperature, maxOutputTokens, maxRepairs, ...rest } =
      options as ModelCall<never, z.ZodType>;
    const step: Record<string, unknown> = {
      ...this.base(id, rest),
      prompt: this.computed(id, 'prompt', prompt),
    };
    if (system !== undefined) step.system = this.computed(id, 'system', system);
    if (output !== undefined) step.output = this.schema(id, 'output', output);
    for (const [key, value] of Object.entries({ model, temperature, maxOutputTokens, maxRepairs }))
      if (value !== undefined) step[key] = value;
    return step as Partial<Step>;
  }

  /**
   * An agent's `state` as IR: the Zod schema shown as JSON Schema (and kept for the checks), each
   * function of `on` and `reduce` registered by name.
   */
  protected agentState(id: string, options: AgentStateOptions<never, AgentStateShape>): AgentStateConfig {
    const { schema, on, reduce, tools, ...plain } = options;
    const state = { ...plain } as AgentStateConfig;
    if (tools !== undefined) {
      state.tools = Object.fromEntries(
        Object.entries(tools).map(([status, names]) => [status, [...(names as readonly string[])]]),
      );
    }
    if (schema !== undefined) state.schema = this.schema(id, 'state.schema', schema);
    if (on !== undefined) {
      state.on = Object.fromEntries(
        Object.entries(on).map(([event, transition]) => [
          event,
          typeof transition === 'function' ? this.computed(id, `state.on.${event}`, transition) : transition,
        ]),
      );
    }
    if (reduce !== undefined) {
      const next = (scope: { state: AgentStateShape; event: AgentEvent }) => reduce(scope.state, scope.event);
      state.reduce = this.computed(id, 'state.reduce', next);
    }
    return state;
  }

  /** A condition as JSONata: a function becomes `$call("<name>")`. */
  protected condition(id: string, field: string, when: When<never>): string {
    return typeof when === 'string' ? when : `$call(${JSON.stringify(this.register(id, field, when))})`;
  }

  protected computed(
    id: string,
    field: string,
    value: string | ((scope: never, ctx: never) => unknown),
  ): Computed {
    return typeof value === 'string' ? value : { function: this.register(id, field, value) };
  }

  /** Registers a function under `<path>.<field>` and returns its name. */
  protected register(id: string, field: string, fn: (scope: never, ctx: never) => unknown): string {
    const name = `${this.prefix}${id}.${field}`;
    this.functions[name] = fn as WorkflowFunction;
    return name;
  }

  /** A mapping whose whole value is a registered function: one `{{ $call(name) }}` placeholder. */
  protected mapping(id: string, field: string, fn: (scope: never, ctx: never) => unknown): string {
    return `{{ $call(${JSON.stringify(this.register(id, field, fn))}) }}`;
  }
}

/** The model-call options of `llm` and `agent` steps. */
export interface ModelCall<SCOPE, SCHEMA extends z.ZodType> {
  prompt: Text<SCOPE>;
  system?: Text<SCOPE>;
  model?: string | string[];
  output?: SCHEMA;
  temperature?: number;
  maxOutputTokens?: number;
  maxRepairs?: number;
}
