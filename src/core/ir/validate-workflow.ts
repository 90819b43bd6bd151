import { z } from 'zod';
import { BatonError, type BatonErrorCode } from '../errors.js';
import { templateExpressions } from '../expressions/render-template.js';
import { fieldReferences, unnamedStep } from '../expressions/step-references.js';
import { checkExpression, checkOutputMapping } from './check-expressions.js';
import { compileGraph } from './compile-graph.js';
import { findRefLoop } from './schema-checks.js';
import type { Computed, Step } from './step.js';
import { StepSchema } from './step.js';
import { inputReferences, stepReferences } from './step-references.js';
import { checkAgentStep } from './validate-agent.js';
import { type Workflow, type WorkflowDefinition, WorkflowSchema } from './workflow.js';

/** One problem of a workflow, at a path into the document (`['steps', 2, 'needs', 0]`). */
export interface WorkflowProblem {
  path: Array<string | number>;
  stepId?: string;
  message: string;
  /** The error code a run would fail with, where it differs from `WORKFLOW_INVALID`. */
  code?: BatonErrorCode;
}

/**
 * Checks a workflow without running it and returns every problem at once: the shape of each
 * step, duplicate and unknown ids, cycles, reads of steps that are not dependencies, undeclared
 * inputs, expression syntax, invalid schemas, functions that are not registered.
 */
export function validateWorkflow(
  document: unknown,
  functions?: WorkflowDefinition['functions'],
): { workflow?: Workflow; problems: WorkflowProblem[]; warnings?: WorkflowProblem[] } {
  const parsed = WorkflowSchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => fromZodIssue(issue, document));
    return { problems: [...problems, ...graphProblemsDespiteShape(document, functions)] };
  }
  const workflow = parsed.data;
  const problems: WorkflowProblem[] = [];
  const seen = new Map<string, string>();
  const warnings: WorkflowProblem[] = [];
  const declaredInputs = inputFields(workflow.input);
  if (workflow.input) checkSchema(workflow.input, ['input'], undefined, problems);
  const outputs = outputSchemas(workflow.steps);
  checkLevel(workflow.steps, ['steps'], new Set(), {
    seen,
    declaredInputs,
    functions,
    problems,
    outputs,
    warnings,
  });
  checkOutputMapping(workflow, problems);
  return problems.length === 0 ? { workflow, problems, warnings } : { problems, warnings };
}

/**
 * The graph problems of a document whose shape is wrong, so every problem shows at once: steps
 * that do not parse stand in as placeholders with their id (references to them still resolve),
 * and problems at the placeholders themselves are left to the shape errors.
 */
function graphProblemsDespiteShape(
  document: unknown,
  functions: WorkflowDefinition['functions'] | undefined,
): WorkflowProblem[] {
  const raw = document as { name?: unknown; steps?: unknown } | null;
  if (typeof raw !== 'object' || raw === null || !Array.isArray(raw.steps)) return [];
  const placeholders = new Set<number>();
  const steps = raw.steps.map((step: unknown, index) => {
    if (StepSchema.safeParse(step).success) return step;
    placeholders.add(index);
    const id = (step as { id?: unknown } | null)?.id;
    return {
      id: typeof id === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(id) ? id : `_invalid${index}`,
      kind: 'transform',
      value: 'null',
    };
  });
  const patched = {
    ...raw,
    name: typeof raw.name === 'string' && raw.name !== '' ? raw.name : 'workflow',
    steps,
  };
  if (!WorkflowSchema.safeParse(patched).success) return [];
  return validateWorkflow(patched, functions).problems.filter(
    (problem) => !(problem.path[0] === 'steps' && placeholders.has(Number(problem.path[1]))),
  );
}

/** Like {@link validateWorkflow}, but throws one `WORKFLOW_INVALID` error listing the problems. */
export function assertValidWorkflow(
  document: unknown,
  functions?: WorkflowDefinition['functions'],
): Workflow {
  const { workflow, problems } = validateWorkflow(document, functions);
  if (workflow) return workflow;
  const name = (document as { name?: unknown } | null)?.name;
  throw new BatonError(
    'WORKFLOW_INVALID',
    `Workflow${typeof name === 'string' ? ` "${name}"` : ''} has ${problems.length} problem(s):\n${problems
      .map((problem) => `  - ${formatProblemPath(problem.path)}: ${problem.message}`)
      .join('\n')}`,
    { details: { problems }, hint: 'Fix each problem listed; `baton validate` shows them all.' },
  );
}

