import { createHash } from 'node:crypto';
import {
  BatonError,
  canonicalJson,
  createEngine,
  type Engine,
  evaluateExpression,
  hashWorkflow,
  type ModelResolver,
  type RunRecord,
  type Store,
  type ToolDefinition,
  type Workflow,
  type WorkflowDefinition,
} from '../core/index.js';
import { analyzeEval, type ScoredCell, type VariantReport } from './analyze-eval.js';
import { applyVariant, isolateStep } from './apply-variant.js';
import { EvalBudget } from './eval-budget.js';
import type { DatasetRow, EvalFile } from './eval-file.js';
import { judgeAnswer, judgePair } from './judge.js';
import { type Cell, cellRunId, runCell, unpricedModelsOf } from './run-cell.js';
import { type CellResult, isDeterministic, type Score, scoreDeterministic } from './score-cell.js';

/** What an eval runs: the spec, its rows, and the workflow each variant runs. */
export interface EvalPlan {
  spec: EvalFile;
  rows: DatasetRow[];
  /** The workflow of each variant (overrides applied), by variant id. */
  workflows: Record<string, Workflow>;
  functions?: WorkflowDefinition['functions'];
  file?: string;
  /** For re-analysis: the unpriced models of each cell, as the eval that ran it found them. */
  unpriced?: Record<string, string[]>;
}

export interface EvaluateOptions {
  store: Store;
  models: ModelResolver;
  tools?: Readonly<Record<string, ToolDefinition>>;
  /** Cells run at once. Default 4. Judge calls run inside their cell's slot. */
  concurrency?: number;
  repeats?: number;
  /** Stop before the model call that would make the eval's cost (cells and judges) cross this. */
  budgetUsd?: number;
  /** Seeded paired bootstrap intervals instead of the t and paired-proportion intervals. */
  bootstrap?: { seed: number };
  /** Only read the journal: a cell or judge run that is missing fails instead of calling a model. */
  journalOnly?: boolean;
  onProgress?: (progress: { done: number; total: number; cell: Cell }) => void;
}

/** The result of an eval: per-variant figures and verdicts, the worst cases, and every cell's run. */
export interface EvalReport {
  version: 1;
  evalId: string;
  name: string;
  file?: string;
  primary: string;
  /** Ids of the deterministic scorers: the checks a case fails on. */
  deterministic: string[];
  margin: number;
  alpha: number;
  repeats: number;
  cases: number;
  variants: VariantReport[];
  /** The cases where a variant lost most against the baseline, with both runs to open. */
  worst: Array<{
    variant: string;
    caseId: string;
    delta: number;
    variantRunId: string;
    baselineRunId: string;
  }>;
  cells: Array<
    Cell & { status: string; scores: Record<string, Score>; judgeRunIds: string[]; unpricedModels: string[] }
  >;
  stoppedByBudget: boolean;
  costUsd: number;
}

/**
 * Runs every cell of an eval (case × variant × repeat) as an ordinary journaled run, scores it,
 * and compares each variant with the baseline. Cells and judge calls have stable run ids, so an
 * interrupted eval resumes where it stopped and a second run of the same eval makes no model call.
 *
 * @example
 * ```ts
 * const loaded = await loadEvalFile('routing.eval.yaml');
 * const report = await evaluate(await planEval(loaded), { store, models });
 * report.variants[1]?.verdict; // 'non-inferior, no measurable degradation'
 * ```
 */
