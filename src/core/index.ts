/**
 * The Baton engine: the workflow IR and its validation, the dataflow runner, the step kinds,
 * expressions, events, errors and the ports adapters implement. It performs no I/O of its own.
 * @module
 */
export {
  BatonError,
  type BatonErrorCode,
  type BatonErrorOptions,
  deserializeError,
  type SerializedError,
  type SourceLocation,
  serializeError,
  toBatonError,
} from './errors.js';
export {
  type BatonEvent,
  type BatonEventType,
  type EventListener,
  isLiveEvent,
  type JournaledEvent,
  type LiveEvent,
  type StepDeltaEvent,
  type StreamEvent,
  type StreamResetEvent,
  sizeOf,
} from './events.js';
export { type ExpressionScope, evaluateExpression } from './expressions/evaluate-expression.js';
export { defaultExpressionLimits, type ExpressionLimits } from './expressions/expression-limits.js';
export {
  renderMapping,
  renderTemplate,
  templateExpressions,
  templateText,
} from './expressions/render-template.js';
export { computedReferences } from './expressions/step-references.js';
export { fromModels, type ModelsByName } from './from-models.js';
export { type CompiledGraph, compileGraph, type GraphNode, startOrder } from './ir/compile-graph.js';
export {
  type ApprovalRef,
  type ApprovalsOf,
  approvalOf,
  type Definition,
  type InputOf,
  type OutputOf,
} from './ir/definition.js';
export { toMilliseconds } from './ir/duration.js';
export { workflowWarnings } from './ir/schema-checks.js';
export {
  type AgentStateConfig,
  AgentStateSchema,
  type AgentStep,
  AgentStepSchema,
  type ApprovalStep,
  ApprovalStepSchema,
  type BranchStep,
  BranchStepSchema,
  type Computed,
  ComputedSchema,
  type Duration,
  DurationSchema,
  type JsonSchema,
  JsonSchemaSchema,
  type LlmStep,
  LlmStepSchema,
  type LoopStep,
  LoopStepSchema,
  type MapStep,
  MapStepSchema,
  type OnError,
  OnErrorSchema,
  type RetryPolicy,
  RetryPolicySchema,
  RouteSchema,
  type Step,
  type StepKind,
  StepSchema,
  type ToolApproval,
  ToolApprovalSchema,
  type ToolStep,
  ToolStepSchema,
  type TransformStep,
  TransformStepSchema,
  type WorkflowCallStep,
  WorkflowStepSchema,
} from './ir/step.js';
export { childPath, itemPath, iterationPath, stepIdOf } from './ir/step-path.js';
export { inputReferences } from './ir/step-references.js';
export {
  assertValidWorkflow,
  formatProblemPath,
  validateWorkflow,
  type WorkflowProblem,
} from './ir/validate-workflow.js';
export {
  type Workflow,
  type WorkflowDefinition,
  type WorkflowFunction,
  WorkflowSchema,
} from './ir/workflow.js';
export { type ModelFailure, markModelFailure, modelFailureOf } from './model-failure.js';
export { type Clock, systemClock } from './ports/clock.js';
export type { ModelPricing, ModelResolver, ResolvedModel, ResolveHooks } from './ports/model-resolver.js';
export type {
  AttemptRecord,
  CacheEntry,
  EventRange,
  Fence,
  RunFilter,
  RunPatch,
  RunRecord,
  RunStatus,
  StepRecord,
  StepStatus,
  Store,
  SubCallRecord,
  Usage,
} from './ports/store.js';
export { eventOutOfOrder, leaseLost } from './ports/store.js';
export type { ToolContext, ToolDefinition, ToolRegistry } from './ports/tool-registry.js';
export { type Backoff, backoffDelay } from './runner/backoff.js';
export {
  costOf,
  defaultOutputTokens,
  expectedInputTokens,
  expectedOutputTokens,
} from './runner/budget.js';
export { canonicalJson } from './runner/canonical-json.js';
export type {
  CodeContext,
  GenerateRequest,
  InterruptRequest,
  PendingAnswer,
} from './runner/code-context.js';
export { type ApprovalInput, diffValues } from './runner/decide-approval.js';
export {
  listWaiting,
  listWaitingCalls,
  type WaitingItem,
  type WaitingToolCall,
} from './runner/decide-tool-call.js';
export {
  type ApprovalStepOf,
  type ApproveDecision,
  createEngine,
  type Engine,
  type EngineOptions,
  type RejectDecision,
  type ResumeOptions,
  type RunHandle,
  type RunOptionsFor,
} from './runner/engine.js';
export { defaultInputLimits, type InputLimits } from './runner/input-limits.js';
export {
  type ModelFallbackRecord,
  type ModelRecovery,
  type ModelRetryRecord,
  modelRecoveriesOf,
} from './runner/model-recoveries.js';
export { keepZodSchema, showableSchema, type UnshowableSchema } from './runner/output-schema.js';
export type { Question } from './runner/pause.js';
export type { ReplayOptions } from './runner/replay-run.js';
export { requireRun } from './runner/require-run.js';
export { retryAfterOf } from './runner/retry-policy.js';
export type {
  Budget,
  EngineServices,
  GraphResult,
  StepContext,
  StepHandler,
  StepOutcome,
  Waiting,
} from './runner/run-state.js';
export { hashWorkflow, isUnpriced, type RunOptions, type RunResult } from './runner/run-workflow.js';
export type { EventStreamOptions } from './runner/stream-events.js';
export { ConcurrencyGate } from './scheduler/concurrency-gate.js';
export type { AgentEvent, StateValue } from './steps/agent-state.js';
export type { AgentResult, AgentToolCall } from './steps/agent-step.js';
export type { ApprovalDecision, ApprovalOutcome, ApprovalRequest } from './steps/approval-step.js';
export { defaultLimitFinishReason } from './steps/truncation.js';
