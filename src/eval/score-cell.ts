import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { canonicalJson, evaluateExpression } from '../core/index.js';
import type { DatasetRow, Scorer } from './eval-file.js';

/** What one cell (a case × variant × repeat run) ended with, as the scorers see it. */
export interface CellResult {
  runId: string;
  status: string;
  output: unknown;
  costUsd: number;
  /** False when a model it called has no price: its cost is unknown, not zero. */
  priced: boolean;
  unpricedModels: string[];
  durationMs: number;
  tokens: number;
  errorCode?: string;
}

/** A score from 0 to 1 and whether it passes, or why it could not be scored. */
export type Score = { value: number; pass: boolean } | { unscored: string };

export type DeterministicScorer = Exclude<Scorer, { type: 'judge' } | { type: 'pairwise' }>;

export function isDeterministic(scorer: Scorer): scorer is DeterministicScorer {
  return scorer.type !== 'judge' && scorer.type !== 'pairwise';
}

/** Whether a scorer's scores are pass/fail (0 or 1): those get McNemar statistics. */
export function isBinary(scorer: Scorer): boolean {
  return !['levenshtein', 'judge', 'pairwise', 'jsonata'].includes(scorer.type);
}

const pass = (ok: boolean): Score => ({ value: ok ? 1 : 0, pass: ok });

/**
 * Scores a cell with a deterministic scorer. A run that did not succeed fails every check of its
 * output (it has none); cost and latency are checked whatever the run ended with.
 */
export async function scoreDeterministic(
  scorer: DeterministicScorer,
  cell: CellResult,
  row: DatasetRow,
): Promise<Score> {
  if (scorer.type === 'cost') {
    return cell.priced
      ? pass(cell.costUsd <= scorer.maxUsd)
      : { unscored: `unpriced model: ${cell.unpricedModels.join(', ')}` };
  }
  if (scorer.type === 'latency') return pass(cell.durationMs <= scorer.maxMs);
  if (cell.status !== 'succeeded') return pass(false);
  const scope = { output: cell.output, expected: row.expected, input: row.input, row };
  switch (scorer.type) {
    case 'equals':
      return pass(
        canonicalJson(await pick(cell.output, scorer.path)) ===
          canonicalJson(await expectedOf(scorer.expected, scope)),
      );
    case 'contains': {
      const text = textOf(await pick(cell.output, scorer.path));
      const wanted = scorer.value ?? textOf(await expectedOf(scorer.expected, scope));
      return pass(
        scorer.ignoreCase ? text.toLowerCase().includes(wanted.toLowerCase()) : text.includes(wanted),
      );
    }
    case 'regex':
      return pass(
        new RegExp(scorer.pattern, scorer.flags).test(textOf(await pick(cell.output, scorer.path))),
      );
    case 'json-schema':
      return pass(
        z.fromJSONSchema(scorer.schema as never).safeParse(await pick(cell.output, scorer.path)).success,
      );
    case 'levenshtein': {
      const a = textOf(await pick(cell.output, scorer.path));
      const b = textOf(await expectedOf(scorer.expected, scope));
      const longest = Math.max(a.length, b.length);
      const similarity = longest === 0 ? 1 : 1 - distance(a, b) / longest;
      return { value: similarity, pass: similarity >= (scorer.threshold ?? 0.8) };
    }
    case 'jsonata': {
      const value = await evaluateExpression(scorer.expression, scope);
      if (typeof value === 'boolean') return pass(value);
      if (typeof value === 'number' && value >= 0 && value <= 1) return { value, pass: value >= 0.5 };
      return { unscored: `expression gave ${JSON.stringify(value) ?? 'nothing'}, not true/false or 0–1` };
    }
  }
}

async function pick(output: unknown, path: string | undefined): Promise<unknown> {
  return path === undefined ? output : evaluateExpression(path, output as Record<string, unknown>);
}

async function expectedOf(path: string | undefined, scope: Record<string, unknown>): Promise<unknown> {
  return evaluateExpression(path ?? 'expected', scope);
}

function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
