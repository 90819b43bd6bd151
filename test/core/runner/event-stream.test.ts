import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createEngine,
  isLiveEvent,
  type JournaledEvent,
  type StepHandler,
  type StreamEvent,
} from '../../../src/core/index.js';
import { coreStepHandlers } from '../../../src/core/steps/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { SqliteStore } from '../../../src/store/sqlite/index.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { deferred, define, setup } from '../fixtures.js';
import { checkSeam, thousandEvents } from './event-seam.js';

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const seen: StreamEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('the seam between the journal and live events', () => {
  it('joins a 1,000-event run in this process midway and reconnects twice without a gap or a duplicate', async () => {
    const store = new MemoryStore();
    const engine = createEngine({ store, concurrency: 4 });
    await checkSeam(engine, engine, store);
  });

  it('follows a run another engine executes, by the journal', async () => {
    const store = new MemoryStore();
    await checkSeam(createEngine({ store, concurrency: 4 }), createEngine({ store }), store);
  });

  it('does the same on SQLite, in this process and from another connection to the file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'baton-events-'));
    directories.push(directory);
    const path = join(directory, 'baton.db');
    const store = new SqliteStore(path);
    const other = new SqliteStore(path);
    try {
      const engine = createEngine({ store, concurrency: 4 });
      await checkSeam(engine, engine, store);
      await checkSeam(engine, createEngine({ store: other }), other);
    } finally {
      await other.close();
      await store.close();
    }
  });
});

