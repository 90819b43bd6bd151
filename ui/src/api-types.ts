/**
 * The shapes the Studio reads from `baton serve`: the server's own API types (inferred from the
 * Zod schemas it validates and documents with), imported as types only, plus the few the Studio
 * reads more closely than the API declares (the event stream, step definitions).
 */
import type {
  RunDetail as ApiRunDetail,
  WorkflowDetail as ApiWorkflowDetail,
  Graph,
  Pending,
  RunSummary,
  StepRecord,
  WorkflowSummary,
} from '../../src/server/api-types.ts';

export type {
  AttemptRecord,
  Me,
  Pending,
  Problem,
  Role,
  RunSummary,
  StepDetail,
  StepRecord,
  SubCallRecord,
  WebhookDelivery,
} from '../../src/server/api-types.ts';
export type WorkflowListing = WorkflowSummary;
export type WorkflowGraph = Graph;
export type GraphNode = Graph['nodes'][number];
export type GraphEdge = Graph['edges'][number];
export type RunStatus = RunSummary['status'];
export type StepStatus = StepRecord['status'];
export type JsonSchema = Record<string, unknown>;
export type PendingKind = Pending['kind'];

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export interface SerializedError {
  code: string;
  message: string;
  stepPath?: string;
  hint?: string;
  details?: Record<string, unknown>;
}

/** The fields of a step definition the Studio shows or offers to override. */
export interface StepDefinition {
  id: string;
  kind: string;
  model?: string | string[];
  prompt?: unknown;
  system?: unknown;
  steps?: StepDefinition[];
  [key: string]: unknown;
}

/** A workflow definition (the IR) as far as the Studio reads it. */
export interface WorkflowDefinition {
  name?: string;
  description?: string;
  steps?: StepDefinition[];
  [key: string]: unknown;
}

export type WorkflowDetail = Omit<ApiWorkflowDetail, 'definition'> & { definition: WorkflowDefinition };
export type RunDetail = Omit<ApiRunDetail, 'definition' | 'error'> & {
  definition: WorkflowDefinition;
  error?: SerializedError | undefined;
};

/** One event of `GET /api/runs/:id/events`: journaled ones carry `seq`, live deltas do not. */
export interface RunEvent {
  type: string;
  runId: string;
  seq?: number;
  time: number;
  path?: string;
  stepId?: string;
  kind?: string;
  attempt?: number;
  status?: string;
  durationMs?: number;
  usage?: Usage;
  costUsd?: number;
  model?: string;
  error?: SerializedError;
  delta?: { kind: 'text' | 'reasoning' | 'tool-call'; text: string; toolName?: string; toolCallId?: string };
  reason?: string;
  subject?: unknown;
  instructions?: string;
  expiresAt?: number;
  action?: 'approve' | 'reject';
  by?: string;
  edited?: boolean;
  call?: number;
  output?: unknown;
  [key: string]: unknown;
}
