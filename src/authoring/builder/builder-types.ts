import type { RetryPolicy } from '../../core/index.js';

export type { ApprovalOutcome } from '../../core/index.js';

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

export type Outputs = Record<string, unknown>;
type Names<OUT> = keyof OUT & string;

/** The ids a step may name in `needs`: the steps defined before it. */
export type EarlierStep<OUT> = [Names<OUT>] extends [never]
  ? '(no step is defined before this one)'
  : Names<OUT>;

/** A new step id: the id of an earlier step does not compile, with a message saying so. */
export type NewId<ID extends string, OUT> = ID extends keyof OUT ? `Step "${ID}" is already defined` : ID;

/**
 * The steps a step's functions see: the ones it `needs`. With `join: 'any'` a step runs when
 * any of them succeeded, so each that may be skipped may be missing.
 */
export type Needed<OUT, NEEDS extends readonly unknown[], JOIN = 'all', OPTIONAL = never> = {
  [K in NEEDS[number] & keyof OUT]: JOIN extends 'any'
    ? K extends OPTIONAL
      ? OUT[K] | undefined
      : OUT[K]
    : OUT[K];
};

/** Step outputs as seen after the run: a step that may have been skipped is optional. */
export type Present<OUT, OPTIONAL> = Simplify<
  { [K in keyof OUT as K extends OPTIONAL ? never : K]: OUT[K] } & {
    [K in keyof OUT as K extends OPTIONAL ? K : never]?: OUT[K];
  }
>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type Text<SCOPE> = string | ((scope: SCOPE) => string | Promise<string>);

/** A condition: a JSONata expression, or a typed function of the step's scope. */
export type When<SCOPE> = string | ((scope: SCOPE) => boolean | Promise<boolean>);

/** Fields every step may carry. `needs` names the steps its functions read. */
export interface StepOptions<
  OUT extends Outputs,
  NEEDS extends readonly EarlierStep<OUT>[],
  SCOPE = unknown,
  JOIN extends 'all' | 'any' = 'all',
  ROUTE extends string = never,
> {
  needs?: NEEDS;
  description?: string;
  /** Runs the step only when this holds; otherwise it is skipped (and typed as possibly missing). */
  when?: When<SCOPE>;
  join?: JOIN;
  retry?: RetryPolicy;
  timeout?: number | string;
  /** `route` names the step that runs instead; it is checked when the workflow is built. */
  onError?: 'fail' | { continue: unknown } | { route: ROUTE };
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

declare const unmapped: unique symbol;

/** What the type checker knows about a workflow besides its step outputs. */
export interface BuilderState {
  /** The input a run takes (before the schema's defaults and transforms). */
  runInput: unknown;
  /** Ids of steps that may be skipped (by a route, a condition, `join: 'any'` or a routed error). */
  optional: string;
  /** Step ids named by routes and `onError`, checked by `build()`. */
  referenced: string;
  /** Approval steps by id, with the type of their subject. */
  approvals: object;
  /** The run's output when `.output()` maps it. */
  result: unknown;
}

export type InitialState<RAW> = {
  runInput: RAW;
  optional: never;
  referenced: never;
  approvals: Record<never, never>;
  result: typeof unmapped;
};

/** Whether a new step may be skipped; `OPTIONS` are the step's options as written. */
type MaySkip<S extends BuilderState, ID, NEEDS extends readonly unknown[], OPTIONS, JOIN, ROUTE> = ID extends
  | S['referenced']
  | S['optional']
  ? true
  : OPTIONS extends { when: unknown }
    ? true
    : JOIN extends 'any'
      ? true
      : [ROUTE] extends [never]
        ? [Extract<NEEDS[number], S['optional']>] extends [never]
          ? false
          : true
        : true;

/** The state after a step is added. */
export type AddStep<
  S extends BuilderState,
  ID extends string,
  NEEDS extends readonly unknown[],
  OPTIONS,
  JOIN,
  ROUTE extends string,
  REFERENCED extends string = never,
> = {
  runInput: S['runInput'];
  optional: S['optional'] | (MaySkip<S, ID, NEEDS, OPTIONS, JOIN, ROUTE> extends true ? ID : never);
  referenced: S['referenced'] | ROUTE | REFERENCED;
  approvals: S['approvals'];
  result: S['result'];
};

/** The run's output: the `.output()` mapping's result, or every step's output. */
export type ResultOf<OUT, S extends BuilderState> = S['result'] extends typeof unmapped
  ? Present<OUT, S['optional']>
  : S['result'];

/**
 * `build()` needs every step named by a route or `onError` to exist: a misspelled one makes this
 * a property the builder lacks, so the call does not compile and the message names the step.
 */
export type BuildCheck<OUT, S extends BuilderState> = [Exclude<S['referenced'], keyof OUT>] extends [never]
  ? unknown
  : {
      [K in `Step "${Exclude<S['referenced'], keyof OUT> & string}" is named by a route or onError but not defined`]: true;
    };
