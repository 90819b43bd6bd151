import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { fromModels } from '../../baton.js';
import { BatonError, type ModelResolver } from '../../core/index.js';
import {
  type EvalReport,
  estimateEval,
  evalExitCode,
  evaluate,
  formatReportHtml,
  formatReportJunit,
  formatReportMarkdown,
  formatReportText,
  journaledEvalPlan,
  loadEvalFile,
  prepareEval,
} from '../../eval/index.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import type { ExitCode } from '../exit-codes.js';
import { type ModelOptions, modelsForRun, withModelOptions } from '../models/run-models.js';
import { openStore } from '../open-store.js';
import type { CliOutput } from '../output.js';
import { parseBudget } from '../parse-options.js';

interface EvalOptions extends CommonOptions, ModelOptions {
  concurrency?: number;
  repeats?: number;
  budget?: number;
  seed?: number;
  failOn?: string;
  markdown?: string;
  html?: string;
  junit?: string;
}

const examples = `
Examples:
  $ baton eval examples/multi-step-orchestration/routing.eval.yaml
  $ baton eval routing.eval.yaml --repeats 3 --concurrency 8 --budget 2.50 --junit eval.xml
  $ baton eval plan routing.eval.yaml
  $ baton eval show eval_1a2b3c4d5e6f7a8b --markdown summary.md
  $ baton eval compare eval_1a2b3c4d5e6f7a8b eval_9f8e7d6c5b4a3f2e

Exit codes: 0 every gated variant non-inferior and thresholds met, 1 inferior or a threshold
missed, 2 usage, 4 inconclusive.`;

