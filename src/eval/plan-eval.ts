import { loadWorkflowFile } from '../authoring/yaml/index.js';
import type { ModelResolver, Step, Store, ToolDefinition, Workflow } from '../core/index.js';
import type { LoadedEval } from './load-eval.js';
import type { EvalPlan, EvalReport } from './run-eval.js';
import { variantWorkflows } from './run-eval.js';
import { average, casesNeeded, standardDeviation } from './statistics.js';

/** An eval ready to run: its plan and the tools its workflows' modules export. */
export interface PreparedEval extends EvalPlan {
  tools: Readonly<Record<string, ToolDefinition>>;
}

/**
 * Loads the workflow under test (and each variant's own workflow file) with their modules, and
 * applies every variant's overrides.
 *
 * @example
 * ```ts
 * const prepared = await prepareEval(await loadEvalFile('routing.eval.yaml'));
 * const report = await evaluate(prepared, { store, models, tools: prepared.tools });
 * ```
 */
export async function prepareEval(loaded: LoadedEval): Promise<PreparedEval> {
  const base = await loadWorkflowFile(loaded.paths.workflow);
  const own: Record<string, Workflow> = {};
  let tools: Record<string, ToolDefinition> = { ...base.tools };
  let functions = { ...base.functions };
  for (const [variant, path] of Object.entries(loaded.paths.variants)) {
    const definition = await loadWorkflowFile(path);
    own[variant] = definition.workflow;
    tools = { ...tools, ...definition.tools };
    functions = { ...functions, ...definition.functions };
  }
  return {
    spec: loaded.spec,
    rows: loaded.rows,
    workflows: variantWorkflows(loaded.spec, base.workflow, own),
    functions,
    tools,
    file: loaded.file,
  };
}

/** What an eval will cost before it runs. */
export interface EvalEstimate {
  cells: number;
  /** Model calls of the cells: one per model step (a map or loop counts its body once per item it is given, here once). */
  modelCalls: number;
  judgeCalls: number;
  /** US dollars, from the price table; null when a model has no price. */
  estimatedCostUsd: number | null;
  unpricedModels: string[];
  /** From the newest journaled eval of the same name: its spread of per-case differences. */
  pilot?: { evalId: string; standardDeviation: number; casesNeeded: number };
}

const charactersPerToken = 4;
const assumedOutputTokens = 1024;

/**
 * Counts an eval's calls and prices them: input tokens from the prompt templates and each row's
 * input (about four characters a token), output tokens from each step's `maxOutputTokens` or
 * 1,024 (the budget's own assumption). With a previous eval of the same name, it also says how
 * many cases the margin needs at the spread that eval saw.
 */
export async function estimateEval(
  plan: EvalPlan,
  options: { models: ModelResolver; store?: Store; repeats?: number },
): Promise<EvalEstimate> {
  const { spec, rows } = plan;
  const repeats = options.repeats ?? spec.repeats ?? 1;
  const cells = spec.variants.length * rows.length * repeats;
  let modelCalls = 0;
  let cost = 0;
  const unpriced = new Set<string>();
  const price = (model: string | undefined, inputTokens: number, outputTokens: number) => {
    try {
      const resolved = options.models.resolve(model, 'eval plan');
      if (resolved.pricing === undefined) unpriced.add(resolved.id);
      else
        cost +=
          (inputTokens * resolved.pricing.inputPerMillion +
            outputTokens * resolved.pricing.outputPerMillion) /
          1e6;
    } catch {
      unpriced.add(model ?? '(default)');
    }
  };
  for (const variant of spec.variants) {
    const steps = plan.workflows[variant.id]?.steps ?? [];
    for (const row of rows) {
      const inputTokens = Math.ceil(JSON.stringify(row.input ?? {}).length / charactersPerToken);
      for (const step of modelSteps(steps, spec.step)) {
        modelCalls += repeats;
        const prompt = typeof step.prompt === 'string' ? step.prompt.length / charactersPerToken : 0;
        for (let repeat = 0; repeat < repeats; repeat++) {
          price(step.model, inputTokens + Math.ceil(prompt), step.maxOutputTokens ?? assumedOutputTokens);
        }
      }
    }
  }
  const judges = spec.scorers.filter((scorer) => scorer.type === 'judge').length;
  const pairwise = spec.scorers.filter((scorer) => scorer.type === 'pairwise').length;
  const judgeCalls = judges * cells + pairwise * 2 * (spec.variants.length - 1) * rows.length * repeats;
  for (const scorer of spec.scorers) {
    if (scorer.type !== 'judge' && scorer.type !== 'pairwise') continue;
    const per = scorer.type === 'judge' ? cells : 2 * (spec.variants.length - 1) * rows.length * repeats;
    for (let call = 0; call < per; call++) price(scorer.model ?? spec.judge?.model, 500, 200);
  }
  const estimate: EvalEstimate = {
    cells,
    modelCalls,
    judgeCalls,
    estimatedCostUsd: unpriced.size > 0 ? null : cost,
    unpricedModels: [...unpriced],
  };
  const pilot = options.store
    ? await pilotOf(options.store, spec.name, spec.margin, 1 - 2 * (spec.alpha ?? 0.05))
    : undefined;
  if (pilot) estimate.pilot = pilot;
  return estimate;
}

function modelSteps(
  steps: readonly Step[],
  only: string | undefined,
): Array<{ model: string | undefined; prompt: unknown; maxOutputTokens?: number }> {
  return steps.flatMap(
    (step): Array<{ model: string | undefined; prompt: unknown; maxOutputTokens?: number }> => {
      if (only !== undefined && step.id !== only) return [];
      if (step.kind === 'llm' || step.kind === 'agent') {
        const model = Array.isArray(step.model) ? step.model[0] : step.model;
        return [
          {
            model,
            prompt: step.prompt,
            ...(step.maxOutputTokens === undefined ? {} : { maxOutputTokens: step.maxOutputTokens }),
          },
        ];
      }
      if (step.kind === 'branch' && step.classify) {
        const model = Array.isArray(step.classify.model) ? step.classify.model[0] : step.classify.model;
        return [{ model, prompt: '', maxOutputTokens: 256 }];
      }
      if (step.kind === 'map' || step.kind === 'loop') return modelSteps(step.steps, undefined);
      return [];
    },
  );
}

async function pilotOf(
  store: Store,
  name: string,
  margin: number,
  level: number,
): Promise<EvalEstimate['pilot']> {
  const [latest] = await store.listRuns({ workflowName: `eval:${name}`, limit: 1 });
  const report = latest?.output as EvalReport | undefined;
  if (!latest || !report?.cells) return undefined;
  const baseline = report.variants.find((variant) => variant.baseline)?.id;
  const perCase = (variant: string) => {
    const byCase = new Map<string, number[]>();
    for (const cell of report.cells) {
      const score = cell.scores[report.primary];
      if (cell.variant !== variant || score === undefined || 'unscored' in score) continue;
      byCase.set(cell.caseId, [...(byCase.get(cell.caseId) ?? []), score.value]);
    }
    return new Map([...byCase].map(([id, values]) => [id, average(values)]));
  };
  const base = perCase(baseline ?? '');
  const differences = report.variants
    .filter((variant) => !variant.baseline)
    .flatMap((variant) =>
      [...perCase(variant.id)].flatMap(([id, value]) =>
        base.has(id) ? [(value - (base.get(id) ?? 0)) * 100] : [],
      ),
    );
  if (differences.length < 2) return undefined;
  const spread = standardDeviation(differences);
  return { evalId: latest.id, standardDeviation: spread, casesNeeded: casesNeeded(spread, margin, level) };
}