export async function evaluate(plan: EvalPlan, options: EvaluateOptions): Promise<EvalReport> {
  const { spec, rows } = plan;
  const repeats = options.repeats ?? spec.repeats ?? 1;
  const engine = createEngine({
    store: options.store,
    models: options.models,
    tools: { ...(options.tools ?? {}) },
  });
  const concurrency = options.concurrency ?? 4;
  const budget = new EvalBudget(options.budgetUsd, concurrency);
  const services = { engine: guarded(engine, options.journalOnly === true), store: options.store, budget };
  const evalId = evalIdOf(plan, repeats);
  const baseline = spec.variants.find((variant) => variant.baseline)?.id ?? '';
  const cells: Array<{ cell: Cell; row: DatasetRow; definition: WorkflowDefinition }> = [];
  for (const variant of spec.variants) {
    for (const row of rows) {
      const workflow =
        spec.step === undefined
          ? plan.workflows[variant.id]
          : isolateStep(plan.workflows[variant.id] as Workflow, spec.step, row);
      const definition = { workflow: workflow as Workflow, functions: plan.functions ?? {} };
      for (let repeat = 0; repeat < repeats; repeat++) {
        cells.push({
          cell: { caseId: row.id, variant: variant.id, repeat, runId: cellRunId(definition, row, repeat) },
          row,
          definition,
        });
      }
    }
  }
  const results = new Map<string, CellResult>();
  let done = 0;
  await pool(cells, concurrency, async ({ cell, row, definition }) => {
    if (budget.exhausted) return;
    const unpriced = plan.unpriced?.[cell.runId] ?? unpricedModelsOf(options.models, definition.workflow);
    const grant = budget.grant();
    const result = await runCell(services, definition, row, cell.runId, grant.maxCostUsd, unpriced);
    grant.settle(result.costUsd, result.errorCode === 'BUDGET_EXCEEDED');
    results.set(cell.runId, result);
    options.onProgress?.({ done: ++done, total: cells.length, cell });
  });
  const scored: ScoredCell[] = [];
  const judgeModel = spec.judge?.model;
  await pool(cells, concurrency, async ({ cell, row }) => {
    const result = results.get(cell.runId);
    if (result === undefined) return;
    const entry: ScoredCell = { ...cell, result, scores: {}, judgeCalls: [], flips: 0, pairwise: 0 };
    for (const scorer of spec.scorers.filter(isDeterministic)) {
      entry.scores[scorer.id] = await scoreDeterministic(scorer, result, row);
    }
    // A case that fails a deterministic check skips the judge: it has already failed.
    const failedCheck = Object.values(entry.scores).some((score) => !('unscored' in score) && !score.pass);
    for (const scorer of spec.scorers) {
      if (scorer.type === 'judge') {
        if (failedCheck || result.status !== 'succeeded') {
          entry.scores[scorer.id] = { value: Math.min(...Object.values(scorer.choices)), pass: false };
          continue;
        }
        if (budget.exhausted) continue;
        const answer = await pickOutput(result.output, scorer.path);
        const judged = await judgeAnswer(services, scorer, scorer.model ?? judgeModel ?? '', row, answer);
        entry.scores[scorer.id] = judged.score;
        entry.judgeCalls.push(judged.call);
      } else if (scorer.type === 'pairwise' && cell.variant !== baseline) {
        const base = cells.find(
          (other) =>
            other.cell.variant === baseline &&
            other.cell.caseId === cell.caseId &&
            other.cell.repeat === cell.repeat,
        );
        const baseResult = base === undefined ? undefined : results.get(base.cell.runId);
        if (baseResult === undefined) continue;
        const pair = await judgePair(
          services,
          scorer,
          scorer.model ?? judgeModel ?? '',
          row,
          await pickOutput(result.output, scorer.path),
          await pickOutput(baseResult.output, scorer.path),
        );
        entry.scores[scorer.id] = pair.score;
        entry.judgeCalls.push(...pair.calls);
        entry.pairwise += 1;
        if (pair.flipped) entry.flips += 1;
      }
    }
    scored.push(entry);
  });
  scored.sort((a, b) => order(cells, a) - order(cells, b));
  const variants = analyzeEval(scored, { spec, bootstrap: options.bootstrap });
  const report: EvalReport = {
    version: 1,
    evalId,
    name: spec.name,
    ...(plan.file === undefined ? {} : { file: plan.file }),
    primary: spec.primary,
    deterministic: spec.scorers.filter(isDeterministic).map((scorer) => scorer.id),
    margin: spec.margin,
    alpha: spec.alpha ?? 0.05,
    repeats,
    cases: rows.length,
    variants,
    worst: worstCases(scored, spec.primary, baseline),
    cells: scored.map((entry) => ({
      caseId: entry.caseId,
      variant: entry.variant,
      repeat: entry.repeat,
      runId: entry.runId,
      status: entry.result.status,
      scores: entry.scores,
      judgeRunIds: entry.judgeCalls.map((call) => call.runId),
      unpricedModels: entry.result.unpricedModels,
    })),
    stoppedByBudget: budget.exhausted,
    costUsd: totalCost(scored),
  };
  if (options.journalOnly !== true) await journalEval(options.store, plan, report);
  return report;
}

