/**
 * `baton/engine`: what custom step kinds, stores and model resolvers build on (the step handler
 * port, expressions, step paths, the step schemas, error serialization, lease fencing, backoff,
 * cost). Applications import from `baton`; each name here is listed on purpose
 * (test/public-api.test.ts keeps the list).
 * @module
 */
export { deserializeError, serializeError, toBatonError } from './core/errors.js';
export { sizeOf } from './core/events.js';
export { type ExpressionScope, evaluateExpression } from './core/expressions/evaluate-expression.js';
export { defaultExpressionLimits } from './core/expressions/expression-limits.js';
export { renderMapping, renderTemplate } from './core/expressions/render-template.js';
export { computedReferences } from './core/expressions/step-references.js';
export { toMilliseconds } from './core/ir/duration.js';
export { workflowWarnings } from './core/ir/schema-checks.js';
export {
  type AgentStateConfig,
  AgentStateSchema,
  AgentStepSchema,
  ApprovalStepSchema,
  BranchStepSchema,
  ComputedSchema,
  DurationSchema,
  JsonSchemaSchema,
  LlmStepSchema,
  LoopStepSchema,
  MapStepSchema,
  OnErrorSchema,
  RetryPolicySchema,
  RouteSchema,
  StepSchema,
  ToolApprovalSchema,
  ToolStepSchema,
  TransformStepSchema,
  WorkflowStepSchema,
} from './core/ir/step.js';
export { childPath, itemPath, iterationPath, stepIdOf } from './core/ir/step-path.js';
export { inputReferences } from './core/ir/step-references.js';
export { formatProblemPath } from './core/ir/validate-workflow.js';
export { WorkflowSchema } from './core/ir/workflow.js';
export { type ModelFailure, markModelFailure, modelFailureOf } from './core/model-failure.js';
export { systemClock } from './core/ports/clock.js';
export type { ResolveHooks } from './core/ports/model-resolver.js';
export {
  type CacheEntry,
  type EventRange,
  eventOutOfOrder,
  type Fence,
  leaseLost,
  type RunPatch,
} from './core/ports/store.js';
export { type Backoff, backoffDelay } from './core/runner/backoff.js';
export { costOf, defaultOutputTokens } from './core/runner/budget.js';
export { diffValues } from './core/runner/decide-approval.js';
export { defaultInputLimits } from './core/runner/input-limits.js';
export { keepZodSchema, showableSchema, type UnshowableSchema } from './core/runner/output-schema.js';
export { requireRun } from './core/runner/require-run.js';
export { retryAfterOf } from './core/runner/retry-policy.js';
export type {
  Budget,
  EngineServices,
  GraphResult,
  StepContext,
  StepHandler,
  StepOutcome,
  Waiting,
} from './core/runner/run-state.js';
export { hashWorkflow, isUnpriced } from './core/runner/run-workflow.js';
export { defaultLimitFinishReason } from './core/steps/truncation.js';
