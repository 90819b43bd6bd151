import { Command } from 'commander';
import { pullModel, recommendedModelUrl } from '../../models/index.js';
import { type CommonOptions, setAction, withCommonOptions } from '../command-action.js';
import { ExitCode } from '../exit-codes.js';

interface PullOptions extends CommonOptions {
  url?: string;
  to?: string;
}

/**
 * `baton models pull`: downloads a GGUF model (by default a recommended small instruct model) into
 * the model cache, where the local provider finds it, with a progress bar on stderr.
 *
 * @example
 * ```ts
 * modelsCommand.addCommand(createModelsPullCommand());
 * ```
 */
export function createModelsPullCommand(): Command {
  const command = withCommonOptions(
    new Command('pull')
      .description('download a GGUF model for the local provider (default: a small instruct model)')
      .option('--url <url>', `the GGUF file to download (default ${recommendedModelUrl})`)
      .option('--to <path>', 'a directory or .gguf path to save to (default: the model cache)'),
  ).addHelpText(
    'after',
    '\nExamples:\n  $ baton models pull\n  $ baton models pull --url https://example.org/model.gguf --to models/',
  );
  return setAction<PullOptions>(command, async ({ output, options }) => {
    const progress = progressBar(process.stderr.isTTY === true);
    const path = await pullModel({
      ...(options.url === undefined ? {} : { url: options.url }),
      ...(options.to === undefined ? {} : { destination: options.to }),
      onProgress: ({ receivedBytes, totalBytes }) => progress.update(receivedBytes, totalBytes),
    });
    progress.end();
    if (output.json) output.data({ path });
    else output.line(`Saved ${path}. The local provider uses it when no other model is configured.`);
    return ExitCode.ok;
  });
}

/** A bar redrawn in place on a terminal; elsewhere a line at each tenth of the download. */
function progressBar(terminal: boolean) {
  let lastTenth = -1;
  let drawn = false;
  const megabytes = (bytes: number) => (bytes / 1_048_576).toFixed(1);
  return {
    update(received: number, total: number | undefined) {
      const fraction = total ? received / total : undefined;
      const text =
        fraction === undefined
          ? `${megabytes(received)} MB`
          : `[${'#'.repeat(Math.round(fraction * 30)).padEnd(30, '.')}] ${megabytes(received)} / ${megabytes(total ?? 0)} MB`;
      if (terminal) {
        process.stderr.write(`\r${text}`);
        drawn = true;
        return;
      }
      const tenth = fraction === undefined ? Math.floor(received / 10_485_760) : Math.floor(fraction * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${text}\n`);
      }
    },
    end() {
      if (drawn) process.stderr.write('\n');
    },
  };
}