/** The eval's id: a hash of everything that decides its cells and scores. */
function evalIdOf(plan: EvalPlan, repeats: number): string {
  const workflows = Object.fromEntries(
    Object.entries(plan.workflows).map(([id, workflow]) => [id, hashWorkflow(workflow)]),
  );
  const key = canonicalJson({ spec: { ...plan.spec, repeats }, rows: plan.rows, workflows });
  return `eval_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * Journals the eval as a run of its own (`eval:<name>`): its input is the plan (so `baton eval
 * show` can re-analyse it from the journal alone) and its output the report.
 */
async function journalEval(store: Store, plan: EvalPlan, report: EvalReport): Promise<void> {
  const now = Date.now();
  const existing = await store.getRun(report.evalId);
  const usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  if (existing) {
    await store.updateRun(report.evalId, { output: report, costUsd: report.costUsd, endedAt: now });
    return;
  }
  const record: RunRecord = {
    id: report.evalId,
    workflowName: `eval:${plan.spec.name}`,
    workflowHash: report.evalId,
    definition: {
      name: `eval:${plan.spec.name}`,
      steps: [{ id: 'analyze', kind: 'transform', value: 'null' }],
    } as Workflow,
    input: {
      spec: plan.spec,
      rows: plan.rows,
      workflows: plan.workflows,
      repeats: report.repeats,
      file: plan.file ?? null,
    },
    status: 'succeeded',
    createdAt: now,
    endedAt: now,
    output: report,
    usage,
    costUsd: report.costUsd,
  };
  await store.createRun(record);
}

/**
 * The plan of a journaled eval, to analyse it again (`baton eval show`) with no model call.
 */
export async function journaledEvalPlan(
  store: Store,
  evalId: string,
): Promise<EvalPlan & { repeats: number }> {
  const record = await store.getRun(evalId);
  if (!record?.workflowName.startsWith('eval:')) {
    throw new BatonError('RUN_NOT_FOUND', `No eval "${evalId}" in the journal.`, {
      hint: 'List evals with `baton runs --workflow eval:<name>`; eval ids start with eval_.',
    });
  }
  const input = record.input as {
    spec: EvalFile;
    rows: DatasetRow[];
    workflows: Record<string, Workflow>;
    repeats: number;
    file: string | null;
  };
  const report = record.output as EvalReport | undefined;
  const unpriced = Object.fromEntries((report?.cells ?? []).map((cell) => [cell.runId, cell.unpricedModels]));
  return {
    spec: input.spec,
    rows: input.rows,
    workflows: input.workflows,
    repeats: input.repeats,
    unpriced,
    ...(input.file ? { file: input.file } : {}),
  };
}

/** Builds the workflow of every variant from the workflow under test (or the variant's own). */
export function variantWorkflows(
  spec: EvalFile,
  base: Workflow,
  own: Record<string, Workflow> = {},
): Record<string, Workflow> {
  return Object.fromEntries(
    spec.variants.map((variant) => [variant.id, applyVariant(own[variant.id] ?? base, variant)]),
  );
}

// In journal-only mode nothing may call a model: a missing run is an error, not a new run.
function guarded(engine: Engine, journalOnly: boolean): Engine {
  if (!journalOnly) return engine;
  const refuse = async (): Promise<never> => {
    throw new BatonError('RUN_NOT_FOUND', 'The eval needs a run that is not in the journal.', {
      hint: 'Run the eval with `baton eval <file>` to make the missing cells.',
    });
  };
  return { ...engine, run: refuse, resume: refuse, approve: refuse, reject: refuse };
}

async function pickOutput(output: unknown, path: string | undefined): Promise<unknown> {
  if (path === undefined) return output;
  return evaluateExpression(path, output as Record<string, unknown>);
}

function order(cells: Array<{ cell: Cell }>, entry: ScoredCell): number {
  return cells.findIndex((other) => other.cell.runId === entry.runId && other.cell.variant === entry.variant);
}

function worstCases(scored: readonly ScoredCell[], primary: string, baseline: string): EvalReport['worst'] {
  const value = (cell: ScoredCell | undefined) => {
    const score = cell?.scores[primary];
    return score === undefined || 'unscored' in score ? undefined : score.value;
  };
  const worst: EvalReport['worst'] = [];
  for (const cell of scored) {
    if (cell.variant === baseline || cell.repeat !== 0) continue;
    const base = scored.find(
      (other) => other.variant === baseline && other.caseId === cell.caseId && other.repeat === 0,
    );
    const a = value(cell);
    const b = value(base);
    if (a === undefined || b === undefined || !base || a >= b) continue;
    worst.push({
      variant: cell.variant,
      caseId: cell.caseId,
      delta: (a - b) * 100,
      variantRunId: cell.runId,
      baselineRunId: base.runId,
    });
  }
  return worst.sort((x, y) => x.delta - y.delta).slice(0, 10);
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

// A judge run shared by two cells (the same question) was paid for once.
function totalCost(scored: readonly ScoredCell[]): number {
  const judges = new Map(
    scored.flatMap((entry) => entry.judgeCalls.map((call) => [call.runId, call.costUsd] as const)),
  );
  const cells = scored.reduce((sum, entry) => sum + entry.result.costUsd, 0);
  return cells + [...judges.values()].reduce((sum, cost) => sum + cost, 0);
}
