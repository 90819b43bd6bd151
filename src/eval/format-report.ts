import type { VariantReport } from './analyze-eval.js';
import type { EvalReport } from './run-eval.js';

const columns = [
  'variant',
  'cases',
  'unscored',
  'pass rate',
  'primary',
  'Δ vs baseline [90% CI]',
  'verdict',
  '$/case',
  'Δcost',
  'judge $',
  'tokens',
  'p50 ms',
  'p95 ms',
  'flips',
] as const;

/** One row of figures per variant, as text cells in the order of the table's columns. */
function rowOf(report: EvalReport, variant: VariantReport): string[] {
  const comparison = variant.comparison;
  const level = comparison ? `${Math.round(comparison.level * 100)}%` : '';
  return [
    variant.baseline ? `${variant.id} (baseline)` : variant.id,
    String(variant.cases),
    String(variant.unscored),
    percent(variant.passRate),
    fixed(variant.means[report.primary] ?? null),
    comparison
      ? `${signed(comparison.mean)} [${signed(comparison.lower)}, ${signed(comparison.upper)}]${level === '90%' ? '' : ` (${level})`}`
      : '—',
    variant.baseline ? '—' : (variant.verdict ?? '—'),
    variant.costPerCase === null
      ? `unknown (no price: ${variant.unpricedModels.join(', ')})`
      : `$${variant.costPerCase.toFixed(6)}`,
    variant.deltaCostPercent === null ? '—' : `${signed(variant.deltaCostPercent)}%`,
    `$${variant.judgeCostUsd.toFixed(6)}`,
    String(variant.tokens),
    variant.latencyP50Ms === null ? '—' : String(Math.round(variant.latencyP50Ms)),
    variant.latencyP95Ms === null ? '—' : String(Math.round(variant.latencyP95Ms)),
    variant.flipRate === null ? '—' : percent(variant.flipRate),
  ];
}

/**
 * The report as a terminal table, one row per variant, then the verdict details and the cases
 * that regressed most, with both run ids to open in `baton show`.
 */