const positive = (what: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1 for ${what}.`);
  return number;
};

/**
 * `baton eval <file>`: runs every cell of an eval as a journaled run, scores it and prints the
 * paired comparison of each variant with the baseline; `plan`, `show` and `compare` do not call
 * a model.
 *
 * @example
 * ```ts
 * program.addCommand(createEvalCommand());
 * ```
 */
export function createEvalCommand(): Command {
  const command = withReportOptions(
    withModelOptions(
      withCommonOptions(
        new Command('eval')
          .description(
            'evaluate workflow variants over a dataset, with a paired verdict against the baseline',
          )
          .argument('<file>', 'an eval file (*.eval.yaml)')
          .option('--concurrency <n>', 'cells run at once (default 4)', positive('--concurrency'))
          .option(
            '--repeats <n>',
            "runs per case and variant (default: the file's repeats, else 1)",
            positive('--repeats'),
          )
          .option(
            '--budget <usd>',
            'stop before the model call that would make the eval cost more',
            parseBudget,
          )
          .option('--seed <n>', 'use seeded paired-bootstrap intervals', positive('--seed')),
      ),
    ),
  ).addHelpText('after', examples);
  setAction<EvalOptions>(command, async ({ output, options, args }) => {
    const loaded = await loadEvalFile(args[0] ?? '');
    const prepared = await prepareEval(loaded);
    const models = loaded.paths.models
      ? await modelsFromModule(loaded.paths.models)
      : await modelsForRun(options);
    const opened = openStore({ db: options.db, create: true });
    try {
      const report = await evaluate(prepared, {
        store: opened.store,
        models: models.resolver,
        tools: prepared.tools,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.repeats === undefined ? {} : { repeats: options.repeats }),
        ...(options.budget === undefined ? {} : { budgetUsd: options.budget }),
        ...(options.seed === undefined ? {} : { bootstrap: { seed: options.seed } }),
        onProgress: ({ done, total }) => {
          if (output.isTTY && !output.json) process.stderr.write(`\r${done}/${total} cells`);
        },
      });
      if (output.isTTY && !output.json) process.stderr.write('\r\x1b[K');
      return emit(output, report, options);
    } finally {
      models.finish();
      await opened.close();
    }
  });
  command.addCommand(createPlanSubcommand());
  command.addCommand(createShowSubcommand());
  command.addCommand(createCompareSubcommand());
  return command;
}

function withReportOptions(command: Command): Command {
  return command
    .option('--fail-on <verdict>', 'also fail (JUnit) on this verdict: inconclusive')
    .option('--markdown <file>', 'write a markdown summary (for a pull request)')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--junit <file>', 'write JUnit XML: one test per case × variant and one per verdict');
}

function emit(output: CliOutput, report: EvalReport, options: EvalOptions): ExitCode {
  if (options.failOn !== undefined && options.failOn !== 'inconclusive') {
    throw new BatonError('INPUT_INVALID', `--fail-on takes "inconclusive", not "${options.failOn}".`);
  }
  const failOnInconclusive = options.failOn === 'inconclusive';
  if (options.markdown) writeFileSync(options.markdown, formatReportMarkdown(report));
  if (options.html) writeFileSync(options.html, formatReportHtml(report));
  if (options.junit) writeFileSync(options.junit, formatReportJunit(report, { failOnInconclusive }));
  output.data(report);
  output.line(formatReportText(report));
  return evalExitCode(report, { failOnInconclusive });
}

function createPlanSubcommand(): Command {
  const command = withModelOptions(
    withCommonOptions(
      new Command('plan')
        .description('count the calls of an eval, price them, and say how many cases its margin needs')
        .argument('<file>', 'an eval file (*.eval.yaml)')
        .option('--repeats <n>', 'runs per case and variant', positive('--repeats')),
    ),
  );
  return setAction<EvalOptions>(command, async ({ output, options, args }) => {
    const loaded = await loadEvalFile(args[0] ?? '');
    const prepared = await prepareEval(loaded);
    const models = loaded.paths.models
      ? await modelsFromModule(loaded.paths.models)
      : await modelsForRun(options);
    const opened = openStore({ db: options.db, create: false });
    try {
      const estimate = await estimateEval(prepared, {
        models: models.resolver,
        store: opened.store,
        ...(options.repeats === undefined ? {} : { repeats: options.repeats }),
      });
      output.data(estimate);
      output.line(
        `${estimate.cells} cells: ${estimate.modelCalls} model calls, ${estimate.judgeCalls} judge calls`,
      );
      output.line(
        estimate.estimatedCostUsd === null
          ? `Estimated cost: unknown (no price for ${estimate.unpricedModels.join(', ')})`
          : `Estimated cost: $${estimate.estimatedCostUsd.toFixed(4)} (input from the prompts, ${'≤'} 1,024 output tokens a call unless maxOutputTokens says less)`,
      );
      output.line(
        estimate.pilot
          ? `From ${estimate.pilot.evalId}: per-case differences spread ${estimate.pilot.standardDeviation.toFixed(1)} points, so δ = ${loaded.spec.margin} needs about ${estimate.pilot.casesNeeded} cases (the dataset has ${loaded.rows.length}).`
          : 'No earlier eval of this name in the journal: run it once to learn how many cases the margin needs.',
      );
      return 0;
    } finally {
      models.finish();
      await opened.close();
    }
  });
}

function createShowSubcommand(): Command {
  const command = withReportOptions(
    withCommonOptions(
      new Command('show')
        .description('analyse a journaled eval again, with no model call')
        .argument('<evalId>', 'eval id (eval_…)'),
    ),
  ).option('--seed <n>', 'use seeded paired-bootstrap intervals', positive('--seed'));
  return setAction<EvalOptions>(command, async ({ output, options, args }) => {
    const opened = openStore({ db: options.db, create: false });
    try {
      const plan = await journaledEvalPlan(opened.store, args[0] ?? '');
      const report = await evaluate(plan, {
        store: opened.store,
        models: { resolve: () => ({ id: 'none', model: 'none' }) } as ModelResolver,
        repeats: plan.repeats,
        journalOnly: true,
        ...(options.seed === undefined ? {} : { bootstrap: { seed: options.seed } }),
      });
      return emit(output, report, options);
    } finally {
      await opened.close();
    }
  });
}

function createCompareSubcommand(): Command {
  const command = withCommonOptions(
    new Command('compare')
      .description('compare two journaled evals variant by variant, with no model call')
      .argument('<evalA>', 'eval id (eval_…)')
      .argument('<evalB>', 'eval id (eval_…)'),
  );
  return setAction<EvalOptions>(command, async ({ output, options, args }) => {
    const opened = openStore({ db: options.db, create: false });
    try {
      const reports = await Promise.all(
        args.slice(0, 2).map(async (id) => {
          const plan = await journaledEvalPlan(opened.store, id);
          return evaluate(plan, {
            store: opened.store,
            models: { resolve: () => ({ id: 'none', model: 'none' }) } as ModelResolver,
            repeats: plan.repeats,
            journalOnly: true,
          });
        }),
      );
      const [a, b] = reports as [EvalReport, EvalReport];
      const ids = [...new Set([...a.variants, ...b.variants].map((variant) => variant.id))];
      const rows = ids.map((id) => {
        const left = a.variants.find((variant) => variant.id === id);
        const right = b.variants.find((variant) => variant.id === id);
        return {
          variant: id,
          a: {
            primary: left?.means[a.primary] ?? null,
            verdict: left?.verdict ?? null,
            costPerCase: left?.costPerCase ?? null,
          },
          b: {
            primary: right?.means[b.primary] ?? null,
            verdict: right?.verdict ?? null,
            costPerCase: right?.costPerCase ?? null,
          },
        };
      });
      output.data({ a: a.evalId, b: b.evalId, variants: rows });
      output.line(
        `${a.evalId} (${a.name}, ${a.cases} cases) vs ${b.evalId} (${b.name}, ${b.cases} cases), primary ${a.primary}`,
      );
      for (const row of rows) {
        const fmt = (side: (typeof row)['a']) =>
          `${side.primary === null ? '—' : side.primary.toFixed(2)} ${side.verdict ?? ''} ${side.costPerCase === null ? '' : `$${side.costPerCase.toFixed(6)}/case`}`.trim();
        output.line(`  ${row.variant.padEnd(20)} ${fmt(row.a).padEnd(60)} | ${fmt(row.b)}`);
      }
      return 0;
    } finally {
      await opened.close();
    }
  });
}

/** The models an eval file names: a module exporting `models` (name → model or { model, pricing }). */
async function modelsFromModule(path: string): Promise<{ resolver: ModelResolver; finish(): void }> {
  const exports = (await import(pathToFileURL(path).href)) as {
    models?: unknown;
    default?: { models?: unknown };
  };
  const models = exports.models ?? exports.default?.models;
  if (typeof models !== 'object' || models === null) {
    throw new BatonError('INPUT_INVALID', `${path} does not export \`models\` (name → model).`, {
      hint: 'export const models = { strong: { model, pricing: { inputPerMillion, outputPerMillion } } };',
    });
  }
  return { resolver: fromModels(models as Parameters<typeof fromModels>[0]), finish: () => {} };
}
