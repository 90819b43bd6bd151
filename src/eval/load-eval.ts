import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { LineCounter, parseDocument } from 'yaml';
import { locatePath, toLocation } from '../authoring/yaml/source-locations.js';
import { BatonError, type SourceLocation } from '../core/index.js';
import { type DatasetRow, DatasetRowSchema, type EvalFile, EvalFileSchema } from './eval-file.js';

/** An eval file with its dataset read and its paths resolved against the file's folder. */
export interface LoadedEval {
  file: string;
  spec: EvalFile;
  rows: DatasetRow[];
  /** Absolute paths of the files named in the spec. */
  paths: { workflow: string; dataset: string; models?: string; variants: Record<string, string> };
}

/**
 * Loads and checks an eval file and its dataset; every problem names its file, line and column.
 *
 * @example
 * ```ts
 * const loaded = await loadEvalFile('examples/multi-step-orchestration/routing.eval.yaml');
 * loaded.rows.length; // 40
 * ```
 */
export async function loadEvalFile(file: string): Promise<LoadedEval> {
  const text = await readText(file, 'eval file');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const first = document.errors[0];
  if (first)
    throw invalid(file, [{ at: toLocation(lineCounter, file, first.pos[0]), message: first.message }]);
  const data: unknown = document.toJS({ maxAliasCount: 100 });
  const parsed = EvalFileSchema.safeParse(data);
  if (!parsed.success) {
    throw invalid(
      file,
      parsed.error.issues.map((issue) => ({
        at: locatePath(document, lineCounter, file, issue.path as Array<string | number>),
        message: `${issue.path.join('.') || '(file)'}: ${issue.message}`,
      })),
    );
  }
  const spec = parsed.data;
  const problems = checkReferences(spec).map((problem) => ({
    at: locatePath(document, lineCounter, file, problem.path),
    message: problem.message,
  }));
  if (problems.length > 0) throw invalid(file, problems);
  const folder = dirname(resolve(file));
  const paths: LoadedEval['paths'] = {
    workflow: resolve(folder, spec.workflow),
    dataset: resolve(folder, spec.dataset),
    variants: Object.fromEntries(
      spec.variants.flatMap((variant) =>
        variant.workflow === undefined ? [] : [[variant.id, resolve(folder, variant.workflow)]],
      ),
    ),
  };
  if (spec.models !== undefined) paths.models = resolve(folder, spec.models);
  return { file, spec, rows: await loadDataset(paths.dataset), paths };
}

function checkReferences(spec: EvalFile): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const baselines = spec.variants.filter((variant) => variant.baseline === true);
  if (baselines.length !== 1) {
    problems.push({
      path: ['variants'],
      message: `exactly one variant must be the baseline (found ${baselines.length})`,
    });
  }
  const seen = new Set<string>();
  spec.variants.forEach((variant, index) => {
    if (seen.has(variant.id))
      problems.push({ path: ['variants', index, 'id'], message: `variant "${variant.id}" is listed twice` });
    seen.add(variant.id);
  });
  const scorerIds = new Set<string>();
  spec.scorers.forEach((scorer, index) => {
    if (scorerIds.has(scorer.id))
      problems.push({ path: ['scorers', index, 'id'], message: `scorer "${scorer.id}" is listed twice` });
    scorerIds.add(scorer.id);
    if (
      (scorer.type === 'judge' || scorer.type === 'pairwise') &&
      scorer.model === undefined &&
      spec.judge === undefined
    ) {
      problems.push({
        path: ['scorers', index],
        message: `scorer "${scorer.id}" needs a model: set \`model\` or \`judge.model\``,
      });
    }
  });
  if (!scorerIds.has(spec.primary)) {
    problems.push({
      path: ['primary'],
      message: `primary "${spec.primary}" is not a scorer id (${[...scorerIds].join(', ')})`,
    });
  }
  for (const key of Object.keys(spec.thresholds ?? {})) {
    if (!scorerIds.has(key))
      problems.push({ path: ['thresholds', key], message: `threshold "${key}" is not a scorer id` });
  }
  return problems;
}

