import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBaton, MemoryStore, workflow } from '../../src/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { createScriptedModel, createTestBaton } from '../../src/testing/index.js';

const definition = workflow('greet').llm('ask', { prompt: 'hello' }).build();

describe('createTestBaton', () => {
  it('journals to an in-memory store of its own for each engine', async () => {
    const store = new MemoryStore();
    const first = createTestBaton({ models: { default: createScriptedModel(['first']) }, store });
    const second = createTestBaton({ models: { default: createScriptedModel(['second']) } });
    const firstRun = await first.run(definition);
    expect(firstRun.output).toEqual({ ask: 'first' });
    expect((await second.run(definition)).output).toEqual({ ask: 'second' });
    expect(await store.getRun(firstRun.runId)).toBeDefined();
    expect(await store.listRuns()).toHaveLength(1);
  });
});

describe('scripted models and the model cache', () => {
  it("never answer from another scripted model's cache entry, even in one SQLite journal", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'baton-scripted-')), 'baton.db');
    const run = async (answer: string) => {
      const store = createSqliteStore({ path });
      try {
        const baton = createBaton({ store, models: { default: createScriptedModel([answer]) } });
        return (await baton.run(definition)).output;
      } finally {
        await store.close();
      }
    };
    expect(await run('test A')).toEqual({ ask: 'test A' });
    expect(await run('test B')).toEqual({ ask: 'test B' });
  });
});
