/**
 * The shapes the Studio reads from `baton serve`, written from the HTTP API's documented responses
 * (`/api/openapi.json`). Types only: the Studio imports no engine code.
 */

export type RunStatus = 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus = 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type Role = 'viewer' | 'approver' | 'operator' | 'admin';

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

export interface Problem {
  path: string | Array<string | number>;
  message: string;
}

export type JsonSchema = Record<string, unknown>;

export interface Me {
  name: string;
  role: Role;
}

export interface WorkflowListing {
  name: string;
  file: string;
  description?: string;
  steps: number;
  valid: boolean;
  problems?: Problem[];
}

export interface GraphNode {
  id: string;
  kind: string;
  model?: string;
  parent?: string;
  label: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
}

export interface WorkflowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface RunSummary {
  id: string;
  workflowName: string;
  status: RunStatus;
  createdAt: number;
  endedAt?: number;
  durationMs?: number;
  usage: Usage;
  costUsd: number;
  error?: { code: string; message: string };
  parentRunId?: string;
  waiting?: number;
}

export interface WorkflowDetail {
  name: string;
  file: string;
  definition: { name: string; description?: string; steps: StepDefinition[]; [key: string]: unknown };
  inputSchema: JsonSchema | null;
  graph: WorkflowGraph;
  runs: RunSummary[];
}

/** The fields of a step definition the Studio shows or offers to override. */
export interface StepDefinition {
  id: string;
  kind: string;
  model?: string | string[];
  prompt?: unknown;
  steps?: StepDefinition[];
  [key: string]: unknown;
}

export interface StepRecord {
  runId: string;
  path: string;
  stepId: string;
  kind: string;
  status: StepStatus;
  attempt: number;
  startedAt?: number;
  endedAt?: number;
  input?: unknown;
  output?: unknown;
  error?: SerializedError;
  note?: string;
  handled?: 'continued' | 'routed';
  model?: string;
  usage?: Usage;
  costUsd?: number;
  outputSize?: number;
  cached?: boolean;
}

export interface AttemptRecord {
  runId: string;
  path: string;
  attempt: number;
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  startedAt: number;
  endedAt?: number;
  error?: SerializedError;
}

export interface SubCallRecord {
  runId: string;
  path: string;
  sequence: number;
  kind: string;
  name?: string;
  request?: unknown;
  response?: unknown;
  createdAt: number;
}

export type PendingKind = 'approval' | 'tool-call' | 'question';

export interface Pending {
  runId: string;
  workflowName: string;
  path: string;
  stepId: string;
  call?: number;
  kind: PendingKind;
  subject: unknown;
  instructions?: string;
  schema?: JsonSchema;
  requestedAt: number;
  expiresAt?: number;
}

/** `waiting` here lists what the run waits for (a summary only counts them). */
export interface RunDetail extends Omit<RunSummary, 'waiting' | 'error'> {
  input: unknown;
  output?: unknown;
  error?: SerializedError;
  definition: WorkflowDetail['definition'];
  steps: StepRecord[];
  waiting: Pending[];
}

export interface StepDetail {
  step: StepRecord;
  attempts: AttemptRecord[];
  calls: SubCallRecord[];
}

export interface WebhookDelivery {
  id: string;
  event: 'approval-requested' | 'run-ended' | 'run-failed';
  url: string;
  runId: string;
  attempt: number;
  status: 'delivered' | 'failed' | 'retrying';
  statusCode?: number;
  error?: string;
  time: number;
}

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
