import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadWorkflowFile } from '../authoring/yaml/index.js';
import { hashWorkflow, type RunRecord, type ToolDefinition, type WorkflowDefinition } from '../core/index.js';
import { moduleOptions } from './module-roots.js';
import type { OpenedStore } from './open-store.js';

/**
 * Which workflow file each journaled definition came from, by definition hash, kept in the
 * journal itself (one row per hash, so processes registering at once lose nothing). A run
 * journals its definition but not the module its functions and tools live in: this lets
 * `baton resume <run>` find them again without being told the file.
 */
export async function rememberWorkflowFile(journal: OpenedStore, hash: string, file: string): Promise<void> {
  await importLegacyIndex(journal);
  await journal.store.rememberDefinitionSource?.(hash, resolve(file), Date.now());
}

/**
 * Journals of earlier versions kept this index in `workflow-files.json` beside the database: its
 * entries move into the journal the first time it is opened, and the file is removed.
 */
async function importLegacyIndex({ store, path, exists }: OpenedStore): Promise<void> {
  const legacy = join(dirname(path), 'workflow-files.json');
  if (!exists || !store.rememberDefinitionSource || !existsSync(legacy)) return;
  const index = JSON.parse(readFileSync(legacy, 'utf8')) as Record<string, string>;
  for (const [hash, file] of Object.entries(index)) {
    // An entry recorded in the journal since is newer than the file.
    if ((await store.definitionSource?.(hash)) === undefined)
      await store.rememberDefinitionSource(hash, file, Date.now());
  }
  rmSync(legacy, { force: true });
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
  journal: OpenedStore,
  run: RunRecord,
  file?: string,
): Promise<RunDefinition> {
  if (file !== undefined) {
    const loaded = await loadWorkflowFile(file, { ...moduleOptions(), name: run.workflowName });
    return { definition: loaded, tools: loaded.tools, source: loaded.file };
  }
  await importLegacyIndex(journal);
  const remembered = await journal.store.definitionSource?.(run.workflowHash);
  if (remembered !== undefined && existsSync(remembered)) {
    const loaded = await loadWorkflowFile(remembered, { ...moduleOptions(), name: run.workflowName });
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
