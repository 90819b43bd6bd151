import { realpath, stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ToolDefinition, WorkflowFunction } from '../../core/index.js';
import { resolveTypeScriptImports } from '../module/typescript-resolution.js';

/** What a workflow module beside a YAML file gives the workflow. */
export interface WorkflowModule {
  path: string;
  functions: Record<string, WorkflowFunction>;
  tools: Record<string, ToolDefinition>;
  /** The module's `close` export: releases what it opened (an MCP connection, a database). */
  close?: () => unknown;
}

// Modules imported by this process that export `close`; see closeWorkflowModules.
const openModules = new Map<string, () => unknown>();

/**
 * Calls `close()` of every workflow module imported so far, once each, so a process that ran a
 * workflow can exit: an open MCP connection or socket keeps Node alive. Errors are collected, not
 * thrown one by one, so every module gets its call.
 *
 * @example
 * ```ts
 * try { await engine.run(definition); } finally { await closeWorkflowModules(); }
 * ```
 */
export async function closeWorkflowModules(): Promise<unknown[]> {
  const closers = [...openModules.values()];
  openModules.clear();
  const results = await Promise.allSettled(closers.map(async (close) => close()));
  return results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
}

/**
 * The module a workflow file uses: the one its `module:` field names (relative to the file). A
 * module beside the file is not loaded unless named, so which code runs is written in the file.
 *
 * @example
 * ```ts
 * findWorkflowModule('/flows/review.yaml', undefined); // undefined, even when review.ts exists
 * findWorkflowModule('/flows/review.yaml', '../lib/tools.ts'); // '/lib/tools.ts'
 * ```
 */
export function findWorkflowModule(workflowFile: string, declared: string | undefined): string | undefined {
  return declared === undefined ? undefined : resolve(dirname(workflowFile), declared);
}

/** Where a workflow module may come from, and how long importing it may take. */
export interface ModuleOptions {
  /**
   * Folders besides the workflow file's own folder tree that modules may be imported from
   * (`--module-root`, `BATON_MODULE_ROOTS`).
   */
  moduleRoots?: readonly string[];
  /** How long importing the module may take, in ms. Default 5000. */
  importTimeoutMs?: number;
}

export const defaultImportTimeoutMs = 5000;

/**
 * Checks that a module may be imported: a regular file (after following links) inside the
 * workflow file's folder tree or one of the allowed roots. Returns the reason it may not, if any.
 *
 * @example
 * ```ts
 * await refuseModule('/flows/a.yaml', '/etc/x.mjs', []); // 'is not imported: /etc/x.mjs is outside ...'
 * ```
 */
export async function refuseModule(
  workflowFile: string,
  modulePath: string,
  moduleRoots: readonly string[],
): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(modulePath);
  } catch {
    return `does not exist (looked for ${modulePath})`;
  }
  if (!(await stat(real)).isFile()) return `is not a regular file (${real})`;
  const home = dirname(await realpath(workflowFile));
  const roots = [
    home,
    ...(await Promise.all(moduleRoots.map((root) => realpath(resolve(root)).catch(() => '')))),
  ];
  if (roots.some((root) => root !== '' && isInside(real, root))) return undefined;
  return `is not imported: ${real} is outside the workflow's folder ${home}; move it there, or allow its folder with --module-root or BATON_MODULE_ROOTS`;
}

function isInside(path: string, folder: string): boolean {
  const rest = relative(folder, path);
  return rest !== '' && !rest.startsWith(`..${sep}`) && rest !== '..' && !rest.startsWith(sep);
}

/**
 * Imports a module with a time limit. While it loads, `process.exit` throws instead of ending the
 * process, so a module cannot end `baton validate` silently; the reason becomes the error.
 */
export async function importWithTimeout(path: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const exit = process.exit;
  process.exit = ((code?: number) => {
    throw new Error(`the module called process.exit(${code ?? ''}) while loading`);
  }) as typeof process.exit;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      import(pathToFileURL(path).href) as Promise<Record<string, unknown>>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `importing it took longer than ${timeoutMs} ms (a top-level await that never settles?)`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    process.exit = exit;
  }
}

/**
 * Imports a workflow module and reads its `functions`, `tools` and `close` exports (named, or on
 * the default export); `closeWorkflowModules()` calls every `close`. Returns the problems instead of throwing, so they are listed with the rest.
 *
 * @example
 * ```ts
 * const { module, problems } = await importWorkflowModule('/flows/review.ts');
 * if (module) console.log(Object.keys(module.tools));
 * ```
 */
export async function importWorkflowModule(
  path: string,
  timeoutMs = defaultImportTimeoutMs,
): Promise<{ module?: WorkflowModule; problems: string[] }> {
  resolveTypeScriptImports();
  let exports: Record<string, unknown>;
  try {
    exports = await importWithTimeout(path, timeoutMs);
  } catch (error) {
    return { problems: [`cannot be imported: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const fallback = (exports.default ?? {}) as Record<string, unknown>;
  const functions = exports.functions ?? fallback.functions ?? {};
  const tools = exports.tools ?? fallback.tools ?? {};
  const close = exports.close ?? fallback.close;
  const problems: string[] = [];
  if (close !== undefined && typeof close !== 'function') problems.push('`close` must be a function.');
  if (typeof close === 'function') openModules.set(path, close as () => unknown);
  if (!isRecord(functions)) problems.push('`functions` must be an object of functions by name.');
  if (!isRecord(tools)) problems.push('`tools` must be an object of tool definitions by name.');
  if (problems.length > 0)
    return { problems: problems.map((problem) => `has exports of the wrong shape: ${problem}`) };
  for (const [name, value] of Object.entries(functions as Record<string, unknown>)) {
    if (typeof value !== 'function') problems.push(`functions.${name} is a ${typeof value}, not a function.`);
  }
  for (const [name, value] of Object.entries(tools as Record<string, unknown>)) {
    const tool = value as Partial<ToolDefinition> | null;
    if (typeof tool?.execute !== 'function' || typeof tool.inputSchema !== 'object') {
      problems.push(`tools.${name} needs an inputSchema (Zod or JSON Schema) and an execute function.`);
    }
  }
  if (problems.length > 0)
    return { problems: problems.map((problem) => `has exports of the wrong shape: ${problem}`) };
  return {
    module: {
      path,
      functions: functions as Record<string, WorkflowFunction>,
      tools: tools as Record<string, ToolDefinition>,
      ...(typeof close === 'function' ? { close: close as () => unknown } : {}),
    },
    problems,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
