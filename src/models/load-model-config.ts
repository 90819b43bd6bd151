import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Node } from 'yaml';
import { checkModelConfig, type ModelConfig, type ModelConfigProblem } from './model-config.js';
import { configInvalid } from './model-errors.js';
import { yamlLibrary } from './yaml-library.js';

/** The config file names looked for, in this order, in the working directory. */
export const configFileNames = [
  'baton.config.yaml',
  'baton.config.yml',
  'baton.config.ts',
  'baton.config.mts',
  'baton.config.js',
  'baton.config.mjs',
] as const;

export interface LoadedModelConfig {
  config: ModelConfig;
  /** The file it came from; undefined when there is none. */
  file: string | undefined;
}

/**
 * Finds `baton.config.yaml` (or `.yml`, `.ts`, `.mts`, `.js`, `.mjs`) in `cwd` and returns its
 * `models` section, checked. A YAML mistake or an invalid setting fails with the file:line:column
 * of the offending setting in the message (and in `details`). No file means an empty config (the default model is then local or mock).
 * A TypeScript or JavaScript config default-exports `{ models: { ... } }`, or a function returning it.
 *
 * @example
 * ```ts
 * const { config, file } = await loadModelConfig(process.cwd());
 * const models = createModelRegistry(config);
 * ```
 */
export async function loadModelConfig(cwd: string): Promise<LoadedModelConfig> {
  for (const name of configFileNames) {
    const file = join(cwd, name);
    if (!(await isFile(file))) continue;
    const config =
      name.endsWith('.yaml') || name.endsWith('.yml') ? await loadYaml(file) : await loadModule(file);
    return { config, file };
  }
  return { config: {}, file: undefined };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Parses the text of a `baton.config.yaml` and returns its `models` section, checked; `file`
 * names it in errors, each with its line and column.
 *
 * @example
 * ```ts
 * const config = parseModelConfigYaml('models:\n  default: mock:fast\n', 'baton.config.yaml');
 * ```
 */
export function parseModelConfigYaml(text: string, file: string): ModelConfig {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  const syntax = document.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? 1;
    const column = syntax.linePos?.[0]?.col ?? 1;
    throw configInvalid(`${file}:${line}:${column}: not valid YAML: ${firstLine(syntax.message)}.`, {
      hint: 'Fix the YAML syntax at that line.',
      cause: syntax,
      details: { file, line, column },
    });
  }
  const root = document.toJS() as unknown;
  const models = isRecord(root) ? root.models : undefined;
  const { config, problems } = checkModelConfig(models);
  if (problems.length > 0) {
    throw invalidConfig(
      file,
      problems.map((problem) => {
        const node = nodeAt(document.contents, ['models', ...problem.path]);
        const position = lineCounter.linePos(node?.range?.[0] ?? 0);
        return { ...problem, line: position.line, column: position.col };
      }),
    );
  }
  return config;
}

async function loadYaml(file: string): Promise<ModelConfig> {
  return parseModelConfigYaml(await readFile(file, 'utf8'), file);
}

async function loadModule(file: string): Promise<ModelConfig> {
  let exported: unknown;
  try {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    exported =
      typeof module.default === 'function' ? await (module.default as () => unknown)() : module.default;
  } catch (error) {
    throw configInvalid(
      `${file} could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: `Run \`node ${basename(file)}\` to see the full error.`,
        cause: error,
        details: { file },
      },
    );
  }
  const models = isRecord(exported) ? exported.models : undefined;
  const { config, problems } = checkModelConfig(models);
  if (problems.length > 0) throw invalidConfig(file, problems);
  return config;
}

/** One line per problem, `file:line:column: models.path: message`, as compilers print them. */
function invalidConfig(
  file: string,
  problems: Array<ModelConfigProblem & { line?: number; column?: number }>,
) {
  const lines = problems.map((problem) => {
    const where = problem.line === undefined ? file : `${file}:${problem.line}:${problem.column}`;
    return `${where}: ${['models', ...problem.path].join('.')}: ${problem.message}`;
  });
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return configInvalid(`${file} has ${count} in its models section:\n${lines.join('\n')}`, {
    hint: 'Fix each line above; docs/models.md lists the settings of the models section.',
    details: { file, problems },
  });
}

/**
 * The deepest YAML node on a path. A problem about a key that should not be there (zod reports
 * it on the parent object) points at the parent; a missing value points at its parent.
 */
function nodeAt(contents: unknown, path: Array<string | number>): Node | undefined {
  const { isMap, isNode, isScalar, isSeq } = yamlLibrary();
  let node = contents as Node | undefined;
  for (const [index, key] of path.entries()) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
      // The key is where a reader looks for a setting; its value may start lines below.
      next = index === path.length - 1 ? pair?.key : pair?.value;
    } else if (isSeq(node) && typeof key === 'number') {
      next = node.items[key];
    }
    if (!isNode(next)) break;
    node = next;
  }
  return node;
}

/** The YAML library's message without the position and code excerpt it appends. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
