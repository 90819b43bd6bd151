import { Command } from 'commander';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { ExitCode } from '../exit-codes.js';
import { createCliModels } from '../models/cli-models.js';
import { collectModel } from '../parse-options.js';
import { renderTable } from '../render/table.js';
import { createModelsPullCommand } from './models-pull.js';

interface ModelsCommandOptions extends CommonOptions {
  model?: Record<string, string>;
  check: boolean;
}

/**
 * `baton models`: the default model and the configured aliases, what each stands for, and
 * whether each answers (one call of at most one output token per model).
 *
 * @example
 * ```ts
 * program.addCommand(createModelsCommand());
 * ```
 */
export function createModelsCommand(): Command {
  const command = withCommonOptions(
    new Command('models')
      .description('list the default model and the aliases, and whether each model is reachable')
      .option(
        '--model <alias=provider:model>',
        'add or replace an alias, as `run --model` does; repeat for more',
        collectModel,
      )
      .option('--no-check', 'do not call the models; only list them'),
  ).addHelpText(
    'after',
    '\nExamples:\n  $ baton models\n  $ baton models --model fast=openai:gpt-4o-mini --json',
  );
  command.addCommand(createModelsPullCommand());
  return setAction<ModelsCommandOptions>(command, async ({ output, options }) => {
    const models = await createCliModels({ cwd: process.cwd(), overrides: options.model ?? {} });
    const names = [...new Set(models.entries.flatMap((entry) => entry.chain))];
    const checks = new Map(
      await Promise.all(
        names.map(
          async (name) => [name, options.check ? await models.checkReachable(name) : undefined] as const,
        ),
      ),
    );
    const listed = models.entries.map((entry) => ({
      ...entry,
      models: entry.chain.map((name) => ({ name, ...checks.get(name) })),
    }));
    const unreachable = [...checks.values()].some((check) => check?.reachable === false);
    if (output.json) {
      output.data({
        configFile: models.configFile ?? null,
        defaultModel: models.defaultModel,
        usesMock: models.usesMock,
        aliases: listed,
      });
      return unreachable ? ExitCode.failed : ExitCode.ok;
    }
    output.line(`Config: ${models.configFile ?? 'none (no baton.config.yaml in this directory)'}`);
    output.line(models.defaultModel.message);
    output.line('');
    const rows = listed.flatMap((entry) =>
      entry.models.map((model, index) => [
        index === 0 ? entry.alias : '',
        index === 0 ? model.name : `→ ${model.name}`,
        index === 0 ? entry.source : '',
        model.reachable === undefined ? 'not checked' : model.reachable ? 'yes' : 'no',
        model.detail ?? '',
      ]),
    );
    for (const line of renderTable(['alias', 'model', 'from', 'reachable', ''], rows)) output.line(line);
    return unreachable ? ExitCode.failed : ExitCode.ok;
  });
}
