/**
 * Evaluations: workflow variants over a dataset, each cell a journaled run, compared with a
 * baseline by paired statistics and a declared margin.
 * @module
 */
export type { Comparison, ScoredCell, VariantReport, Verdict } from './analyze-eval.js';
export { type DatasetRow, type EvalFile, EvalFileSchema, type Scorer, type Variant } from './eval-file.js';
export {
  evalExitCode,
  formatReportHtml,
  formatReportJunit,
  formatReportMarkdown,
  formatReportText,
} from './format-report.js';
export { type LoadedEval, loadDataset, loadEvalFile } from './load-eval.js';
export { type EvalEstimate, estimateEval, type PreparedEval, prepareEval } from './plan-eval.js';
export {
  type EvalPlan,
  type EvalReport,
  type EvaluateOptions,
  evaluate,
  journaledEvalPlan,
  variantWorkflows,
} from './run-eval.js';
