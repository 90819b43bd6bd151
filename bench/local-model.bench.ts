/**
 * Decoding speed of a GGUF model through Baton's local model (AI SDK `generateText`) against
 * node-llama-cpp called directly: same model, prompt, token count, one thread, greedy.
 * Goal: Baton keeps at least 97% of the direct speed. The ratio compares the fastest runs: on a
 * shared machine other processes only ever slow a run down, so the fastest is the closest to
 * the true cost; medians are printed too.
 */
import { generateText } from 'ai';
import { getLlama, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp';
import { createLocalModel, disposeLocalModels } from '../src/models/index.js';

import { storiesModelPath as modelPath } from '../test/models/test-models.js';

const prompt = 'Once upon a time';
const maxTokens = 256;
const rounds = 30;

export default async function (): Promise<void> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
  const direct = async () => {
    let tokens = 0;
    const started = performance.now();
    const text = await completion.generateCompletion(prompt, {
      maxTokens,
      temperature: 0,
      onToken: (chunk) => {
        tokens += chunk.length;
      },
    });
    return { tokens, seconds: (performance.now() - started) / 1_000, text };
  };

  const baton = createLocalModel({ modelPath, threads: 1, contextSize: 512 });
  const throughBaton = async () => {
    const started = performance.now();
    const result = await generateText({
      model: baton,
      prompt,
      temperature: 0,
      maxOutputTokens: maxTokens,
      maxRetries: 0,
    });
    return {
      tokens: result.usage.outputTokens ?? 0,
      seconds: (performance.now() - started) / 1_000,
      text: result.text,
    };
  };

  // Warm both (load, first evaluation), then alternate so drift hits both alike.
  const [warmDirect, warmBaton] = [await direct(), await throughBaton()];
  if (warmDirect.text !== warmBaton.text || warmDirect.tokens !== warmBaton.tokens) {
    throw new Error('Baton and node-llama-cpp generated different text; the comparison would be unfair.');
  }
  const directRates: number[] = [];
  const batonRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const a = await direct();
    directRates.push(a.tokens / a.seconds);
    const b = await throughBaton();
    batonRates.push(b.tokens / b.seconds);
  }
  const directBest = Math.max(...directRates);
  const batonBest = Math.max(...batonRates);
  const ratio = batonBest / directBest;
  console.log(
    `stories260K, ${warmDirect.tokens} tokens of "${prompt}", greedy, 1 thread, ${rounds} runs each`,
  );
  console.log(
    `  node-llama-cpp directly:          ${directBest.toFixed(0)} tokens/s (median ${median(directRates).toFixed(0)})`,
  );
  console.log(
    `  Baton local model (generateText): ${batonBest.toFixed(0)} tokens/s (median ${median(batonRates).toFixed(0)})`,
  );
  console.log(`  ratio: ${ratio.toFixed(3)} (goal >= 0.97) ${ratio >= 0.97 ? 'ok' : 'BELOW GOAL'}`);

  completion.dispose();
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  await disposeLocalModels();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
