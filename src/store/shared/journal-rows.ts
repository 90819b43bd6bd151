import type {
  AttemptRecord,
  CacheEntry,
  RunRecord,
  RunStatus,
  StepRecord,
  StepStatus,
  SubCallRecord,
} from '../../core/index.js';
import { type GetBlob, loadValue, type PutBlob, storeValue } from './stored-value.js';

/** Rows of the journal's tables and the records of the Store port, both ways. */

function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export interface RunRow {
  id: string;
  workflow_name: string;
  workflow_hash: string;
  definition: string | null;
  definition_blob: string | null;
  definition_body: string | null;
  input: string | null;
  input_blob: string | null;
  input_body: string | null;
  status: string;
  created_at: number;
  ended_at: number | null;
  output: string | null;
  output_blob: string | null;
  output_body: string | null;
  error: string | null;
  parent_run_id: string | null;
  usage: string;
  cost_usd: number;
}

/** Parameters of the run insert, in column order. */
export function runParameters(run: RunRecord, putBlob: PutBlob): unknown[] {
  return [
    run.id,
    run.workflowName,
    run.workflowHash,
    ...storeValue(run.definition, putBlob),
    ...storeValue(run.input, putBlob),
    run.status,
    run.createdAt,
    run.endedAt ?? null,
    ...storeValue(run.output, putBlob),
    jsonOrNull(run.error),
    run.parentRunId ?? null,
    JSON.stringify(run.usage),
    run.costUsd,
  ];
}

export function toRunRecord(row: RunRow, getBlob: GetBlob): RunRecord {
  const run: RunRecord = {
    id: row.id,
    workflowName: row.workflow_name,
    workflowHash: row.workflow_hash,
    definition: loadValue(
      row.definition,
      row.definition_blob,
      row.definition_body,
      getBlob,
    ) as RunRecord['definition'],
    input: loadValue(row.input, row.input_blob, row.input_body, getBlob),
    status: row.status as RunStatus,
    createdAt: row.created_at,
    usage: JSON.parse(row.usage),
    costUsd: row.cost_usd,
  };
  if (row.ended_at !== null) run.endedAt = row.ended_at;
  const output = loadValue(row.output, row.output_blob, row.output_body, getBlob);
  if (output !== undefined) run.output = output;
  if (row.error !== null) run.error = JSON.parse(row.error);
  if (row.parent_run_id !== null) run.parentRunId = row.parent_run_id;
  return run;
}

export interface StepRow {
  run_id: string;
  path: string;
  step_id: string;
  kind: string;
  status: string;
  attempt: number;
  started_at: number | null;
  ended_at: number | null;
  input: string | null;
  input_blob: string | null;
  input_body: string | null;
  output: string | null;
  output_blob: string | null;
  output_body: string | null;
  error: string | null;
  note: string | null;
  model: string | null;
  usage: string | null;
  cost_usd: number | null;
  output_size: number | null;
  cached: number | null;
  handled: string | null;
}

/** Parameters of the step upsert, in column order. */
export function stepParameters(step: StepRecord, putBlob: PutBlob): unknown[] {
  return [
    step.runId,
    step.path,
    step.stepId,
    step.kind,
    step.status,
    step.attempt,
    step.startedAt ?? null,
    step.endedAt ?? null,
    ...storeValue(step.input, putBlob),
    ...storeValue(step.output, putBlob),
    jsonOrNull(step.error),
    step.note ?? null,
    step.model ?? null,
    jsonOrNull(step.usage),
    step.costUsd ?? null,
    step.outputSize ?? null,
    step.cached === undefined ? null : Number(step.cached),
    step.handled ?? null,
  ];
}

