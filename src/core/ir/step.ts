import { z } from 'zod';

/**
 * The step kinds of the IR as Zod schemas. The IR is plain JSON: YAML files and the TypeScript
 * builder both compile to it, and the published JSON Schema is generated from these schemas.
 */

/** A JSON Schema object (draft 2020-12), used for workflow inputs and step outputs. */
export const JsonSchemaSchema = z.record(z.string(), z.unknown()).describe('A JSON Schema object');
export type JsonSchema = z.infer<typeof JsonSchemaSchema>;

/**
 * A value computed at run time: a JSONata expression (or a `{{ }}` template where text is
 * expected), or the name of a TypeScript function registered with the workflow.
 */
export const ComputedSchema = z.union([
  z.string(),
  z
    .object({ function: z.string().min(1) })
    .strict()
    .describe('A TypeScript function registered by name'),
]);
export type Computed = z.infer<typeof ComputedSchema>;

/** Milliseconds, or a string such as `500ms`, `30s`, `5m`, `2h`. */
export const DurationSchema = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(ms|s|m|h|d)$/),
]);
export type Duration = z.infer<typeof DurationSchema>;

export const RetryPolicySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(100).describe('Attempts in all, the first included'),
    initialDelayMs: z.number().int().nonnegative().optional(),
    maxDelayMs: z.number().int().nonnegative().optional(),
    factor: z.number().min(1).optional(),
    retryOn: z.enum(['retryable', 'all']).optional().describe('Which errors are retried; default retryable'),
  })
  .strict();
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

export const OnErrorSchema = z.union([
  z.literal('fail'),
  z.object({ continue: z.unknown() }).strict().describe('Continue the run with this value as output'),
  z.object({ route: z.string() }).strict().describe('Run this step instead; dependents are skipped'),
]);
export type OnError = z.infer<typeof OnErrorSchema>;

const base = {
  id: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'a step id is a letter or _ then letters, digits, _ or -'),
  description: z.string().optional(),
  needs: z.array(z.string()).optional().describe('Explicit dependencies; derived from expressions if absent'),
  when: z.string().optional().describe('JSONata condition; the step is skipped when it is false'),
  join: z
    .enum(['all', 'any'])
    .optional()
    .describe('all: skip if any dependency was skipped (default); any: run if at least one succeeded'),
  retry: RetryPolicySchema.optional(),
  timeout: DurationSchema.optional(),
  output: JsonSchemaSchema.optional().describe('JSON Schema the output must satisfy'),
  onError: OnErrorSchema.optional(),
  validate: ComputedSchema.optional().describe(
    'Checked after the step ends, with `output` in scope: true, or a message (or list of messages) saying what is wrong',
  ),
  allowMissing: z
    .boolean()
    .optional()
    .describe(
      'Render a `{{ }}` reference that yields nothing as empty text instead of failing with MISSING_INPUT',
    ),
  cache: z.boolean().optional(),
  limit: z
    .string()
    .optional()
    .describe('Name of a concurrency limit (workflow `limits`) this step takes a slot of'),
};

const modelField = z.union([z.string(), z.array(z.string()).min(1)]).describe('Alias, or a fallback chain');

export const TransformStepSchema = z
  .object({ ...base, kind: z.literal('transform'), value: ComputedSchema })
  .strict();

/** What `llm` and `agent` steps send to their model. */
const modelCall = {
  model: modelField.optional(),
  system: ComputedSchema.optional(),
  prompt: ComputedSchema,
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  maxRepairs: z
    .number()
    .int()
    .min(0)
    .max(5)
    .optional()
    .describe('Repair calls for an answer that breaks `output`; default 2'),
  messages: z
    .union([z.string(), z.array(z.unknown())])
    .optional()
    .describe(
      'An earlier conversation `[{ role, content }]` (or an expression giving one), sent before `prompt`',
    ),
  onTruncate: z
    .enum(['fail', 'accept'])
    .optional()
    .describe('An answer cut off by the output limit: OUTPUT_TRUNCATED (default), or kept with a note'),
};

export const LlmStepSchema = z
  .object({
    ...base,
    kind: z.literal('llm'),
    ...modelCall,
  })
  .strict();

export const ToolStepSchema = z
  .object({ ...base, kind: z.literal('tool'), tool: z.string(), input: z.unknown().optional() })
  .strict();

export const RouteSchema = z
  .object({
    when: z.string().optional(),
    description: z.string().optional(),
    steps: z.array(z.string()).describe('Steps that run only when this route is chosen'),
  })
  .strict();

export const BranchStepSchema = z
  .object({
    ...base,
    kind: z.literal('branch'),
    routes: z.record(z.string(), RouteSchema),
    default: z.string().optional(),
    classify: z
      .object({
        prompt: ComputedSchema,
        model: modelField.optional(),
        system: ComputedSchema.optional(),
        threshold: z.number().min(0).max(1).optional(),
        temperature: z.number().min(0).max(2).optional(),
        maxOutputTokens: z
          .number()
          .int()
          .positive()
          .optional()
          .describe('Cap on the answer (route, confidence, reason); also what a budget reserves'),
      })
      .strict()
      .optional()
      .describe('Let a model choose the route; below the threshold the default route is taken'),
  })
  .strict();

