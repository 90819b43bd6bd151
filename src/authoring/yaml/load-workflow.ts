import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, normalize, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import {
  BatonError,
  type SourceLocation,
  type ToolDefinition,
  validateWorkflow,
  type Workflow,
  type WorkflowDefinition,
  type WorkflowFunction,
} from '../../core/index.js';
import { loadCalledWorkflows } from './called-workflows.js';
import { locatePath, toLocation } from './source-locations.js';
import { findWorkflowModule, importWorkflowModule } from './workflow-module.js';

/** A workflow file ready to run: the IR, the functions and tools of its module, and where they came from. */
export interface LoadedWorkflow extends WorkflowDefinition {
  tools: Readonly<Record<string, ToolDefinition>>;
  /** The workflow file, as given. */
  file: string;
  /** The module its functions and tools came from, if any. */
  modulePath?: string;
}

/** One problem of a workflow file, at the place it was written. */
export interface WorkflowFileProblem {
  location: SourceLocation;
  path: Array<string | number>;
  stepId?: string;
  message: string;
}

/**
 * Fields a workflow file may carry that are not part of the IR: they are read and removed before
 * validation. `module` names the TypeScript module with functions and tools; `$schema` lets JSON
 * editors find the schema.
 */
const fileOnlyFields = ['module', '$schema'] as const;

/**
 * Loads a YAML or JSON workflow file, with the functions and tools its module exports, and checks
 * it. Every problem is reported at once with the file, line and column it was written at.
 *
 * @example
 * ```ts
 * const definition = await loadWorkflowFile('examples/triage/workflow.yaml');
 * const baton = createBaton({ tools: definition.tools });
 * await baton.run(definition, { input: { ticket: 'My invoice is wrong' } });
 * ```
 */
export function loadWorkflowFile(path: string): Promise<LoadedWorkflow> {
  return loadFile(path, []);
}

/** Loads one file; `trail` holds the files that call it, to catch a loop. */
async function loadFile(path: string, trail: readonly string[]): Promise<LoadedWorkflow> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new BatonError('WORKFLOW_NOT_FOUND', `Workflow file ${path} does not exist.`, {
      hint: 'Check the path; it is relative to the current directory.',
      details: { file: absolute },
    });
  }
  const file = displayName(path);
  const text = await readFile(absolute, 'utf8');
  const parsed = parseWorkflowText(text, file);
  const declared = parsed.fields.module;
  if (declared !== undefined && typeof declared !== 'string') {
    throw invalid(file, [
      parsed.problemAt(['module'], '`module` must be a path to a .ts or .js file, relative to this file.'),
    ]);
  }
  const modulePath = findWorkflowModule(absolute, declared);
  let functions: Record<string, WorkflowFunction> = {};
  let tools: Record<string, ToolDefinition> = {};
  if (modulePath !== undefined) {
    const at = declared === undefined ? [] : ['module'];
    if (!existsSync(modulePath)) {
      throw invalid(file, [
        parsed.problemAt(at, `Module ${declared} does not exist (looked for ${modulePath}).`),
      ]);
    }
    let imported: Awaited<ReturnType<typeof importWorkflowModule>>;
    try {
      imported = await importWorkflowModule(modulePath);
    } catch (error) {
      throw new BatonError(
        'WORKFLOW_INVALID',
        `${file}: cannot import module ${modulePath}: ${(error as Error).message}`,
        {
          cause: error,
          location: parsed.problemAt(at, '').location,
          hint: 'Fix the error in the module; it is imported before the workflow runs.',
        },
      );
    }
    if (!imported.module) {
      const where = `module ${modulePath}`;
      throw invalid(
        file,
        imported.problems.map((message) => parsed.problemAt(at, `${where}: ${message}`)),
      );
    }
    functions = imported.module.functions;
    tools = imported.module.tools;
  }
  const workflow = parsed.validate(functions);
  const called = await loadCalledWorkflows(workflow, absolute, [...trail, absolute], loadFile);
  if (called.problems.length > 0) {
    throw invalid(
      file,
      called.problems.map((problem) => parsed.problemAt(problem.path, problem.message)),
    );
  }
  const hasCalls = Object.keys(called.workflows).length > 0;
  return {
    workflow,
    functions,
    tools: hasCalls ? { ...called.tools, ...tools } : tools,
    file,
    ...(modulePath === undefined ? {} : { modulePath }),
    ...(hasCalls ? { workflows: called.workflows } : {}),
  };
}

