import type { Workflow, WorkflowDefinition } from './workflow.js';

declare const definitionTypes: unique symbol;

/**
 * A workflow definition that remembers, for the type checker only, the input a run takes, the
 * output it succeeds with and the approvals it waits on (by step id, with the type an edit must
 * have). The builder's `build()` returns one; `engine.run` and the decisions read it, so the input
 * is checked and the result is typed. At run time it is a plain `WorkflowDefinition`.
 */
export interface Definition<
  INPUT = unknown,
  OUTPUT = unknown,
  APPROVALS extends object = Record<string, unknown>,
> extends WorkflowDefinition {
  workflow: Workflow;
  /** Types only: never set. */
  readonly [definitionTypes]?: { input: INPUT; output: OUTPUT; approvals: APPROVALS };
}

type TypesOf<D> = D extends { readonly [definitionTypes]?: infer T } ? NonNullable<T> : never;

/** The input a definition's run takes (`unknown` for an untyped definition). */
export type InputOf<D> = [TypesOf<D>] extends [never]
  ? unknown
  : TypesOf<D> extends { input: infer I }
    ? I
    : unknown;

/** The output a definition's run succeeds with (`unknown` for an untyped definition). */
export type OutputOf<D> = [TypesOf<D>] extends [never]
  ? unknown
  : TypesOf<D> extends { output: infer O }
    ? O
    : unknown;

/** The approval steps of a definition by id, each with its subject's type (`Record<string, unknown>` untyped). */
export type ApprovalsOf<D> = [TypesOf<D>] extends [never]
  ? Record<string, unknown>
  : TypesOf<D> extends { approvals: infer A }
    ? A
    : Record<string, unknown>;

/** A reference to an approval step of a definition: `approve(runId, approvalOf(flow, 'review'))`. */
export interface ApprovalRef<D extends WorkflowDefinition = WorkflowDefinition, ID extends string = string> {
  readonly definition: D;
  readonly path: ID;
}

/**
 * Names an approval step of a typed definition, checked at compile time, for `engine.approve`
 * and `engine.reject`; the reference also brings the definition's functions to the run.
 *
 * @example
 * ```ts
 * await baton.approve(runId, approvalOf(flow, 'review'), { edit: { title: 'Better title' } });
 * ```
 */
export function approvalOf<D extends WorkflowDefinition, const ID extends keyof ApprovalsOf<D> & string>(
  definition: D,
  path: ID,
): ApprovalRef<D, ID> {
  return { definition, path };
}
