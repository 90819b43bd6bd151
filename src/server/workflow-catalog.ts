import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import { type LoadedWorkflow, loadWorkflowFile, type WorkflowFileProblem } from '../authoring/yaml/index.js';
import {
  BatonError,
  formatProblemPath,
  hashWorkflow,
  type ToolDefinition,
  type ToolRegistry,
} from '../core/index.js';
import type { ProblemSchema } from './api-schemas.js';

type Problem = (typeof ProblemSchema)['_output'];

/** One workflow file of the served folder: loaded, or the problems that kept it from loading. */
export interface CatalogEntry {
  name: string;
  /** Relative to the folder. */
  file: string;
  loaded?: LoadedWorkflow;
  problems?: Problem[];
}

export interface WorkflowCatalogOptions {
  folder: string;
  /** Folders modules may be imported from besides each file's own. */
  moduleRoots?: string[];
  /** Called after each (re)load, with what changed nothing to do with the caller. */
  onReload?: (catalog: WorkflowCatalog) => void;
}

// Folders that never hold workflows: the journal, dependencies, build output.
const skipped = new Set(['node_modules', 'dist', 'coverage']);

/**
 * The workflow files of a folder (YAML, JSON with `steps`, and their modules), loaded as the CLI
 * loads one file. A file that does not load is kept with its problems, so the server starts and
 * says what is wrong instead of refusing. `watch()` reloads the folder when a file changes.
 */
export class WorkflowCatalog {
  readonly folder: string;
  private entries: CatalogEntry[] = [];
  private watcher: FSWatcher | undefined;
  private reloading: Promise<void> | undefined;
  private pending = false;

  constructor(private readonly options: WorkflowCatalogOptions) {
    this.folder = resolve(options.folder);
  }

  list(): readonly CatalogEntry[] {
    return this.entries;
  }

  get(name: string): CatalogEntry | undefined {
    return this.entries.find((entry) => entry.name === name);
  }

  /** The served definition of this version (hash) of a workflow, with its functions, if one is. */
  version(hash: string): LoadedWorkflow | undefined {
    return this.entries.find((entry) => entry.loaded && hashWorkflow(entry.loaded.workflow) === hash)?.loaded;
  }

  /** The tools of every loaded workflow module, by name; the first file (in path order) wins a name. */
  tools(): ToolRegistry {
    const find = (name: string): ToolDefinition | undefined => {
      for (const entry of this.entries) {
        const tool =
          entry.loaded && Object.hasOwn(entry.loaded.tools, name) ? entry.loaded.tools[name] : undefined;
        if (tool) return tool;
      }
      return undefined;
    };
    return {
      get: find,
      names: () => [...new Set(this.entries.flatMap((entry) => Object.keys(entry.loaded?.tools ?? {})))],
    };
  }

  /** Loads every workflow file of the folder again; loads in flight are followed by one more. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.pending = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.pending = false;
        this.entries = await this.loadAll();
        this.options.onReload?.(this);
      } while (this.pending);
    })().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  /** Reloads when a file of the folder changes (events within 100 ms are taken together). */
  watch(): void {
    let timer: NodeJS.Timeout | undefined;
    this.watcher = watch(this.folder, { recursive: true }, (_event, name) => {
      if (name && /(^|[/\\])(\.|node_modules)/.test(name)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void this.reload(), 100);
    });
  }

  close(): void {
    this.watcher?.close();
  }

  private async loadAll(): Promise<CatalogEntry[]> {
    const files = (await workflowFiles(this.folder, this.folder)).sort();
    const entries: CatalogEntry[] = [];
    for (const absolute of files) {
      const file = relative(this.folder, absolute);
      const entry = await this.loadOne(absolute, file);
      if (entry === undefined) continue;
      const taken = entries.find((other) => other.loaded && other.name === entry.name);
      if (taken && entry.loaded) {
        entries.push({
          name: entry.name,
          file,
          problems: [
            {
              path: 'name',
              message: `The workflow name "${entry.name}" is taken by ${taken.file}; rename one.`,
            },
          ],
        });
      } else entries.push(entry);
    }
    return entries;
  }

  private async loadOne(absolute: string, file: string): Promise<CatalogEntry | undefined> {
    const fallbackName = file.replace(/\.(ya?ml|json)$/, '').replaceAll('\\', '/');
    if (extname(absolute) === '.json' && !(await hasSteps(absolute))) return undefined;
    try {
      const loaded = await loadWorkflowFile(absolute, { moduleRoots: this.options.moduleRoots ?? [] });
      return { name: loaded.workflow.name, file, loaded };
    } catch (error) {
      // Locations read relative to the folder, as the files are listed.
      const problems = problemsOf(error).map((problem) =>
        problem.location === undefined
          ? problem
          : { ...problem, location: problem.location.replace(`${this.folder}${sep}`, '') },
      );
      return { name: fallbackName, file, problems };
    }
  }
}

/** The YAML files, and the JSON files, of a folder and its subfolders, hidden ones left out. */
async function workflowFiles(root: string, folder: string, depth = 0): Promise<string[]> {
  if (depth > 6) return [];
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || skipped.has(entry.name)) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...(await workflowFiles(root, path, depth + 1)));
    else if (entry.isFile() && isWorkflowFileName(entry.name)) found.push(path);
  }
  return found;
}

function isWorkflowFileName(name: string): boolean {
  if (/\.eval\.ya?ml$|\.cassette\.json$|^baton\.config\.ya?ml$|^package(-lock)?\.json$|^tsconfig/.test(name))
    return false;
  return /\.(ya?ml|json)$/.test(name);
}

/** A JSON file is a workflow only when it has `steps`: the others are inputs and data. */
async function hasSteps(path: string): Promise<boolean> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null && 'steps' in value;
  } catch {
    return false;
  }
}

/**
 * The problems a BatonError carries, in the API's shape: workflow problems with their file
 * location, schema issues with their field path, or the error's own message.
 */
export function problemsOf(error: unknown): Problem[] {
  if (!BatonError.is(error))
    return [{ path: '(root)', message: error instanceof Error ? error.message : String(error) }];
  const details = error.details ?? {};
  const list = (details.problems ?? details.issues) as unknown;
  if (!Array.isArray(list) || list.length === 0)
    return [{ path: error.stepPath ?? '(root)', message: error.message }];
  return list.map((item: Partial<WorkflowFileProblem> & { path?: unknown; message?: string }) => {
    const path = Array.isArray(item.path)
      ? formatProblemPath(item.path) || '(root)'
      : String(item.path ?? '(root)');
    // Problems already in the API's shape keep their location text.
    const location =
      typeof item.location === 'string'
        ? item.location
        : item.location
          ? `${item.location.file ?? ''}:${item.location.line}:${item.location.column}`
          : undefined;
    return { path, message: item.message ?? error.message, ...(location === undefined ? {} : { location }) };
  });
}
