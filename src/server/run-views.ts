import { z } from 'zod';
import {
  listWaiting,
  type RunRecord,
  type Step,
  type Store,
  stepIdOf,
  type ToolRegistry,
  type Workflow,
} from '../core/index.js';
import type { PendingSchema, RunSummarySchema } from './api-schemas.js';

export type RunSummary = (typeof RunSummarySchema)['_output'];
export type Pending = (typeof PendingSchema)['_output'];

/** A run without its definition, input and output: a row of the runs list. */
export function runSummary(run: RunRecord, waiting?: number): RunSummary {
  return {
    id: run.id,
    workflowName: run.workflowName,
    status: run.status,
    createdAt: run.createdAt,
    ...(run.endedAt === undefined ? {} : { endedAt: run.endedAt, durationMs: run.endedAt - run.createdAt }),
    usage: run.usage,
    costUsd: run.costUsd,
    ...(run.error === undefined ? {} : { error: { ...run.error } }),
    ...(run.parentRunId === undefined ? {} : { parentRunId: run.parentRunId }),
    ...(waiting === undefined ? {} : { waiting }),
  };
}

/** Summaries of runs; a waiting run says how many decisions it waits on. */
export async function runSummaries(store: Store, runs: readonly RunRecord[]): Promise<RunSummary[]> {
  return Promise.all(
    runs.map(async (run) =>
      runSummary(run, run.status === 'waiting' ? (await listWaiting(store, run.id)).length : undefined),
    ),
  );
}

/**
 * What a run waits on, ready for a person: the list `baton runs` prints (approval steps, gated
 * tool calls, questions), with each one's subject, when it was asked, its deadline, and the JSON
 * Schema an edit or answer must match.
 */
export async function pendingOf(store: Store, run: RunRecord, tools: ToolRegistry): Promise<Pending[]> {
  const items = await listWaiting(store, run.id);
  const pending: Pending[] = [];
  for (const item of items) {
    const calls = await store.listSubCalls(run.id, item.path);
    const base = {
      runId: run.id,
      workflowName: run.workflowName,
      path: item.path,
      stepId: stepIdOf(item.path),
    };
    if (item.kind === 'approval') {
      const request = calls.find((call) => call.kind === 'approval-request');
      const asked = (request?.request ?? {}) as {
        subject?: unknown;
        instructions?: string;
        expiresAt?: number;
      };
      const schema = findStep(run.definition, base.stepId)?.output;
      pending.push({
        ...base,
        kind: 'approval',
        subject: asked.subject ?? null,
        ...(asked.instructions === undefined ? {} : { instructions: asked.instructions }),
        ...(schema === undefined ? {} : { schema: schema as Record<string, unknown> }),
        requestedAt: request?.createdAt ?? run.createdAt,
        ...(asked.expiresAt === undefined ? {} : { expiresAt: asked.expiresAt }),
      });
    } else if (item.kind === 'tool-call') {
      const request = calls.find(
        (call) => call.kind === 'tool-approval-request' && call.sequence === (item.call ?? 0) + 1,
      );
      const schema = toolSchema(tools, item.tool ?? '');
      pending.push({
        ...base,
        kind: 'tool-call',
        ...(item.call === undefined ? {} : { call: item.call }),
        subject: { tool: item.tool, args: item.args },
        ...(item.instructions === undefined ? {} : { instructions: item.instructions }),
        ...(schema === undefined ? {} : { schema }),
        requestedAt: request?.createdAt ?? run.createdAt,
        ...(item.expiresAt === undefined ? {} : { expiresAt: item.expiresAt }),
      });
    } else {
      const question = calls.findLast((call) => call.kind === 'interrupt');
      const schema = (question?.request as { schema?: Record<string, unknown> } | undefined)?.schema;
      pending.push({
        ...base,
        kind: 'question',
        subject: item.prompt ?? null,
        ...(item.key === undefined ? {} : { key: item.key }),
        ...(schema === undefined ? {} : { schema }),
        requestedAt: question?.createdAt ?? run.createdAt,
      });
    }
  }
  return pending;
}

/** A step of a workflow by id, at any depth. */
export function findStep(
  workflow: Workflow,
  id: string,
  steps: readonly Step[] = workflow.steps,
): Step | undefined {
  for (const step of steps) {
    if (step.id === id) return step;
    if (step.kind === 'map' || step.kind === 'loop') {
      const inner = findStep(workflow, id, step.steps);
      if (inner) return inner;
    }
  }
  return undefined;
}

function toolSchema(tools: ToolRegistry, name: string): Record<string, unknown> | undefined {
  const schema = tools.get(name)?.inputSchema;
  if (schema === undefined) return undefined;
  if (schema instanceof z.ZodType) {
    try {
      const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
      return json;
    } catch {
      return undefined;
    }
  }
  return schema as Record<string, unknown>;
}
