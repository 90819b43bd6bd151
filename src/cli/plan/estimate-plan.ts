import {
  compileGraph,
  computedReferences,
  costOf,
  expectedInputTokens,
  expectedOutputTokens,
  inputReferences,
  type ModelPricing,
  type Step,
  startOrder,
  templateExpressions,
  templateText,
  type Workflow,
} from '../../core/index.js';

/** One step of a plan, with what it is expected to cost. Containers show the sum of one item or iteration. */
export interface PlannedStep {
  path: string;
  id: string;
  kind: string;
  depth: number;
  /** The model name the step asks for (alias or `provider:model`), `(default)` for none. */
  model?: string;
  /** The `provider:model` that name resolves to. */
  modelId?: string;
  needs: string[];
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  /** Undefined when the price of a model it uses is not known. */
  costUsd: number | undefined;
  durationMs: number;
  note?: string;
}

export interface Plan {
  workflow: string;
  steps: PlannedStep[];
  criticalPath: string[];
  criticalPathMs: number;
  total: { modelCalls: number; inputTokens: number; outputTokens: number; costUsd: number | undefined };
}

export interface PlanOptions {
  idOf(name: string | undefined): string | undefined;
  pricing(id: string): ModelPricing | undefined;
  input?: Record<string, unknown> | undefined;
}

/** Tokens assumed for a value the plan cannot see: a tool result, a function's output, an input field not given. */
export const unknownValueTokens = 100;
/** Model latency: a fixed start plus 50 output tokens a second. */
const modelStartMs = 500;
const msPerOutputToken = 20;
const agentTurns = 3;

/**
 * A static estimate of a workflow: for each step the tokens, cost and time it is expected to
 * take, the critical path through the graph, and totals. Input tokens are the prompt's own text
 * (4 characters a token) plus the estimated output of each step it reads; output tokens are
 * what a budget reserves for the call (`maxOutputTokens`, or the default of 1,024). A map item and a loop iteration are counted once.
 *
 * @example
 * ```ts
 * const plan = estimatePlan(definition.workflow, { idOf: () => 'openai:gpt-4o-mini', pricing: () => undefined });
 * console.log(plan.criticalPath.join(' → '));
 * ```
 */
export function estimatePlan(workflow: Workflow, options: PlanOptions): Plan {
  const steps: PlannedStep[] = [];
  const level = planLevel(workflow.steps, '', 0, new Map(), workflow, options, steps);
  const leaves = steps.filter((step) => step.kind !== 'map' && step.kind !== 'loop');
  const costs = leaves.map((step) => step.costUsd);
  return {
    workflow: workflow.name,
    steps,
    criticalPath: level.criticalPath,
    criticalPathMs: level.durationMs,
    total: {
      modelCalls: sum(leaves.map((step) => step.modelCalls)),
      inputTokens: sum(leaves.map((step) => step.inputTokens)),
      outputTokens: sum(leaves.map((step) => step.outputTokens)),
      costUsd: costs.some((cost) => cost === undefined) ? undefined : sum(costs as number[]),
    },
  };
}

/** Plans one level of the graph; `outer` holds the estimated output tokens of steps outside it. */
function planLevel(
  levelSteps: readonly Step[],
  prefix: string,
  depth: number,
  outer: ReadonlyMap<string, number>,
  workflow: Workflow,
  options: PlanOptions,
  into: PlannedStep[],
): { criticalPath: string[]; durationMs: number; planned: PlannedStep[] } {
  const graph = compileGraph(levelSteps);
  const known = new Map(outer);
  const planned: PlannedStep[] = new Array(levelSteps.length);
  const finish: Array<{ ms: number; path: string[] }> = new Array(levelSteps.length);
  // The engine's own graph and start order, so the plan reads what the run will wait for.
  for (const index of startOrder(graph)) {
    const node = graph.nodes[index];
    if (!node) continue;
    const { step } = node;
    const path = prefix === '' ? step.id : `${prefix}/${step.id}`;
    const needs = node.deps.map((dep) => levelSteps[dep]?.id ?? '?');
    const at = into.length;
    const estimate = estimateStep(step, path, depth, needs, known, workflow, options, into);
    into.splice(at, 0, estimate);
    planned[index] = estimate;
    known.set(
      step.id,
      estimate.kind === 'llm' || estimate.kind === 'agent' ? estimate.outputTokens : unknownValueTokens,
    );
    const before = node.deps
      .map((dep) => finish[dep])
      .reduce(
        (best, entry) => (entry && entry.ms > (best?.ms ?? -1) ? entry : best),
        undefined as { ms: number; path: string[] } | undefined,
      );
    finish[index] = { ms: (before?.ms ?? 0) + estimate.durationMs, path: [...(before?.path ?? []), step.id] };
  }
  const last = finish.reduce(
    (best, entry) => (entry && entry.ms > (best?.ms ?? -1) ? entry : best),
    undefined as { ms: number; path: string[] } | undefined,
  );
  return { criticalPath: last?.path ?? [], durationMs: last?.ms ?? 0, planned };
}

