import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadWorkflowFile } from '../authoring/yaml/index.js';
import { hashWorkflow, type RunRecord, type ToolDefinition, type WorkflowDefinition } from '../core/index.js';

/**
 * Which workflow file each journaled definition came from, by definition hash, kept next to the
 * database. A run journals its definition but not the module its functions and tools live in:
 * this lets `baton resume <run>` find them again without being told the file.
 */
function indexPath(databasePath: string): string {
  return join(dirname(databasePath), 'workflow-files.json');
}

function readIndex(databasePath: string): Record<string, string> {
  const path = indexPath(databasePath);
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** Notes that definitions with `hash` come from `file`. */
export function rememberWorkflowFile(databasePath: string, hash: string, file: string): void {
  const index = readIndex(databasePath);
  const absolute = resolve(file);
  if (index[hash] === absolute) return;
  index[hash] = absolute;
  mkdirSync(dirname(databasePath), { recursive: true });
  // Written aside and renamed, so a reader in another process never sees half a file.
  const path = indexPath(databasePath);
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(index, null, 2)}\n`);
  renameSync(partial, path);
}

/** The definition to continue a run with, and the tools its module exports. */
export interface RunDefinition {
  definition: WorkflowDefinition;
  tools: Readonly<Record<string, ToolDefinition>>;
  /** Where the functions and tools came from, or why the journaled snapshot runs alone. */
  source: string;
}

/**
 * The definition a journaled run continues with. A run always continues with the definition it
 * started with (its journaled snapshot); the functions and tools come from `--workflow <file>`
 * when given, else from the module of the file the run was started from. A file given with
 * `--workflow` whose definition differs replaces the snapshot: that is how `replay` runs an
 * edited workflow.
 */
export async function definitionForRun(
  databasePath: string,
  run: RunRecord,
  file?: string,
): Promise<RunDefinition> {
  if (file !== undefined) {
    const loaded = await loadWorkflowFile(file);
    return { definition: loaded, tools: loaded.tools, source: loaded.file };
  }
  const remembered = readIndex(databasePath)[run.workflowHash];
  if (remembered !== undefined && existsSync(remembered)) {
    const loaded = await loadWorkflowFile(remembered);
    if (hashWorkflow(loaded.workflow) === run.workflowHash) {
      return { definition: loaded, tools: loaded.tools, source: loaded.file };
    }
    return {
      definition: {
        workflow: run.definition,
        functions: loaded.functions,
        ...(loaded.workflows ? { workflows: loaded.workflows } : {}),
      },
      tools: loaded.tools,
      source: `the journaled definition (${loaded.file} changed since the run started) with the functions and tools of its module`,
    };
  }
  return {
    definition: { workflow: run.definition, functions: {} },
    tools: {},
    source: 'the journaled definition, without a workflow module (pass --workflow <file> to load one)',
  };
}
