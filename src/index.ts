/**
 * Baton: fast, durable, observable multi-step LLM workflows.
 * @module
 */
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
export { type BatonOptions, createBaton, fromModels } from './baton.js';
export * from './core/index.js';
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
export { MemoryStore } from './store/memory/memory-store.js';
export { createSqliteStore, SqliteStore, type SqliteStoreOptions } from './store/sqlite/index.js';
export {
  connectMcpTools,
  defineTool,
  type McpServerOptions,
  type McpTools,
  type TypedToolOptions,
} from './tools/index.js';
