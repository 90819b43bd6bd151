import { delimiter } from 'node:path';
import type { Command } from 'commander';
import type { ModuleOptions } from '../authoring/yaml/index.js';

/** Options of the commands that load a workflow file and so import its module. */
export interface ModuleRootOptions {
  moduleRoot?: string[];
}

/** Adds `--module-root <dir>` (repeatable): a folder workflow modules may be imported from. */
export function withModuleRootOption(command: Command): Command {
  return command.option(
    '--module-root <dir>',
    "a folder outside the workflow's own that its module may be imported from; repeat for more",
    (value: string, previous: string[] = []) => [...previous, value],
  );
}

/**
 * The folders modules may come from besides the workflow file's own: those of
 * `BATON_MODULE_ROOTS` (separated like PATH) and of `--module-root`.
 *
 * @example
 * ```ts
 * await loadWorkflowFile(file, moduleOptions(options));
 * ```
 */
export function moduleOptions(options: ModuleRootOptions = {}): ModuleOptions {
  const fromEnvironment = (process.env.BATON_MODULE_ROOTS ?? '').split(delimiter).filter(Boolean);
  return { moduleRoots: [...fromEnvironment, ...(options.moduleRoot ?? [])] };
}
