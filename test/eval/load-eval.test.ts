import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromModels } from '../../src/baton.js';
import { evalSchemaFile, renderEvalJsonSchema } from '../../src/eval/generate-eval-schema.js';
import { loadDataset, loadEvalFile } from '../../src/eval/load-eval.js';
import { evaluate } from '../../src/eval/run-eval.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { answering, planOf, resolverOf, rows, specOf } from './eval-fixtures.js';

const folder = () => mkdtempSync(join(tmpdir(), 'baton-eval-'));

describe('loadEvalFile', () => {
  it('names the line and column of every problem', async () => {
    const dir = folder();
    const file = join(dir, 'bad.eval.yaml');
    writeFileSync(
      file,
      [
        'name: bad',
        'workflow: ./flow.yaml',
        'dataset: ./rows.jsonl',
        'variants:',
        '  - { id: a, baseline: true }',
        '  - { id: b, baseline: true }',
        'scorers:',
        '  - { id: ok, type: equals }',
        'primary: nope',
        'margin: 10',
      ].join('\n'),
    );
    await expect(loadEvalFile(file)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(
        /bad\.eval\.yaml:5:3: exactly one variant must be the baseline \(found 2\)[\s\S]*bad\.eval\.yaml:9:10: primary "nope" is not a scorer id/,
      ),
    });
  });

  it('rejects an unknown field at its line', async () => {
    const dir = folder();
    const file = join(dir, 'typo.eval.yaml');
    writeFileSync(file, 'name: t\nworkflow: w.yaml\ndataset: d.jsonl\nmargn: 5\n');
    await expect(loadEvalFile(file)).rejects.toThrow(/typo\.eval\.yaml:1:1: .*Unrecognized key.*margn/);
  });

  it('reads CSV rows with dotted columns, JSON cells and tags', async () => {
    const file = join(folder(), 'rows.csv');
    writeFileSync(file, 'id,input.q,input.n,expected,tags\n1,"hello, world",3,"{""a"":1}",x;y\n');
    expect(await loadDataset(file)).toEqual([
      { id: '1', input: { q: 'hello, world', n: 3 }, expected: { a: 1 }, tags: ['x', 'y'] },
    ]);
  });

  it('names the line of a bad JSONL row and refuses a repeated id', async () => {
    const file = join(folder(), 'rows.jsonl');
    writeFileSync(file, '{"id":"a","input":{}}\n\n{"id":"a","input":{}}\n');
    await expect(loadDataset(file)).rejects.toThrow(/rows\.jsonl:3: row id "a" is used twice/);
    writeFileSync(file, '{"id":"a","input":{}}\n{oops}\n');
    await expect(loadDataset(file)).rejects.toThrow(/rows\.jsonl:2: not JSON/);
  });

  it('ships the JSON Schema generated from the Zod schema (run `npm run schema` after changing it)', () => {
    expect(readFileSync(evalSchemaFile, 'utf8')).toBe(renderEvalJsonSchema());
  });
});

describe('unpriced models', () => {
  it('marks the cost unknown, never $0, and leaves cost checks unscored', async () => {
    const strong = answering(() => false);
    const models = fromModels({
      strong: { model: strong, pricing: { inputPerMillion: 1, outputPerMillion: 1 } },
      cheap: answering(() => false),
    });
    const spec = specOf({
      scorers: [
        { id: 'correct', type: 'equals' },
        { id: 'cheap-enough', type: 'cost', maxUsd: 1 },
      ],
    });
    const report = await evaluate(planOf(spec, rows(5)), { store: new MemoryStore(), models });
    const cheap = report.variants.find((variant) => variant.id === 'cheap');
    expect(cheap?.costPerCase).toBeNull();
    expect(cheap?.deltaCostPercent).toBeNull();
    expect(cheap?.unpricedModels).toEqual(['test:prompt']);
    expect(
      report.cells
        .filter((cell) => cell.variant === 'cheap')
        .every((cell) => 'unscored' in (cell.scores['cheap-enough'] ?? {})),
    ).toBe(true);
    expect(report.variants.find((variant) => variant.baseline)?.costPerCase).toBeGreaterThan(0);
    void resolverOf;
  });
});