function estimateStep(
  step: Step,
  path: string,
  depth: number,
  needs: string[],
  known: ReadonlyMap<string, number>,
  workflow: Workflow,
  options: PlanOptions,
  into: PlannedStep[],
): PlannedStep {
  const base = { path, id: step.id, kind: step.kind, depth, needs };
  const read = (text: unknown) => promptTokens(text, known, options.input);
  const model = (name: string | string[] | undefined, input: number, output: number, calls: number) => {
    const chosen = name ?? workflow.defaults?.model;
    const first = Array.isArray(chosen) ? chosen[0] : chosen;
    const modelId = options.idOf(first);
    const pricing = modelId === undefined ? undefined : options.pricing(modelId);
    const usage = { inputTokens: input * calls, outputTokens: output * calls, cachedInputTokens: 0 };
    return {
      model: Array.isArray(chosen) ? chosen.join(' → ') : (chosen ?? '(default)'),
      ...(modelId === undefined ? {} : { modelId }),
      modelCalls: calls,
      ...usage,
      costUsd: pricing ? costOf(pricing, usage) : undefined,
      durationMs: calls * (modelStartMs + output * msPerOutputToken),
    };
  };
  switch (step.kind) {
    case 'llm':
      return {
        ...base,
        ...model(
          step.model,
          read(step.system) + read(step.prompt),
          expectedOutputTokens(step.maxOutputTokens),
          1,
        ),
      };
    case 'agent':
      return {
        ...base,
        ...model(
          step.model,
          read(step.system) + read(step.prompt),
          expectedOutputTokens(step.maxOutputTokens),
          Math.min(agentTurns, step.maxIterations),
        ),
        note: `≈${Math.min(agentTurns, step.maxIterations)} turns, up to ${step.maxIterations}`,
      };
    case 'branch':
      if (step.classify) {
        const routes = JSON.stringify(step.routes);
        return {
          ...base,
          ...model(
            step.classify.model,
            read(step.classify.system) + read(step.classify.prompt) + expectedInputTokens(routes) + 60,
            expectedOutputTokens(step.classify.maxOutputTokens),
            1,
          ),
        };
      }
      return { ...base, ...free(0) };
    case 'tool':
      return { ...base, ...free(100) };
    case 'approval':
      return { ...base, ...free(0), note: 'waits for a person' };
    case 'workflow':
      return { ...base, ...free(0), note: `calls workflow "${step.workflow}" (not estimated)` };
    case 'transform':
      return { ...base, ...free(0) };
    case 'map':
    case 'loop': {
      const inner = planLevel(
        step.steps,
        step.kind === 'map' ? `${path}[i]` : `${path}#n`,
        depth + 1,
        known,
        workflow,
        options,
        into,
      );
      const children = inner.planned.filter((entry): entry is PlannedStep => entry !== undefined);
      const costs = children.map((child) => child.costUsd);
      return {
        ...base,
        modelCalls: sum(children.map((child) => child.modelCalls)),
        inputTokens: sum(children.map((child) => child.inputTokens)),
        outputTokens: sum(children.map((child) => child.outputTokens)),
        costUsd: costs.some((cost) => cost === undefined) ? undefined : sum(costs as number[]),
        durationMs: inner.durationMs,
        note: step.kind === 'map' ? 'per item' : `per iteration, up to ${step.maxIterations}`,
      };
    }
  }
}

function free(durationMs: number) {
  return { modelCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, durationMs };
}

/** Tokens of a prompt: its literal text, plus what each `{{ }}` placeholder is expected to bring in. */
function promptTokens(
  value: unknown,
  known: ReadonlyMap<string, number>,
  input: Record<string, unknown> | undefined,
): number {
  if (value === undefined) return 0;
  if (typeof value !== 'string') return unknownValueTokens;
  let tokens = expectedInputTokens(templateText(value));
  for (const expression of templateExpressions(value)) {
    // The engine's own reference finder, so the plan reads the steps the run will wait for.
    const stepIds = [...computedReferences(expression, false)];
    const inputs = inputReferences(expression, false);
    for (const id of stepIds) tokens += known.get(id) ?? unknownValueTokens;
    for (const name of inputs) {
      const given = input?.[name];
      tokens +=
        given === undefined
          ? unknownValueTokens
          : expectedInputTokens(typeof given === 'string' ? given : JSON.stringify(given));
    }
    if (stepIds.length === 0 && inputs.length === 0) tokens += unknownValueTokens;
  }
  return tokens;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