export function formatProblemPath(path: Array<string | number>): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join('');
}

interface LevelContext {
  seen: Map<string, string>;
  declaredInputs: Set<string> | undefined;
  functions: WorkflowDefinition['functions'] | undefined;
  problems: WorkflowProblem[];
  /** The declared `output` schema of each step, by id, to check the fields steps read. */
  outputs: Map<string, Record<string, unknown>>;
  /** Reads of optional fields: allowed, but a run fails if the field is absent and has no default. */
  warnings: WorkflowProblem[];
}

function outputSchemas(steps: readonly Step[], found = new Map<string, Record<string, unknown>>()) {
  for (const step of steps) {
    if (step.output) found.set(step.id, step.output);
    if (step.kind === 'map' || step.kind === 'loop') outputSchemas(step.steps, found);
  }
  return found;
}

/** Problems (undeclared fields) and warnings (optional fields) of the `steps.x.f` an expression reads. */
function checkFields(
  step: Step,
  expression: string,
  field: Array<string | number>,
  context: LevelContext,
  at: Array<string | number>,
): void {
  let references: Array<{ id: string; field: string }>;
  try {
    references = fieldReferences(expression);
  } catch {
    return;
  }
  for (const reference of references) {
    const schema = context.outputs.get(reference.id);
    const properties = schema?.properties;
    if (typeof properties !== 'object' || properties === null) continue;
    const problem = { path: [...at, ...field], stepId: step.id };
    if (!(reference.field in properties)) {
      context.problems.push({
        ...problem,
        message: `Step "${step.id}" reads steps.${reference.id}.${reference.field}, but the output schema of "${reference.id}" has no field "${reference.field}" (it has: ${Object.keys(properties).join(', ') || 'none'}).`,
      });
    } else if (
      !(Array.isArray(schema?.required) && schema.required.includes(reference.field)) &&
      !/\$exists\s*\(|\?/.test(expression)
    ) {
      context.warnings.push({
        ...problem,
        message: `Step "${step.id}" reads steps.${reference.id}.${reference.field}, which is optional in the output schema of "${reference.id}": the step fails with MISSING_INPUT when it is absent, unless the template gives a default.`,
      });
    }
  }
}

function checkLevel(
  steps: Step[],
  at: Array<string | number>,
  outer: Set<string>,
  context: LevelContext,
): void {
  const { problems } = context;
  const here = new Map<string, number>();
  steps.forEach((step, index) => {
    const path = [...at, index];
    const previous = context.seen.get(step.id);
    if (previous !== undefined) {
      problems.push({
        path: [...path, 'id'],
        stepId: step.id,
        message: `Duplicate step id "${step.id}" (first at ${previous}).`,
      });
    } else context.seen.set(step.id, formatProblemPath(path));
    here.set(step.id, index);
  });
  const problemCount = problems.length;
  for (const [index, step] of steps.entries()) checkStep(step, [...at, index], here, outer, context);
  if (problems.length > problemCount) return;
  const graph = compileGraph(steps);
  const cycle = findCycle(graph.nodes.map((node) => node.deps));
  if (cycle) {
    const names = cycle.map((index) => steps[index]?.id ?? '?');
    problems.push({
      path: [...at, cycle[0] ?? 0],
      stepId: names[0] ?? '',
      message: `Steps form a cycle: ${[...names, names[0]].join(' → ')}. Remove one of these dependencies.`,
    });
    return;
  }
  const ancestors = graph.nodes.map(() => undefined as Set<number> | undefined);
  const ancestorsOf = (index: number): Set<number> => {
    const known = ancestors[index];
    if (known) return known;
    const found = new Set<number>();
    for (const dep of graph.nodes[index]?.deps ?? []) {
      found.add(dep);
      for (const further of ancestorsOf(dep)) found.add(further);
    }
    ancestors[index] = found;
    return found;
  };
  steps.forEach((step, index) => {
    for (const id of safeReferences(step)) {
      if (id === unnamedStep) continue;
      const target = here.get(id);
      if (target === undefined || ancestorsOf(index).has(target)) continue;
      problems.push({
        path: [...at, index],
        stepId: step.id,
        message: `Step "${step.id}" reads steps.${id}, but "${id}" is not one of its dependencies. Add it to needs.`,
      });
    }
  });
}

function checkStep(
  step: Step,
  path: Array<string | number>,
  here: Map<string, number>,
  outer: Set<string>,
  context: LevelContext,
): void {
  const { problems } = context;
  const report = (field: Array<string | number>, message: string, code?: BatonErrorCode) =>
    problems.push({ path: [...path, ...field], stepId: step.id, message, ...(code ? { code } : {}) });
  const known = (id: string) => here.has(id) || outer.has(id);
  if (reservedIds.has(step.id)) {
    report(
      ['id'],
      `Step id "${step.id}" is reserved: \`steps.${step.id}\` would not read a step. Rename the step.`,
    );
  }
  step.needs?.forEach((id, index) => {
    if (!here.has(id)) report(['needs', index], `Unknown step "${id}" in needs of "${step.id}".`);
    if (id === step.id) report(['needs', index], `Step "${step.id}" cannot need itself.`);
  });
  // A map or loop reports what its inner steps read itself, at their own paths.
  const inner = new Set(
    step.kind === 'map' || step.kind === 'loop' ? step.steps.map((child) => child.id) : [],
  );
  const own = step.kind === 'map' || step.kind === 'loop' ? { ...step, steps: [] } : step;
  for (const id of safeReferences(own)) {
    if (id === unnamedStep) {
      if (step.needs === undefined) {
        report(
          [],
          `Step "${step.id}" reads \`steps\` without naming a step, so its dependencies are unknown. Read steps as steps.<id>, or list them in needs.`,
        );
      }
      continue;
    }
    if (!known(id) && !inner.has(id))
      report([], `Step "${step.id}" reads steps.${id}, but there is no step "${id}".`);
  }
  if (typeof step.onError === 'object' && 'route' in step.onError && !here.has(step.onError.route)) {
    report(['onError', 'route'], `onError routes to unknown step "${step.onError.route}".`);
  }
  if (step.output) checkSchema(step.output, [...path, 'output'], step.id, problems);
  if (step.when !== undefined) checkExpression(step.when, false, [...path, 'when'], report);
  forEachComputed(step, (value, field, isTemplate) => {
    if (typeof value !== 'string') {
      if (context.functions && !Object.hasOwn(context.functions, value.function)) {
        report(
          [...field, 'function'],
          `Function "${value.function}" is not registered with the workflow.`,
          'FUNCTION_NOT_FOUND',
        );
      }
      return;
    }
    checkExpression(value, isTemplate, field, report);
    for (const expression of isTemplate ? templateExpressions(value) : [value])
      checkFields(step, expression, field, context, path);
    if (!context.declaredInputs) return;
    for (const name of inputReferences(value, isTemplate)) {
      if (!context.declaredInputs.has(name)) {
        report(
          field,
          `Step "${step.id}" reads input.${name}, which the workflow's input schema does not declare.`,
        );
      }
    }
  });
  if (step.kind === 'agent') checkAgentStep(step, report);
  if (step.kind === 'branch') {
    const routes = Object.keys(step.routes);
    if (step.default !== undefined && !routes.includes(step.default)) {
      report(['default'], `Default route "${step.default}" is not one of: ${routes.join(', ')}.`);
    }
    if (
      !step.classify &&
      step.default === undefined &&
      Object.values(step.routes).some((r) => r.when === undefined)
    ) {
      report(
        ['routes'],
        'Without classify, every route needs a `when` expression (or name one route as default).',
      );
    }
    for (const [name, route] of Object.entries(step.routes)) {
      route.steps.forEach((id, index) => {
        if (!here.has(id) || id === step.id)
          report(['routes', name, 'steps', index], `Route "${name}" names unknown step "${id}".`);
      });
    }
  }
  if (step.kind === 'map' || step.kind === 'loop') {
    const visible = new Set([...outer, ...here.keys()]);
    checkLevel(step.steps, [...path, 'steps'], visible, context);
  }
}

// Names every JavaScript object has: a step so named could not be told apart from the object's own machinery.
const reservedIds = new Set(['__proto__', 'constructor', 'prototype']);

// Syntax errors are reported on their own; a step whose expressions do not parse reads nothing.
function safeReferences(step: Step): Set<string> {
  try {
    return stepReferences(step);
  } catch {
    return new Set();
  }
}

/** Calls `visit` on each computed field of a step with its path and whether it is a template. */
function forEachComputed(
  step: Step,
  visit: (value: Computed, field: Array<string | number>, isTemplate: boolean) => void,
): void {
  const mapping = (value: unknown, field: Array<string | number>) => {
    if (typeof value === 'string') visit(value, field, true);
    else if (Array.isArray(value)) {
      for (const [index, entry] of value.entries()) mapping(entry, [...field, index]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, entry] of Object.entries(value)) mapping(entry, [...field, key]);
    }
  };
  if (step.validate !== undefined) visit(step.validate, ['validate'], false);
  switch (step.kind) {
    case 'transform':
      visit(step.value, ['value'], false);
      break;
    case 'llm':
    case 'agent':
      visit(step.prompt, ['prompt'], true);
      if (step.system !== undefined) visit(step.system, ['system'], true);
      if (typeof step.messages === 'string') visit(step.messages, ['messages'], step.messages.includes('{{'));
      else mapping(step.messages, ['messages']);
      if (step.kind !== 'agent') break;
      if (typeof step.tools === 'string') visit(step.tools, ['tools'], step.tools.includes('{{'));
      mapping(step.state?.on, ['state', 'on']);
      for (const [name, guard] of Object.entries(step.guard ?? {})) visit(guard, ['guard', name], true);
      break;
    case 'tool':
    case 'workflow':
      mapping(step.input, ['input']);
      break;
    case 'approval':
      mapping(step.subject, ['subject']);
      break;
    case 'branch':
      for (const [name, route] of Object.entries(step.routes)) {
        if (route.when !== undefined) visit(route.when, ['routes', name, 'when'], false);
      }
      if (step.classify) visit(step.classify.prompt, ['classify', 'prompt'], true);
      break;
    case 'map':
    case 'loop':
      visit(step.kind === 'map' ? step.items : step.until, [step.kind === 'map' ? 'items' : 'until'], false);
      if (step.result !== undefined) visit(step.result, ['result'], false);
      break;
  }
}