describe('engine.events', () => {
  it('rejects an unknown run with RUN_NOT_FOUND', async () => {
    const { engine } = setup();
    await expect(collect(engine.events('run_missing'))).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('ends at once after the last event of an ended run, and replays all of it from 0', async () => {
    const { engine, store } = setup();
    const result = await engine.run(define({ steps: [{ id: 'a', kind: 'transform', value: '1' }] }));
    const journal = await store.readEvents(result.runId);
    expect(await collect(engine.events(result.runId))).toEqual(journal);
    expect(await collect(engine.events(result.runId, { after: journal.length }))).toEqual([]);
    expect(await collect(engine.events(result.runId, { after: 2 }))).toEqual(journal.slice(2));
  });

  it('stops at a waiting run-end, or with follow goes on into the run continued later', async () => {
    const { engine, store } = setup();
    const definition = define({
      steps: [
        { id: 'review', kind: 'approval', subject: 'go?' },
        { id: 'done', kind: 'transform', value: '"ok"', needs: ['review'] },
      ],
    });
    const waiting = await engine.run(definition);
    const untilWaiting = await collect(engine.events(waiting.runId));
    expect(untilWaiting.at(-1)).toMatchObject({ type: 'run-end', status: 'waiting' });
    const followed = collect(engine.events(waiting.runId, { follow: true }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await engine.approve(waiting.runId, 'review');
    const all = (await followed) as JournaledEvent[];
    expect(all.at(-1)).toMatchObject({ type: 'run-end', status: 'succeeded' });
    expect(all).toEqual(await store.readEvents(waiting.runId));
  });

  it("follows a run continued by another engine through the store's notifications, and stops listening at its end", async () => {
    /** A memory store that tells followers of a run when its events are appended, as Postgres does. */
    class NotifyingStore extends MemoryStore {
      followers = new Set<() => void>();
      follows = 0;
      followed = deferred();
      followEvents(_runId: string, onWake: () => void): () => void {
        this.follows++;
        this.followers.add(onWake);
        this.followed.resolve();
        return () => this.followers.delete(onWake);
      }
      override async appendEvents(...args: Parameters<MemoryStore['appendEvents']>): Promise<void> {
        await super.appendEvents(...args);
        for (const wake of this.followers) wake();
      }
    }
    const store = new NotifyingStore();
    const reader = createEngine({ store });
    const runner = createEngine({ store });
    const definition = define({
      steps: [
        { id: 'review', kind: 'approval', subject: 'go?' },
        { id: 'done', kind: 'transform', value: '"ok"', needs: ['review'] },
      ],
    });
    const waiting = await runner.run(definition);
    // The reader's fallback poll never fires: only the store's notification can wake it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const followed = collect(reader.events(waiting.runId, { follow: true }));
      await store.followed.promise;
      await runner.approve(waiting.runId, 'review');
      const all = (await followed) as JournaledEvent[];
      expect(all).toEqual(await store.readEvents(waiting.runId));
      expect(all.at(-1)).toMatchObject({ type: 'run-end', status: 'succeeded' });
    } finally {
      vi.useRealTimers();
    }
    expect(store.follows).toBe(1);
    expect(store.followers.size).toBe(0);
  });

  it('hands a reader following a waiting run the continued execution live, streamed text included', async () => {
    const answer = 'one two three four five six seven eight nine ten';
    const { engine } = setup({ model: createScriptedModel([{ text: answer, chunkDelayMs: 30 }]) });
    const definition = define({
      steps: [
        { id: 'review', kind: 'approval', subject: 'go?' },
        { id: 'ask', kind: 'llm', model: 'test', prompt: 'Go', needs: ['review'] },
      ],
    });
    const waiting = await engine.run(definition);
    const followed = collect(engine.events(waiting.runId, { follow: true }));
    // The reader is now between two reads of the journal; the approval must not wait for the next.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await engine.approve(waiting.runId, 'review');
    const deltas = (await followed).filter((event) => event.type === 'step-delta');
    expect(deltas.map((event) => event.delta.text).join('')).toBe(answer);
  });

  it('ends quietly when its signal aborts', async () => {
    const release = deferred();
    const { engine } = setup();
    const handle = await engine.start(
      define(
        { steps: [{ id: 'held', kind: 'transform', value: { function: 'held' } }] },
        { held: () => release.promise },
      ),
    );
    const controller = new AbortController();
    const reading = collect(engine.events(handle.runId, { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const seen = await reading;
    expect(seen.map((event) => event.type)).toEqual(['run-start', 'step-start']);
    release.resolve();
    expect((await handle.result).status).toBe('succeeded');
  });
});

/** `transform`, except that it first streams `count` deltas, as a model step would. */
function chattyTransform(count: number): StepHandler {
  const transform = coreStepHandlers.transform as StepHandler;
  return {
    leaf: true,
    async execute(step, context) {
      for (let index = 0; index < count; index++) {
        // A model streams over time: a reader that keeps up takes each delta before the next.
        await new Promise((resolve) => setImmediate(resolve));
        context.run.emit({
          type: 'step-delta',
          runId: context.run.id,
          path: context.path,
          attempt: context.attempt,
          time: Date.now(),
          delta: { kind: 'text', text: `${index} ` },
        });
      }
      return transform.execute(step, context);
    },
  };
}

describe('slow consumers and listeners', () => {
  it('never stall a run: a reader that falls behind re-reads the journal and misses no journaled event', async () => {
    const store = new MemoryStore();
    const engine = createEngine({ store, concurrency: 4, eventBufferSize: 20 });
    const handle = await engine.start(thousandEvents);
    const iterator = handle.events[Symbol.asyncIterator]();
    const first = await iterator.next();
    // The reader takes nothing more until the run has ended: its buffer of 20 overflowed long ago.
    const result = await handle.result;
    expect(result.status).toBe('succeeded');
    const rest: StreamEvent[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value);
    expect([first.value, ...rest]).toEqual(await store.readEvents(handle.runId));
  });

  it('drop live deltas first when a reader falls behind, and pass them all to one that keeps up', async () => {
    const store = new MemoryStore();
    const engine = createEngine({
      store,
      eventBufferSize: 50,
      stepHandlers: { transform: chattyTransform(200) },
    });
    const definition = define({ steps: [{ id: 'say', kind: 'transform', value: '"said"' }] });
    const handle = await engine.start(definition);
    const slow = handle.events[Symbol.asyncIterator]();
    const fast = collect(handle.events);
    const first = await slow.next();
    await handle.result;
    const slowRest: StreamEvent[] = [];
    for (let next = await slow.next(); !next.done; next = await slow.next()) slowRest.push(next.value);
    const journal = await store.readEvents(handle.runId);
    const slowSeen = [first.value as StreamEvent, ...slowRest];
    expect(slowSeen.filter((event) => !isLiveEvent(event))).toEqual(journal);
    expect(slowSeen.filter(isLiveEvent).length).toBeLessThan(200);
    const fastSeen = await fast;
    expect(fastSeen.filter((event) => !isLiveEvent(event))).toEqual(journal);
    const deltas = fastSeen.filter((event) => event.type === 'step-delta');
    expect(deltas.map((event) => event.delta.text).join('')).toBe(
      Array.from({ length: 200 }, (_, index) => `${index} `).join(''),
    );
    // Deltas come between their step's start and end, and are never journaled.
    const types = fastSeen.map((event) => event.type);
    expect(types.indexOf('step-delta')).toBeGreaterThan(types.indexOf('step-start'));
    expect(types.lastIndexOf('step-delta')).toBeLessThan(types.indexOf('step-end'));
    expect(journal.some((event) => (event.type as string) === 'step-delta')).toBe(false);
  });

  it('a throwing listener changes neither the outcome nor what readers get', async () => {
    const reported: unknown[] = [];
    const { engine, store } = setup({ onListenerError: (error) => reported.push(error) });
    engine.subscribe(() => {
      throw new Error('listener boom');
    });
    const handle = await engine.start(define({ steps: [{ id: 'a', kind: 'transform', value: '1 + 1' }] }), {
      onEvent: () => Promise.reject(new Error('async boom')),
    });
    const seen = await collect(handle.events);
    expect(await handle.result).toMatchObject({ status: 'succeeded', output: { a: 2 } });
    expect(seen).toEqual(await store.readEvents(handle.runId));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reported.map((error) => (error as Error).message).sort()).toEqual(['async boom', 'listener boom']);
  });
});