/** The parsed text of a workflow file, before its module is loaded. */
export interface ParsedWorkflowText {
  /** The document without its file-only fields. */
  document: unknown;
  /** The file-only fields (`module`, `$schema`) that were removed. */
  fields: Partial<Record<(typeof fileOnlyFields)[number], unknown>>;
  /** A problem at a path of the document. */
  problemAt(path: Array<string | number>, message: string, stepId?: string): WorkflowFileProblem;
  /** Validates the document against the IR; throws `WORKFLOW_INVALID` listing every problem. */
  validate(functions: WorkflowDefinition['functions']): Workflow;
}

/**
 * Parses YAML or JSON text (JSON is read as YAML, so both keep their line numbers). Syntax
 * errors throw `WORKFLOW_INVALID` with their line and column.
 *
 * @example
 * ```ts
 * const parsed = parseWorkflowText('name: hello\nsteps: []\n', 'hello.yaml');
 * parsed.validate({}); // throws: steps must have at least one step, at hello.yaml:2:8
 * ```
 */
export function parseWorkflowText(text: string, file: string): ParsedWorkflowText {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw invalid(
      file,
      document.errors.map((error) => ({
        location: toLocation(lineCounter, file, error.pos[0]),
        path: [],
        message: `YAML syntax: ${error.message.split('\n')[0]}`,
      })),
    );
  }
  const data: unknown = document.toJS({ maxAliasCount: 1000 });
  const fields: ParsedWorkflowText['fields'] = {};
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    for (const field of fileOnlyFields) {
      if (field in data) {
        fields[field] = (data as Record<string, unknown>)[field];
        delete (data as Record<string, unknown>)[field];
      }
    }
  }
  const problemAt = (
    path: Array<string | number>,
    message: string,
    stepId?: string,
  ): WorkflowFileProblem => ({
    location: locateProblem(document, lineCounter, file, path, message),
    path,
    ...(stepId === undefined ? {} : { stepId }),
    message,
  });
  return {
    document: data,
    fields,
    problemAt,
    validate(functions) {
      const { workflow, problems } = validateWorkflow(data, functions);
      if (workflow) return workflow;
      throw invalid(
        file,
        problems.map((problem) =>
          problemAt(problem.path, explainMissing(data, problem.path, problem.message), problem.stepId),
        ),
      );
    },
  };
}

/**
 * Formats a problem as `file:line:col: [step] message`.
 *
 * @example
 * ```ts
 * formatFileProblem({ location: { file: 'a.yaml', line: 3, column: 5 }, path: [], stepId: 'draft', message: 'Missing required field "prompt".' });
 * // 'a.yaml:3:5: [draft] Missing required field "prompt".'
 * ```
 */
export function formatFileProblem(problem: WorkflowFileProblem): string {
  const { file, line, column } = problem.location;
  const step = problem.stepId === undefined ? '' : `[${problem.stepId}] `;
  return `${file ?? '<input>'}:${line}:${column}: ${step}${problem.message}`;
}

function invalid(file: string, problems: WorkflowFileProblem[]): BatonError {
  const sorted = [...problems].sort(
    (a, b) => a.location.line - b.location.line || a.location.column - b.location.column,
  );
  const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
  return new BatonError(
    'WORKFLOW_INVALID',
    `${file} has ${count}:\n${sorted.map(formatFileProblem).join('\n')}`,
    {
      hint: `Fix each line above (file:line:column); \`baton validate ${file}\` checks the file again.`,
      details: { file, problems: sorted },
    },
  );
}

// Zod names an unknown field only in its message; pointing at the key itself is more useful than at its object.
function locateProblem(
  document: Document,
  lineCounter: LineCounter,
  file: string,
  path: Array<string | number>,
  message: string,
): SourceLocation {
  const unknownKey = /^Unrecognized keys?: "([^"]+)"/.exec(message)?.[1];
  return locatePath(document, lineCounter, file, path, unknownKey);
}

/**
 * Zod says only "Invalid input" when a required field whose type is a union is absent; the
 * reader needs to know the field is missing.
 */
function explainMissing(data: unknown, path: Array<string | number>, message: string): string {
  if (!message.startsWith('Invalid input') || path.length === 0) return message;
  let parent: unknown = data;
  for (const part of path.slice(0, -1))
    parent = (parent as Record<string | number, unknown> | undefined)?.[part];
  const field = path[path.length - 1] as string | number;
  if (
    typeof parent !== 'object' ||
    parent === null ||
    (parent as Record<string | number, unknown>)[field] !== undefined
  ) {
    return message;
  }
  return `Missing required field "${field}".`;
}

/** A path as the person gave it (tidied), so `file:line:column` can be pasted back or clicked. */
function displayName(path: string): string {
  return isAbsolute(path) ? path : normalize(path);
}