export function formatReportText(report: EvalReport): string {
  const rows = [columns.slice() as string[], ...report.variants.map((variant) => rowOf(report, variant))];
  const widths = columns.map((_, index) => Math.max(...rows.map((row) => (row[index] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [
    `Eval ${report.name} (${report.evalId}): ${report.cases} cases × ${report.variants.length} variants × ${report.repeats} repeat(s); primary ${report.primary}, margin δ = ${report.margin}, α = ${report.alpha}`,
    '',
    line(rows[0] as string[]),
    ...rows.slice(1).map(line),
    '',
    ...notes(report),
  ];
  if (report.worst.length > 0) {
    out.push('', 'Worst regressions (variant vs baseline):');
    for (const entry of report.worst.slice(0, 5)) {
      out.push(
        `  ${entry.variant} case ${entry.caseId}: ${signed(entry.delta)}  baton show ${entry.variantRunId}  vs  baton show ${entry.baselineRunId}`,
      );
    }
  }
  return out.join('\n');
}

function notes(report: EvalReport): string[] {
  const lines: string[] = [];
  for (const variant of report.variants) {
    if (variant.baseline) continue;
    const comparison = variant.comparison;
    if (comparison?.mcnemar) {
      const { b, c, p } = comparison.mcnemar;
      lines.push(
        `${variant.id}: McNemar b = ${b}, c = ${c}, exact p = ${p.toFixed(4)}; non-inferiority p = ${comparison.pValue.toFixed(4)} (Holm ${comparison.adjustedP.toFixed(4)})`,
      );
    }
    if (variant.inconclusiveReason) {
      const needed =
        variant.casesNeeded === undefined ? '' : `; about ${variant.casesNeeded} cases would settle it`;
      lines.push(`${variant.id}: inconclusive because ${variant.inconclusiveReason}${needed}`);
    }
    if (variant.costPerCase === null)
      lines.push(`${variant.id}: no cost verdict, ${variant.unpricedModels.join(', ')} has no price`);
    for (const scorer of variant.thresholdsFailed)
      lines.push(`${variant.id}: below the threshold of ${scorer}`);
  }
  if (report.stoppedByBudget) lines.push('The eval stopped at its budget: some cells did not run.');
  return lines;
}

/** A markdown summary for a pull request. */
export function formatReportMarkdown(report: EvalReport): string {
  const header = `| ${columns.join(' | ')} |\n|${columns.map(() => ' --- ').join('|')}|`;
  const body = report.variants
    .map((variant) => `| ${rowOf(report, variant).map(escapeMarkdown).join(' | ')} |`)
    .join('\n');
  return [
    `### Eval ${report.name}`,
    '',
    `${report.cases} cases, ${report.repeats} repeat(s), primary \`${report.primary}\`, margin δ = ${report.margin}, α = ${report.alpha}. Eval id \`${report.evalId}\`.`,
    '',
    header,
    body,
    '',
    ...notes(report).map((note) => `- ${note}`),
  ].join('\n');
}

/** A self-contained HTML page: no script, no external resource. */
export function formatReportHtml(report: EvalReport): string {
  const head = columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('');
  const body = report.variants
    .map(
      (variant) =>
        `<tr>${rowOf(report, variant)
          .map((cell) => `<td>${escapeHtml(cell)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  const cells = report.cells
    .map(
      (cell) =>
        `<tr><td>${escapeHtml(cell.caseId)}</td><td>${escapeHtml(cell.variant)}</td><td>${cell.repeat}</td><td>${escapeHtml(cell.status)}</td><td>${escapeHtml(
          Object.entries(cell.scores)
            .map(([id, score]) => `${id}=${'unscored' in score ? 'unscored' : score.value.toFixed(2)}`)
            .join(' '),
        )}</td><td><code>${escapeHtml(cell.runId)}</code></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eval ${escapeHtml(report.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f4f4f4}</style>
</head><body>
<h1>Eval ${escapeHtml(report.name)}</h1>
<p>${report.cases} cases, ${report.repeats} repeat(s), primary <code>${escapeHtml(report.primary)}</code>, margin δ = ${report.margin}, α = ${report.alpha}. Eval id <code>${escapeHtml(report.evalId)}</code>.</p>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
<ul>${notes(report)
    .map((note) => `<li>${escapeHtml(note)}</li>`)
    .join('')}</ul>
<h2>Cells</h2>
<table><thead><tr><th>case</th><th>variant</th><th>repeat</th><th>status</th><th>scores</th><th>run</th></tr></thead><tbody>
${cells}
</tbody></table>
</body></html>
`;
}

/**
 * JUnit XML: one test case per case × variant (failing when a deterministic check failed in
 * any repeat) and one per verdict (failing when the variant's gate fails).
 */
export function formatReportJunit(
  report: EvalReport,
  options: { failOnInconclusive?: boolean } = {},
): string {
  const cases: string[] = [];
  let failures = 0;
  const checks = new Map<string, { variant: string; caseId: string; failed: string[] }>();
  for (const cell of report.cells) {
    const key = `${cell.variant}\u0000${cell.caseId}`;
    const entry = checks.get(key) ?? { variant: cell.variant, caseId: cell.caseId, failed: [] };
    for (const [id, score] of Object.entries(cell.scores)) {
      if (!('unscored' in score) && !score.pass && isCheck(report, id))
        entry.failed.push(`${id} (repeat ${cell.repeat}, run ${cell.runId})`);
    }
    checks.set(key, entry);
  }
  for (const entry of checks.values()) {
    const name = `case ${entry.caseId}`;
    if (entry.failed.length > 0) {
      failures++;
      cases.push(
        `<testcase classname="${attr(`${report.name}.${entry.variant}`)}" name="${attr(name)}"><failure message="${attr(`failed: ${entry.failed.join(', ')}`)}"/></testcase>`,
      );
    } else
      cases.push(`<testcase classname="${attr(`${report.name}.${entry.variant}`)}" name="${attr(name)}"/>`);
  }
  for (const variant of report.variants) {
    if (variant.baseline) continue;
    const failed = gateFails(variant, options.failOnInconclusive === true);
    const name = `verdict: ${variant.verdict ?? 'none'}`;
    if (failed) {
      failures++;
      cases.push(
        `<testcase classname="${attr(`${report.name}.${variant.id}`)}" name="${attr(name)}"><failure message="${attr(variant.inconclusiveReason ?? variant.verdict ?? '')}"/></testcase>`,
      );
    } else cases.push(`<testcase classname="${attr(`${report.name}.${variant.id}`)}" name="${attr(name)}"/>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="${attr(report.name)}" tests="${cases.length}" failures="${failures}">
${cases.join('\n')}
</testsuite></testsuites>
`;
}

/** Whether a gated variant fails its gate: inferior, a threshold missed, or (when asked) inconclusive. */
export function gateFails(variant: VariantReport, failOnInconclusive: boolean): boolean {
  if (!variant.gated) return false;
  if (variant.verdict === 'inferior' || variant.thresholdsFailed.length > 0) return true;
  return failOnInconclusive && variant.verdict === 'inconclusive';
}

/** 0 every gated variant non-inferior and thresholds met; 1 inferior or a threshold failed; 4 inconclusive. */
export function evalExitCode(report: EvalReport, options: { failOnInconclusive?: boolean } = {}): 0 | 1 | 4 {
  const gated = report.variants.filter((variant) => variant.gated);
  if (gated.some((variant) => gateFails(variant, options.failOnInconclusive === true))) return 1;
  if (gated.some((variant) => variant.verdict === 'inconclusive')) return 4;
  return 0;
}

function isCheck(report: EvalReport, scorerId: string): boolean {
  return report.deterministic.includes(scorerId);
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const fixed = (value: number | null) => (value === null ? '—' : value.toFixed(2));
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;
const escapeMarkdown = (text: string) => text.replaceAll('|', '\\|');
const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const attr = escapeHtml;
