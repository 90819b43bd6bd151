import { Command } from 'commander';
import { loadWorkflowFile } from '../../authoring/yaml/index.js';
import { defaultOutputTokens } from '../../core/index.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { ExitCode } from '../exit-codes.js';
import { createCliModels } from '../models/cli-models.js';
import { type ModuleRootOptions, moduleOptions, withModuleRootOption } from '../module-roots.js';
import { collectInput, collectModel, runInput } from '../parse-options.js';
import { estimatePlan, type Plan, unknownValueTokens } from '../plan/estimate-plan.js';
import { formatCost, formatDuration } from '../render/format.js';
import { styleFor } from '../render/style.js';
import { renderTable } from '../render/table.js';

interface PlanCommandOptions extends CommonOptions, ModuleRootOptions {
  input?: Record<string, unknown>;
  inputFile?: string;
  model?: Record<string, string>;
}

/**
 * `baton plan <workflow>`: the graph as text, the critical path, and the estimated tokens and
 * cost of each step and of the whole run, without running anything.
 *
 * @example
 * ```ts
 * program.addCommand(createPlanCommand());
 * ```
 */
export function createPlanCommand(): Command {
  const command = withModuleRootOption(
    withCommonOptions(
      new Command('plan')
        .description('show the step graph, the critical path and estimated tokens and cost, without running')
        .argument('<workflow>', 'YAML or JSON workflow file')
        .option(
          '--input <key=value>',
          'an input field, to size the prompts that read it; repeat for more',
          collectInput,
        )
        .option('--input-file <file.json>', 'the input as a JSON object')
        .option(
          '--model <alias=provider:model>',
          'price this alias as this model; repeat for more',
          collectModel,
        ),
    ),
  ).addHelpText('after', '\nExample:\n  $ baton plan report.yaml --input-file input.json');
  return setAction<PlanCommandOptions>(command, async ({ output, options, args }) => {
    const definition = await loadWorkflowFile(args[0] ?? '', moduleOptions(options));
    const models = await createCliModels({ cwd: process.cwd(), overrides: options.model ?? {} });
    const plan = estimatePlan(definition.workflow, {
      idOf: models.idOf,
      pricing: models.pricing,
      input: runInput(options),
    });
    if (output.json) output.data(plan);
    else printPlan(plan, (line) => output.line(line), styleFor(output.isTTY));
    return ExitCode.ok;
  });
}

function printPlan(plan: Plan, line: (text: string) => void, style: ReturnType<typeof styleFor>): void {
  const count = plan.steps.filter((step) => step.depth === 0).length;
  line(
    `${style.bold(plan.workflow)}: ${count} top-level step(s), ${plan.total.modelCalls} model call(s) per run`,
  );
  line('');
  const rows = plan.steps.map((step) => [
    `${'  '.repeat(step.depth)}${step.id}`,
    step.kind,
    step.modelId === undefined ? (step.model ?? '-') : `${step.model} (${step.modelId})`,
    step.needs.join(', ') || '-',
    step.modelCalls === 0 ? '-' : step.inputTokens.toLocaleString('en-US'),
    step.modelCalls === 0 ? '-' : step.outputTokens.toLocaleString('en-US'),
    step.modelCalls === 0 ? '-' : step.costUsd === undefined ? '?' : formatCost(step.costUsd),
    formatDuration(step.durationMs),
    step.note ?? '',
  ]);
  for (const text of renderTable(
    ['step', 'kind', 'model', 'needs', 'in tok', 'out tok', 'cost', 'time', ''],
    rows,
    { indent: '  ' },
  )) {
    line(text);
  }
  line('');
  line(`Critical path: ${plan.criticalPath.join(' → ') || '-'} (≈${formatDuration(plan.criticalPathMs)})`);
  const { total } = plan;
  const cost =
    total.costUsd === undefined ? 'cost unknown (no price for some models)' : `≈${formatCost(total.costUsd)}`;
  line(
    `Total: ≈${total.inputTokens.toLocaleString('en-US')} input + ${total.outputTokens.toLocaleString('en-US')} output tokens, ${cost}`,
  );
  line(
    style.dim(
      `Estimates: input = prompt characters / 4 plus the estimated output of each step read (${unknownValueTokens} tokens for a value not known); ` +
        `output = maxOutputTokens or ${defaultOutputTokens}; a map item and a loop iteration are counted once.`,
    ),
  );
}
