/**
 * What streaming a model's answer costs Baton's process: 100 `llm` steps in parallel on a
 * scripted model that streams its answer a word per chunk (as providers stream tokens), at two
 * answer lengths, on a fresh engine with default options. The model itself costs nothing, so the
 * figure is the AI SDK's stream pipeline plus Baton's delta coalescing and events, per call and
 * per streamed chunk. No goal: a real provider spends seconds per call; this is the CPU a process
 * running many calls at once pays on top.
 */
import type * as Testing from '../src/testing/index.js';
import { baton, load, spread } from './measure.js';

const testing = (await import(new URL('../dist/testing/index.js', import.meta.url).href)) as typeof Testing;
const steps = 100;

export default async function streamingBench(): Promise<void> {
  for (const words of [20, 200]) {
    const text = Array.from({ length: words }, (_, index) => `word${index}`).join(' ');
    let builder = baton.workflow('streaming');
    for (let index = 0; index < steps; index++)
      builder = builder.llm(`answer${index}`, { prompt: `Question ${index}` }) as typeof builder;
    const definition = builder.build();
    const figures = await spread(6, async () => {
      const model = testing.createScriptedModel({ otherwise: text });
      const engine = baton.createBaton({ store: new baton.MemoryStore(), models: { default: model } });
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const result = await engine.run(definition, { cache: false });
      const wall = Number(process.hrtime.bigint() - started) / 1000;
      const used = process.cpuUsage(cpu);
      if (result.status !== 'succeeded')
        throw new Error(`bench run ${result.status}: ${result.error?.message}`);
      return { wall, cpu: used.user + used.system };
    });
    const perCall = (micros: number) => (micros / steps / 1000).toFixed(2);
    const perChunk = (micros: number) => (micros / steps / words).toFixed(0);
    console.log(
      `${steps} parallel llm steps, ${words}-word answers: CPU median ${perCall(figures.median.cpu)} ms/call ` +
        `(${perChunk(figures.median.cpu)} us/chunk), best ${perCall(figures.best.cpu)} ms/call; ` +
        `wall median ${(figures.median.wall / 1000).toFixed(0)} ms (${load()})`,
    );
  }
}