export function toStepRecord(row: StepRow, getBlob: GetBlob): StepRecord {
  const step: StepRecord = {
    runId: row.run_id,
    path: row.path,
    stepId: row.step_id,
    kind: row.kind,
    status: row.status as StepStatus,
    attempt: row.attempt,
  };
  if (row.started_at !== null) step.startedAt = row.started_at;
  if (row.ended_at !== null) step.endedAt = row.ended_at;
  const input = loadValue(row.input, row.input_blob, row.input_body, getBlob);
  if (input !== undefined) step.input = input;
  const output = loadValue(row.output, row.output_blob, row.output_body, getBlob);
  if (output !== undefined) step.output = output;
  if (row.error !== null) step.error = JSON.parse(row.error);
  if (row.note !== null) step.note = row.note;
  if (row.model !== null) step.model = row.model;
  if (row.usage !== null) step.usage = JSON.parse(row.usage);
  if (row.cost_usd !== null) step.costUsd = row.cost_usd;
  if (row.output_size !== null) step.outputSize = row.output_size;
  if (row.cached !== null) step.cached = row.cached === 1;
  if (row.handled !== null) step.handled = row.handled as NonNullable<StepRecord['handled']>;
  return step;
}

export interface AttemptRow {
  run_id: string;
  path: string;
  attempt: number;
  status: string;
  started_at: number;
  ended_at: number | null;
  error: string | null;
}

export function attemptParameters(attempt: AttemptRecord): unknown[] {
  const { runId, path, status, startedAt, endedAt, error } = attempt;
  return [runId, path, attempt.attempt, status, startedAt, endedAt ?? null, jsonOrNull(error)];
}

export function toAttemptRecord(row: AttemptRow): AttemptRecord {
  const attempt: AttemptRecord = {
    runId: row.run_id,
    path: row.path,
    attempt: row.attempt,
    status: row.status as AttemptRecord['status'],
    startedAt: row.started_at,
  };
  if (row.ended_at !== null) attempt.endedAt = row.ended_at;
  if (row.error !== null) attempt.error = JSON.parse(row.error);
  return attempt;
}

export interface SubCallRow {
  run_id: string;
  path: string;
  sequence: number;
  kind: string;
  name: string | null;
  request: string | null;
  request_blob: string | null;
  request_body: string | null;
  response: string | null;
  response_blob: string | null;
  response_body: string | null;
  created_at: number;
}

export function subCallParameters(call: SubCallRecord, putBlob: PutBlob): unknown[] {
  return [
    call.runId,
    call.path,
    call.sequence,
    call.kind,
    call.name ?? null,
    ...storeValue(call.request, putBlob),
    ...storeValue(call.response, putBlob),
    call.createdAt,
  ];
}

export function toSubCallRecord(row: SubCallRow, getBlob: GetBlob): SubCallRecord {
  const call: SubCallRecord = {
    runId: row.run_id,
    path: row.path,
    sequence: row.sequence,
    kind: row.kind,
    createdAt: row.created_at,
  };
  if (row.name !== null) call.name = row.name;
  const request = loadValue(row.request, row.request_blob, row.request_body, getBlob);
  if (request !== undefined) call.request = request;
  const response = loadValue(row.response, row.response_blob, row.response_body, getBlob);
  if (response !== undefined) call.response = response;
  return call;
}

export interface CacheRow {
  key: string;
  value: string | null;
  value_blob: string | null;
  value_body: string | null;
  model: string | null;
  usage: string | null;
  created_at: number;
}

/** Parameters of the cache upsert, in column order. */
export function cacheParameters(entry: CacheEntry, putBlob: PutBlob): unknown[] {
  return [
    entry.key,
    ...storeValue(entry.value, putBlob),
    entry.model ?? null,
    jsonOrNull(entry.usage),
    entry.createdAt,
  ];
}

export function toCacheEntry(row: CacheRow, getBlob: GetBlob): CacheEntry {
  const entry: CacheEntry = {
    key: row.key,
    value: loadValue(row.value, row.value_blob, row.value_body, getBlob),
    createdAt: row.created_at,
  };
  if (row.model !== null) entry.model = row.model;
  if (row.usage !== null) entry.usage = JSON.parse(row.usage);
  return entry;
}
