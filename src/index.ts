/**
 * Baton: fast, durable, observable multi-step LLM workflows. This entry is for applications that
 * define and run workflows; what custom step kinds, stores and model resolvers build on is in
 * `baton/engine`. Each name is listed on purpose (test/public-api.test.ts keeps the list).
 * @module
 */

// Authoring: the typed builder and workflow files.
export { type PromptChainOptions, promptChain } from './authoring/builder/prompt-chain.js';
export {
  type ItemScope,
  type IterationScope,
  type Scope,
  type StepOptions,
  WorkflowBuilder,
  workflow,
} from './authoring/builder/workflow-builder.js';
export { closeWorkflowModules, loadWorkflowFile } from './authoring/yaml/index.js';
// The composition root and the engine.
export { type BatonOptions, createBaton, fromModels } from './baton.js';
export {
  BatonError,
  type BatonErrorCode,
  type BatonErrorOptions,
  type SerializedError,
  type SourceLocation,
} from './core/errors.js';
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
} from './core/events.js';
export type { ExpressionLimits } from './core/expressions/expression-limits.js';
export type { ModelsByName } from './core/from-models.js';
export {
  type ApprovalRef,
  type ApprovalsOf,
  approvalOf,
  type Definition,
  type InputOf,
  type OutputOf,
} from './core/ir/definition.js';
export type {
  AgentStep,
  ApprovalStep,
  BranchStep,
  Computed,
  Duration,
  JsonSchema,
  LlmStep,
  LoopStep,
  MapStep,
  OnError,
  RetryPolicy,
  Step,
  StepKind,
  ToolApproval,
  ToolStep,
  TransformStep,
  WorkflowCallStep,
} from './core/ir/step.js';
export { assertValidWorkflow, validateWorkflow, type WorkflowProblem } from './core/ir/validate-workflow.js';
export type { Workflow, WorkflowDefinition, WorkflowFunction } from './core/ir/workflow.js';
export type { Clock } from './core/ports/clock.js';
export type { ModelPricing, ModelResolver, ResolvedModel } from './core/ports/model-resolver.js';
export type {
  AttemptRecord,
  RunFilter,
  RunRecord,
  RunStatus,
  StepRecord,
  StepStatus,
  Store,
  SubCallRecord,
  Usage,
} from './core/ports/store.js';
export type { ToolContext, ToolDefinition, ToolRegistry } from './core/ports/tool-registry.js';
export type {
  CodeContext,
  GenerateRequest,
  InterruptRequest,
  PendingAnswer,
} from './core/runner/code-context.js';
export type { ApprovalInput } from './core/runner/decide-approval.js';
export {
  listWaiting,
  listWaitingCalls,
  type WaitingItem,
  type WaitingToolCall,
} from './core/runner/decide-tool-call.js';
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
} from './core/runner/engine.js';
export type { InputLimits } from './core/runner/input-limits.js';
export type { Question } from './core/runner/pause.js';
export type { ReplayOptions } from './core/runner/replay-run.js';
export type { RunOptions, RunResult } from './core/runner/run-workflow.js';
export type { EventStreamOptions } from './core/runner/stream-events.js';
export type { AgentEvent, StateValue } from './core/steps/agent-state.js';
export type { AgentResult, AgentToolCall } from './core/steps/agent-step.js';
export type { ApprovalDecision, ApprovalOutcome, ApprovalRequest } from './core/steps/approval-step.js';
// Models, stores, tools and observability.
export {
  createMockModel,
  createModelRegistry,
  defaultPricing,
  loadModelConfig,
  type ModelRegistry,
  type ModelRegistryOptions,
  pullModel,
} from './models/index.js';
export { type EventSource, type TraceOptions, traceRuns } from './observe/otel-exporter.js';
export { meterRuns } from './observe/otel-metrics.js';
export { createRunReport, type ModelReport, type RunReport, type StepReport } from './observe/run-report.js';
export { MemoryStore, type MemoryStoreOptions } from './store/memory/memory-store.js';
export { createSqliteStore, SqliteStore, type SqliteStoreOptions } from './store/sqlite/index.js';
export {
  connectMcpTools,
  defineTool,
  type McpServerOptions,
  type McpTools,
  type TypedToolOptions,
} from './tools/index.js';
