import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ToolDefinition, WorkflowFunction } from '../../core/index.js';

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

const moduleExtensions = ['.ts', '.mts', '.js', '.mjs'];

/**
 * The module a workflow file uses: the one its `module:` field names (relative to the file), or
 * else a file with the same name and a script extension beside it (`review.yaml` → `review.ts`).
 *
 * @example
 * ```ts
 * findWorkflowModule('/flows/review.yaml', undefined); // '/flows/review.ts' when it exists
 * findWorkflowModule('/flows/review.yaml', '../lib/tools.ts'); // '/lib/tools.ts'
 * ```
 */
export function findWorkflowModule(workflowFile: string, declared: string | undefined): string | undefined {
  if (declared !== undefined) return resolve(dirname(workflowFile), declared);
  const stem = join(dirname(workflowFile), basename(workflowFile, extname(workflowFile)));
  return moduleExtensions.map((extension) => stem + extension).find((candidate) => existsSync(candidate));
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
): Promise<{ module?: WorkflowModule; problems: string[] }> {
  const exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const fallback = (exports.default ?? {}) as Record<string, unknown>;
  const functions = exports.functions ?? fallback.functions ?? {};
  const tools = exports.tools ?? fallback.tools ?? {};
  const close = exports.close ?? fallback.close;
  const problems: string[] = [];
  if (close !== undefined && typeof close !== 'function') problems.push('`close` must be a function.');
  if (typeof close === 'function') openModules.set(path, close as () => unknown);
  if (!isRecord(functions)) problems.push('`functions` must be an object of functions by name.');
  if (!isRecord(tools)) problems.push('`tools` must be an object of tool definitions by name.');
  if (problems.length > 0) return { problems };
  for (const [name, value] of Object.entries(functions as Record<string, unknown>)) {
    if (typeof value !== 'function') problems.push(`functions.${name} is a ${typeof value}, not a function.`);
  }
  for (const [name, value] of Object.entries(tools as Record<string, unknown>)) {
    const tool = value as Partial<ToolDefinition> | null;
    if (typeof tool?.execute !== 'function' || typeof tool.inputSchema !== 'object') {
      problems.push(`tools.${name} needs an inputSchema (Zod or JSON Schema) and an execute function.`);
    }
  }
  if (problems.length > 0) return { problems };
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
