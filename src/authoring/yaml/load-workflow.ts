import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, normalize, relative, resolve } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import {
  BatonError,
  type SourceLocation,
  type ToolDefinition,
  validateWorkflow,
  type Workflow,
  type WorkflowDefinition,
  type WorkflowFunction,
  workflowWarnings,
} from '../../core/index.js';
import { isScriptFile, loadDefinitionModule } from '../module/load-definition-module.js';
import { loadCalledWorkflows } from './called-workflows.js';
import { locatePath, toLocation } from './source-locations.js';
import { aliasProblems, deepFlowAt, maxFlowDepth } from './unsafe-yaml.js';
import {
  findWorkflowModule,
  importWorkflowModule,
  type ModuleOptions,
  refuseModule,
} from './workflow-module.js';
import { yamlLibrary } from './yaml-library.js';

/** A workflow file ready to run: the IR, the functions and tools of its module, and where they came from. */
export interface LoadedWorkflow extends WorkflowDefinition {
  tools: Readonly<Record<string, ToolDefinition>>;
  /** The workflow file, as given. */
  file: string;
  /** The module its functions and tools came from, if any. */
  modulePath?: string;
  /** What is valid but cannot work as written (an input schema no input matches). */
  warnings: WorkflowFileProblem[];
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
 * it. Every problem is reported at once with the file, line and column it was written at. A
 * `.ts`/`.js` file is imported instead: it exports definitions built in TypeScript, and `name`
 * picks one when it exports several.
 *
 * @example
 * ```ts
 * const definition = await loadWorkflowFile('examples/triage/workflow.yaml');
 * const baton = createBaton({ tools: definition.tools });
 * await baton.run(definition, { input: { ticket: 'My invoice is wrong' } });
 * ```
 */
export function loadWorkflowFile(
  path: string,
  options: ModuleOptions & { name?: string } = {},
): Promise<LoadedWorkflow> {
  return loadFile(path, [], options);
}

/** Loads one file; `trail` holds the files that call it, to catch a loop. */
async function loadFile(
  path: string,
  trail: readonly string[],
  options: ModuleOptions & { name?: string } = {},
): Promise<LoadedWorkflow> {
  const absolute = resolve(path);
  const file = displayName(path);
  const kind = await fileKind(absolute);
  if (kind === 'missing') {
    throw new BatonError('WORKFLOW_NOT_FOUND', `Workflow file ${path} does not exist.`, {
      hint: 'Check the path; it is relative to the current directory.',
      details: { file: absolute },
    });
  }
  if (kind !== 'file') {
    throw invalid(file, [
      {
        location: { file, line: 1, column: 1 },
        path: [],
        message: `${file} is a ${kind}, not a workflow file.`,
      },
    ]);
  }
  if (isScriptFile(absolute)) return loadDefinitionModule(absolute, file, options);
  const text = await readFile(absolute, 'utf8');
  const parsed = parseWorkflowText(text, file);
  const declared = parsed.fields.module;
  if (declared !== undefined && typeof declared !== 'string') {
    throw invalid(file, [
      parsed.problemAt(['module'], '`module` must be a path to a .ts or .js file, relative to this file.'),
    ]);
  }
  const modulePath = findWorkflowModule(absolute, declared);
  let functions: Record<string, WorkflowFunction> | undefined = {};
  let tools: Record<string, ToolDefinition> = {};
  const moduleProblems: WorkflowFileProblem[] = [];
  if (modulePath !== undefined) {
    const at = declared === undefined ? [] : ['module'];
    const where = `Module ${declared ?? relative(dirname(absolute), modulePath)}`;
    const refused = await refuseModule(absolute, modulePath, options.moduleRoots ?? []);
    const imported = refused
      ? { problems: [refused] }
      : await importWorkflowModule(modulePath, options.importTimeoutMs);
    if (imported.module) {
      functions = imported.module.functions;
      tools = imported.module.tools;
    } else {
      // Without the module its functions are unknown: the rest of the file is still checked.
      functions = undefined;
      for (const message of imported.problems)
        moduleProblems.push(parsed.problemAt(at, `${where} ${message}`));
    }
  }
  const workflow = parsed.validate(functions, moduleProblems);
  const warnings = workflowWarnings(workflow).map((warning) =>
    parsed.problemAt(warning.path, warning.message),
  );
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
    functions: functions ?? {},
    tools: hasCalls ? { ...called.tools, ...tools } : tools,
    file,
    warnings,
    ...(modulePath === undefined ? {} : { modulePath }),
    ...(hasCalls ? { workflows: called.workflows } : {}),
  };
}

async function fileKind(path: string): Promise<'missing' | 'file' | 'directory' | 'FIFO' | 'special file'> {
  try {
    const stats = await stat(path);
    if (stats.isFile()) return 'file';
    if (stats.isDirectory()) return 'directory';
    return stats.isFIFO() ? 'FIFO' : 'special file';
  } catch {
    return 'missing';
  }
}

/** The parsed text of a workflow file, before its module is loaded. */
export interface ParsedWorkflowText {
  /** The document without its file-only fields. */
  document: unknown;
  /** The file-only fields (`module`, `$schema`) that were removed. */
  fields: Partial<Record<(typeof fileOnlyFields)[number], unknown>>;
  /** A problem at a path of the document. */
  problemAt(path: Array<string | number>, message: string, stepId?: string): WorkflowFileProblem;
  /**
   * Validates the document against the IR; throws `WORKFLOW_INVALID` listing every problem,
   * `extra` ones (of its module) included. Without `functions`, function names are not checked.
   */
  validate(functions: WorkflowDefinition['functions'] | undefined, extra?: WorkflowFileProblem[]): Workflow;
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
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  const tooDeep = deepFlowAt(text);
  if (tooDeep !== undefined) {
    lineCounter.addNewLine(0);
    for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) {
      lineCounter.addNewLine(index + 1);
    }
    throw invalid(file, [
      {
        location: toLocation(lineCounter, file, tooDeep),
        path: [],
        message: `YAML nesting: [ and { are nested deeper than ${maxFlowDepth} levels here.`,
      },
    ]);
  }
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
  const data = toData(document, lineCounter, file);
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
    validate(functions, extra = []) {
      const { workflow, problems } = validateWorkflow(data, functions);
      if (workflow && extra.length === 0) return workflow;
      throw invalid(file, [
        ...extra,
        ...problems.map((problem) =>
          problemAt(problem.path, explainMissing(data, problem.path, problem.message), problem.stepId),
        ),
      ]);
    },
  };
}

/** The document as data, or `WORKFLOW_INVALID` at the aliases that would make it unsafe. */
function toData(document: Document, lineCounter: LineCounter, file: string): unknown {
  const at = (offset: number) => toLocation(lineCounter, file, offset);
  const { problems, firstAlias } = aliasProblems(document);
  if (problems.length > 0) {
    throw invalid(
      file,
      problems.map((problem) => ({ location: at(problem.offset), path: [], message: problem.message })),
    );
  }
  try {
    return document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    const message = `YAML aliases: ${(error as Error).message}.`;
    throw invalid(file, [{ location: at(firstAlias ?? 0), path: [], message }]);
  }
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
