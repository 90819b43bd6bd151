import { BatonError, compileGraph, type Step, type Workflow } from '../core/index.js';
import type { DatasetRow, Variant } from './eval-file.js';

/**
 * The workflow a variant runs: alias overrides rewrite every model name that names the alias
 * (`default` stands for steps with no model), and step overrides replace a step's model, prompt,
 * system or agent state. The result is a new definition, so each variant's runs carry its own
 * definition hash and `baton show` names the models it used.
 */
export function applyVariant(workflow: Workflow, variant: Pick<Variant, 'models' | 'steps'>): Workflow {
  const aliases = variant.models ?? {};
  const overrides = variant.steps ?? {};
  const found = new Set<string>();
  const rewrite = (steps: readonly Step[]): Step[] =>
    steps.map((original) => {
      const step = { ...original } as Step & Record<string, unknown>;
      if (callsModel(step)) {
        const model = step.model as string | string[] | undefined;
        const renamed = renameModel(model, aliases);
        if (renamed !== undefined) step.model = renamed;
      }
      if (step.kind === 'branch' && step.classify) {
        const renamed = renameModel(step.classify.model, aliases);
        if (renamed !== undefined) step.classify = { ...step.classify, model: renamed as string };
      }
      const override = Object.hasOwn(overrides, step.id) ? overrides[step.id] : undefined;
      if (override) {
        found.add(step.id);
        for (const [field, value] of Object.entries(override)) if (value !== undefined) step[field] = value;
      }
      if ((step.kind === 'map' || step.kind === 'loop') && Array.isArray(step.steps)) {
        step.steps = rewrite(step.steps as Step[]);
      }
      return step as Step;
    });
  const steps = rewrite(workflow.steps);
  const missing = Object.keys(overrides).filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new BatonError(
      'INPUT_INVALID',
      `Variant overrides steps the workflow does not have: ${missing.join(', ')}.`,
      {
        hint: `Steps of ${workflow.name}: ${workflow.steps.map((step) => step.id).join(', ')}.`,
      },
    );
  }
  return { ...workflow, steps };
}

function callsModel(step: Step): boolean {
  return step.kind === 'llm' || step.kind === 'agent';
}

function renameModel(
  model: string | string[] | undefined,
  aliases: Readonly<Record<string, string>>,
): string | string[] | undefined {
  if (Object.keys(aliases).length === 0) return undefined;
  if (model === undefined) return Object.hasOwn(aliases, 'default') ? aliases.default : undefined;
  const rename = (name: string) => (Object.hasOwn(aliases, name) ? (aliases[name] as string) : name);
  return Array.isArray(model) ? model.map(rename) : rename(model);
}

/**
 * The workflow of `step:` mode: the step under test, with every top-level step it depends on
 * (directly or not) replaced by a constant taken from the row's `steps`, and nothing else. Only
 * the step under test calls a model; its output is the run's output.
 */
export function isolateStep(workflow: Workflow, stepId: string, row: DatasetRow): Workflow {
  const graph = compileGraph(workflow.steps);
  const index = graph.byId.get(stepId);
  if (index === undefined) {
    throw new BatonError(
      'INPUT_INVALID',
      `The eval's step "${stepId}" is not a top-level step of ${workflow.name}.`,
      {
        hint: `Top-level steps: ${workflow.steps.map((step) => step.id).join(', ')}.`,
      },
    );
  }
  const upstream = new Set<number>();
  const visit = (at: number) => {
    for (const dep of graph.nodes[at]?.deps ?? []) {
      if (!upstream.has(dep)) {
        upstream.add(dep);
        visit(dep);
      }
    }
  };
  visit(index);
  const given = row.steps ?? {};
  const constants: Step[] = [...upstream]
    .sort((a, b) => a - b)
    .map((at) => {
      const id = workflow.steps[at]?.id ?? '';
      if (!Object.hasOwn(given, id)) {
        throw new BatonError(
          'INPUT_INVALID',
          `Row "${row.id}" gives no output for step "${id}", which "${stepId}" reads.`,
          {
            hint: `In step mode each row carries the outputs upstream of the step: { "steps": { "${id}": ... } }.`,
          },
        );
      }
      // A JSON literal is a JSONata expression that evaluates to itself.
      return { id, kind: 'transform', value: JSON.stringify(given[id] ?? null) } as Step;
    });
  const target = workflow.steps[index] as Step;
  return { ...workflow, steps: [...constants, target], output: `{{ steps.${stepId} }}` };
}