function checkSchema(
  schema: unknown,
  path: Array<string | number>,
  stepId: string | undefined,
  problems: WorkflowProblem[],
) {
  try {
    z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    const loop = findRefLoop(schema);
    if (loop !== undefined) {
      throw new Error(
        `"$ref": "${loop}" leads back to itself without matching anything, so no check would end.`,
      );
    }
  } catch (error) {
    problems.push({
      path,
      ...(stepId ? { stepId } : {}),
      message: `Invalid JSON Schema: ${(error as Error).message}`,
    });
  }
}

function inputFields(schema: Workflow['input']): Set<string> | undefined {
  const properties = schema?.properties;
  if (typeof properties !== 'object' || properties === null) return undefined;
  return new Set(Object.keys(properties));
}

/** Depth-first search for a cycle; returns the node indexes on it, in order. */
function findCycle(deps: number[][]): number[] | undefined {
  const state = new Uint8Array(deps.length); // 0 new, 1 on stack, 2 done
  const stack: number[] = [];
  const visit = (node: number): number[] | undefined => {
    state[node] = 1;
    stack.push(node);
    for (const dep of deps[node] ?? []) {
      if (state[dep] === 1) {
        const cycle = stack.slice(stack.indexOf(dep)).reverse();
        const first = cycle.indexOf(Math.min(...cycle));
        return [...cycle.slice(first), ...cycle.slice(0, first)];
      }
      if (state[dep] === 0) {
        const cycle = visit(dep);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state[node] = 2;
    return undefined;
  };
  for (let node = 0; node < deps.length; node++) {
    if (state[node] === 0) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

const friendly: Record<string, string> = {
  maxIterations: 'A loop needs maxIterations: a cap on how many times it repeats.',
  items: 'A map needs items: an expression giving the list to map over.',
};

function fromZodIssue(issue: z.core.$ZodIssue, document: unknown): WorkflowProblem {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  const last = path[path.length - 1];
  const missing =
    typeof last === 'string' && valueAt(document, path) === undefined && issue.code !== 'unrecognized_keys';
  const message = missing ? (friendly[last as string] ?? `Missing required field "${last}".`) : issue.message;
  const stepId = stepIdAt(document, path);
  return stepId ? { path, stepId, message } : { path, message };
}

function valueAt(document: unknown, path: Array<string | number>): unknown {
  let node = document;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function stepIdAt(document: unknown, path: Array<string | number>): string | undefined {
  let node = document;
  let id: string | undefined;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) break;
    node = (node as Record<string | number, unknown>)[part];
    const candidate = (node as { id?: unknown } | null)?.id;
    if (typeof candidate === 'string') id = candidate;
  }
  return id;
}
