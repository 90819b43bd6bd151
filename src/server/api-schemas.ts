import { z } from 'zod';

/**
 * The JSON shapes of the HTTP API. Routes validate requests with them and the OpenAPI document is
 * generated from them, so the document cannot drift from what the server does.
 */

export const ProblemSchema = z.object({
  path: z.string().meta({ description: 'Where: a field path (`ticket.priority`), or `(root)`.' }),
  message: z.string(),
  location: z.string().optional().meta({ description: 'file:line:column, for a workflow file.' }),
});

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().meta({ examples: ['INPUT_INVALID'] }),
    message: z.string(),
    hint: z.string().optional(),
    stepPath: z.string().optional(),
    problems: z.array(ProblemSchema).optional(),
  }),
});

export const UsageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cachedInputTokens: z.number(),
});

/** A journaled error: its code and message, and whatever else it carried. */
export const SerializedErrorSchema = z.looseObject({ code: z.string(), message: z.string() });

const RunStatusSchema = z.enum(['running', 'waiting', 'succeeded', 'failed', 'cancelled']);

export const RunSummarySchema = z.object({
  id: z.string(),
  workflowName: z.string(),
  status: RunStatusSchema,
  createdAt: z.number().meta({ description: 'Epoch milliseconds.' }),
  endedAt: z.number().optional(),
  durationMs: z.number().optional(),
  usage: UsageSchema,
  costUsd: z.number(),
  error: SerializedErrorSchema.optional(),
  parentRunId: z.string().optional(),
  waiting: z.number().optional().meta({ description: 'How many decisions a waiting run waits on.' }),
});

export const StepRecordSchema = z.object({
  runId: z.string(),
  path: z.string(),
  stepId: z.string(),
  kind: z.string(),
  status: z.enum(['running', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled']),
  attempt: z.number(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  error: SerializedErrorSchema.optional(),
  note: z.string().optional(),
  handled: z.enum(['continued', 'routed']).optional(),
  model: z.string().optional(),
  usage: UsageSchema.optional(),
  costUsd: z.number().optional(),
  outputSize: z.number().optional(),
  cached: z.boolean().optional(),
});

export const AttemptRecordSchema = z.object({
  runId: z.string(),
  path: z.string(),
  attempt: z.number(),
  status: z.enum(['running', 'succeeded', 'failed', 'interrupted']),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  error: SerializedErrorSchema.optional(),
});

export const SubCallRecordSchema = z.object({
  runId: z.string(),
  path: z.string(),
  sequence: z.number(),
  kind: z.string().meta({ description: '`model-call`, `tool-call`, `approval-request`, ...' }),
  name: z.string().optional(),
  request: z.unknown().optional(),
  response: z.unknown().optional(),
  createdAt: z.number(),
});

export const PendingSchema = z.object({
  runId: z.string(),
  workflowName: z.string(),
  path: z.string(),
  stepId: z.string(),
  call: z.number().optional().meta({ description: "The agent's gated tool call, for `tool-call`." }),
  kind: z.enum(['approval', 'tool-call', 'question']),
  subject: z.unknown().meta({
    description: 'What is decided: the approval subject, `{ tool, args }`, or the question.',
  }),
  instructions: z.string().optional(),
  key: z.string().optional().meta({ description: "A question's key." }),
  schema: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: 'JSON Schema an edit (or an answer) must match.' }),
  requestedAt: z.number(),
  expiresAt: z.number().optional(),
});

export const WorkflowSummarySchema = z.object({
  name: z.string(),
  file: z.string().meta({ description: 'Relative to the served folder.' }),
  description: z.string().optional(),
  steps: z.number(),
  valid: z.boolean(),
  problems: z.array(ProblemSchema).optional(),
});

export const GraphSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.string().meta({ description: 'The step id; inner steps of a map or loop are `outer/inner`.' }),
      kind: z.string(),
      model: z.string().optional(),
      parent: z.string().optional(),
      label: z.string(),
    }),
  ),
  edges: z.array(z.object({ from: z.string(), to: z.string(), label: z.string().optional() })),
});

export const WorkflowDetailSchema = z.object({
  name: z.string(),
  file: z.string(),
  definition: z.record(z.string(), z.unknown()).meta({ description: 'The workflow IR.' }),
  inputSchema: z.record(z.string(), z.unknown()).nullable(),
  graph: GraphSchema,
  runs: z.array(RunSummarySchema),
});

export const RunDetailSchema = RunSummarySchema.extend({
  input: z.unknown(),
  output: z.unknown().optional(),
  definition: z.record(z.string(), z.unknown()),
  graph: GraphSchema.meta({
    description: 'The graph of the definition this run ran, which the file may have changed since.',
  }),
  steps: z.array(StepRecordSchema),
  waiting: z.array(PendingSchema),
});

export const RunIdSchema = z.object({ runId: z.string() });

export const StartRunBodySchema = z.object({ input: z.unknown().optional() });

export const ReplayBodySchema = z.object({
  from: z.string().meta({ description: 'The top-level step to run again; everything downstream runs too.' }),
  input: z.unknown().optional().meta({ description: 'A new run input; default the earlier run’s.' }),
  overrides: z
    .record(
      z.string(),
      z.object({
        model: z.string().optional(),
        prompt: z.string().optional(),
        input: z.unknown().optional(),
      }),
    )
    .optional()
    .meta({ description: 'By top-level step id: a model, prompt or step input to use instead.' }),
});

export const ApproveBodySchema = z.object({
  comment: z.string().optional(),
  edit: z
    .unknown()
    .optional()
    .meta({ description: 'The subject as approved (tool-call: its arguments; question: the answer).' }),
  call: z.number().int().optional(),
});

export const RejectBodySchema = z.object({ reason: z.string().min(1), call: z.number().int().optional() });

export const DeliverySchema = z.object({
  id: z.string(),
  event: z.enum(['approval-requested', 'run-ended', 'run-failed']),
  url: z.string(),
  runId: z.string(),
  attempt: z.number(),
  status: z.enum(['delivered', 'failed', 'retrying']),
  statusCode: z.number().optional(),
  error: z.string().optional(),
  time: z.number(),
});

export const WorkersOverviewSchema = z.object({
  mode: z.enum(['workers', 'in-process']).meta({
    description: '`workers`: runs started here are queued for workers (`baton serve --workers`).',
  }),
  workers: z.array(
    z.looseObject({
      id: z.string(),
      state: z.enum(['running', 'stopping', 'stopped']),
      live: z.boolean().meta({ description: 'Seen within its lease.' }),
      seenAt: z.number(),
      queues: z.array(z.string()),
      workflows: z.array(z.object({ name: z.string(), hash: z.string() })),
      running: z.number(),
      committed: z.number(),
    }),
  ),
  jobs: z.array(
    z.looseObject({
      run: z.string(),
      path: z.string(),
      attempt: z.number(),
      queue: z.string(),
      workflowHash: z.string(),
      runAt: z.number(),
      lockedBy: z.string().optional().meta({ description: 'The worker running it now.' }),
      runnable: z.boolean().meta({ description: 'Whether a live worker takes its queue and version.' }),
    }),
  ),
});