export const ApprovalStepSchema = z
  .object({
    ...base,
    kind: z.literal('approval'),
    subject: z
      .unknown()
      .optional()
      .describe('Mapping of what the reviewer sees, approves or edits; the output'),
    instructions: z.string().optional().describe('Template shown to the reviewer'),
    expires: DurationSchema.optional().describe('How long the request waits before onExpiry applies'),
    onExpiry: z
      .enum(['reject', 'approve'])
      .optional()
      .describe('Default reject; a rejection is an APPROVAL_REJECTED error, which onError can route'),
    outcome: z
      .boolean()
      .optional()
      .describe(
        'Output how it was decided ({ decision: approved | edited | rejected, value or reason, by }) instead of failing on a rejection',
      ),
  })
  .strict();

/** A transition: a mapping merged into the state (values may be templates), or an expression. */
const TransitionSchema = z.union([z.string(), z.record(z.string(), z.unknown()), ComputedSchema]);

export const AgentStateSchema = z
  .object({
    initial: z.record(z.string(), z.unknown()).describe('The state before the first turn; it has a `status`'),
    schema: JsonSchemaSchema.optional().describe('JSON Schema every state must satisfy'),
    terminal: z
      .record(z.string(), z.enum(['succeed', 'fail']))
      .optional()
      .describe('Statuses that end the loop without another model call'),
    tools: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .describe('The tools offered in each status; a status not listed offers all'),
    on: z
      .record(z.string(), TransitionSchema)
      .optional()
      .describe(
        'Transitions by tool event: `<tool>` (result), `<tool>.error`, `<tool>.refused`, `<tool>.rejected`, `$answer`',
      ),
    reduce: ComputedSchema.optional().describe('A function of `state` and `event` giving the next state'),
    stuckAfter: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Turns without a state change before one notice, then LOOP_STUCK'),
  })
  .strict();
export type AgentStateConfig = z.infer<typeof AgentStateSchema>;

export const ToolApprovalSchema = z.union([
  z.boolean(),
  z
    .object({
      when: z.string().optional().describe('Condition over `args` and `state`; default always'),
      instructions: z.string().optional().describe('Template shown to the reviewer'),
      expires: DurationSchema.optional().describe('After this the call is rejected'),
    })
    .strict(),
]);
export type ToolApproval = z.infer<typeof ToolApprovalSchema>;

export const AgentStepSchema = z
  .object({
    ...base,
    kind: z.literal('agent'),
    tools: z
      .union([z.array(z.string()), z.string()])
      .describe('Tool names, or an expression giving them (resolved when the step starts)'),
    maxIterations: z.number().int().min(1).max(1000),
    ...modelCall,
    state: AgentStateSchema.optional().describe('Explicit state, moved by tool events'),
    guard: z
      .record(z.string(), ComputedSchema)
      .optional()
      .describe('Per tool: true to run the call, or the message the model gets instead'),
    approve: z
      .record(z.string(), ToolApprovalSchema)
      .optional()
      .describe('Per tool: calls that wait for a person to approve, edit or reject them'),
  })
  .strict();

export const WorkflowStepSchema = z
  .object({ ...base, kind: z.literal('workflow'), workflow: z.string(), input: z.unknown().optional() })
  .strict();

export const MapStepSchema = z
  .object({
    ...base,
    kind: z.literal('map'),
    items: ComputedSchema.describe('Expression giving the list to map over; each item is `item`'),
    concurrency: z.number().int().min(1).optional(),
    steps: z.array(z.lazy(() => StepSchema)).min(1),
    result: ComputedSchema.optional().describe('Per-item result; default the last step of the item'),
    onItemError: z.union([z.literal('fail'), z.object({ continue: z.unknown() }).strict()]).optional(),
  })
  .strict();

export const LoopStepSchema = z
  .object({
    ...base,
    kind: z.literal('loop'),
    steps: z.array(z.lazy(() => StepSchema)).min(1),
    until: ComputedSchema.describe('Checked after each iteration; the loop ends when it is true'),
    maxIterations: z.number().int().min(1).max(10_000),
    result: ComputedSchema.optional().describe('Per-iteration result; default the last step of it'),
    onStuck: z.enum(['fail', 'end']).optional().describe('When an iteration repeats the previous result'),
  })
  .strict();

export const StepSchema: z.ZodType<Step> = z.discriminatedUnion('kind', [
  TransformStepSchema,
  LlmStepSchema,
  ToolStepSchema,
  BranchStepSchema,
  MapStepSchema,
  LoopStepSchema,
  ApprovalStepSchema,
  AgentStepSchema,
  WorkflowStepSchema,
]);

export type TransformStep = z.infer<typeof TransformStepSchema>;
export type LlmStep = z.infer<typeof LlmStepSchema>;
export type ToolStep = z.infer<typeof ToolStepSchema>;
export type BranchStep = z.infer<typeof BranchStepSchema>;
export type ApprovalStep = z.infer<typeof ApprovalStepSchema>;
export type AgentStep = z.infer<typeof AgentStepSchema>;
export type WorkflowCallStep = z.infer<typeof WorkflowStepSchema>;
type StepBase = z.infer<z.ZodObject<typeof base>>;

// Map and loop hold steps, so their types are written out: TypeScript cannot infer a recursive schema.
export interface MapStep extends StepBase {
  kind: 'map';
  items: Computed;
  concurrency?: number | undefined;
  steps: Step[];
  result?: Computed | undefined;
  onItemError?: 'fail' | { continue?: unknown } | undefined;
}

export interface LoopStep extends StepBase {
  kind: 'loop';
  steps: Step[];
  until: Computed;
  maxIterations: number;
  result?: Computed | undefined;
  onStuck?: 'fail' | 'end' | undefined;
}

export type Step =
  | TransformStep
  | LlmStep
  | ToolStep
  | BranchStep
  | MapStep
  | LoopStep
  | ApprovalStep
  | AgentStep
  | WorkflowCallStep;
export type StepKind = Step['kind'];