/**
 * Reads dataset rows from JSONL (one object a line), YAML (a list) or CSV (columns `id`,
 * `input` or `input.<field>`, `expected` or `expected.<field>`, `tags` separated by `;`; a cell
 * that parses as JSON is read as JSON).
 */
export async function loadDataset(path: string): Promise<DatasetRow[]> {
  const text = await readText(path, 'dataset');
  const extension = extname(path).toLowerCase();
  let raw: Array<{ value: unknown; line: number }>;
  if (extension === '.jsonl' || extension === '.ndjson') {
    raw = text.split('\n').flatMap((line, index) => {
      if (line.trim() === '') return [];
      try {
        return [{ value: JSON.parse(line) as unknown, line: index + 1 }];
      } catch (error) {
        throw rowProblem(path, index + 1, `not JSON: ${(error as Error).message}`);
      }
    });
  } else if (extension === '.csv') {
    const records = parseCsv(text, { columns: true, skip_empty_lines: true, info: true }) as Array<{
      record: Record<string, string>;
      info: { lines: number };
    }>;
    raw = records.map(({ record, info }) => ({ value: fromCsvRecord(record), line: info.lines }));
  } else if (extension === '.yaml' || extension === '.yml' || extension === '.json') {
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter, prettyErrors: false });
    const first = document.errors[0];
    if (first) throw rowProblem(path, lineCounter.linePos(first.pos[0]).line, first.message);
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (!Array.isArray(value)) throw rowProblem(path, 1, 'a YAML or JSON dataset is a list of rows');
    raw = value.map((row, index) => ({
      value: row,
      line: locatePath(document, lineCounter, path, [index]).line,
    }));
  } else {
    throw new BatonError('INPUT_INVALID', `Dataset ${path}: unknown format "${extension}".`, {
      hint: 'Use .jsonl, .yaml, .json or .csv.',
    });
  }
  const seen = new Set<string>();
  return raw.map(({ value, line }) => {
    const parsed = DatasetRowSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw rowProblem(path, line, `${issue?.path.join('.') || 'row'}: ${issue?.message ?? 'invalid'}`);
    }
    if (seen.has(parsed.data.id)) throw rowProblem(path, line, `row id "${parsed.data.id}" is used twice`);
    seen.add(parsed.data.id);
    return parsed.data;
  });
}

function fromCsvRecord(record: Record<string, string>): Record<string, unknown> {
  const row: Record<string, unknown> = Object.create(null);
  for (const [column, cell] of Object.entries(record)) {
    const value = column === 'tags' || column === 'id' ? cell : readCell(cell);
    const [head, ...rest] = column.split('.');
    if (head === undefined) continue;
    if (column === 'tags') {
      row.tags = cell === '' ? [] : cell.split(';').map((tag) => tag.trim());
    } else if (rest.length === 0) {
      row[head] = value;
    } else {
      if (row[head] === undefined) row[head] = Object.create(null);
      (row[head] as Record<string, unknown>)[rest.join('.')] = value;
    }
  }
  return { ...row };
}

function readCell(cell: string): unknown {
  try {
    return JSON.parse(cell);
  } catch {
    return cell;
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new BatonError('INPUT_INVALID', `Cannot read the ${what} ${path}: ${(error as Error).message}`, {
      hint: 'Paths in an eval file are relative to the eval file.',
    });
  }
}

function rowProblem(path: string, line: number, message: string): BatonError {
  return new BatonError('INPUT_INVALID', `${path}:${line}: ${message}`, {
    location: { file: path, line, column: 1 },
    hint: 'Each row is { id, input, expected?, tags?, approvals?, steps? }.',
  });
}

function invalid(file: string, problems: Array<{ at: SourceLocation; message: string }>): BatonError {
  const lines = problems.map(({ at, message }) => `${at.file}:${at.line}:${at.column}: ${message}`);
  return new BatonError('INPUT_INVALID', `${file} is not a valid eval file:\n${lines.join('\n')}`, {
    ...(problems[0] ? { location: problems[0].at } : {}),
    hint: 'See docs/eval.md for the eval file format.',
    details: { file, problems: lines },
  });
}
