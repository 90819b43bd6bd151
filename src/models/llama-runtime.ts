import { availableParallelism } from 'node:os';
import type { Llama, LlamaContext, LlamaContextSequence, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import { BatonError } from '../core/index.js';

type LlamaModule = typeof import('node-llama-cpp');

/** How a local model is loaded and run. */
export interface LlamaSettings {
  modelPath: string;
  /** Context window in tokens. Default: what the model was trained with, at most 4,096. */
  contextSize?: number;
  /** CPU threads. Default: one less than the cores, at least one. */
  threads?: number;
  /** Use a GPU when node-llama-cpp has a build for it. Default false: the CPU build always loads. */
  gpu?: boolean;
}

/**
 * A loaded model with one context, whose calls run one at a time.
 * @internal
 */
export interface LoadedLlama {
  module: LlamaModule;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  /** The context's one sequence; calls take turns on it, reusing the evaluated prefix. */
  sequence: LlamaContextSequence;
  hasChatTemplate: boolean;
  /** Runs a task after every task queued before it; the model holds one sequence. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  grammarFor(schema: object | undefined): Promise<LlamaGrammar>;
}

let modulePromise: Promise<LlamaModule> | undefined;
const llamas = new Map<string, Promise<Llama>>();
const loaded = new Map<string, Promise<LoadedLlama>>();

/**
 * node-llama-cpp, imported on first use: it is an optional peer dependency, so users who never run
 * a local model do not install its native builds.
 * @internal
 */
export function importLlamaModule(): Promise<LlamaModule> {
  modulePromise ??= import('node-llama-cpp').catch((error: unknown) => {
    modulePromise = undefined;
    const missing = isModuleNotFound(error);
    throw new BatonError(
      'MODEL_CALL_FAILED',
      missing
        ? 'Local models need the node-llama-cpp package, which is not installed.'
        : `node-llama-cpp could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        hint: missing
          ? 'Run `npm install node-llama-cpp` in your project, or use another provider.'
          : 'Reinstall node-llama-cpp so it brings the prebuilt binary of your platform.',
      },
    );
  });
  return modulePromise;
}

/**
 * The loaded model for these settings, shared by every caller in the process. Loading reads the
 * GGUF file and never downloads or builds anything.
 * @internal
 */
export function loadLlama(settings: LlamaSettings): Promise<LoadedLlama> {
  const threads = settings.threads ?? Math.max(1, availableParallelism() - 1);
  const key = JSON.stringify([settings.modelPath, settings.contextSize, threads, settings.gpu ?? false]);
  let entry = loaded.get(key);
  if (!entry) {
    entry = load(settings, threads).catch((error: unknown) => {
      loaded.delete(key);
      throw error;
    });
    loaded.set(key, entry);
  }
  return entry;
}

async function load(settings: LlamaSettings, threads: number): Promise<LoadedLlama> {
  const module = await importLlamaModule();
  const llamaKey = JSON.stringify([threads, settings.gpu ?? false]);
  let llamaPromise = llamas.get(llamaKey);
  if (!llamaPromise) {
    // More threads than cores makes llama.cpp's spinning workers crawl; build: 'never' keeps it offline.
    llamaPromise = module.getLlama({
      gpu: settings.gpu ? 'auto' : false,
      build: 'never',
      maxThreads: threads,
      logLevel: module.LlamaLogLevel.error,
      progressLogs: false,
      skipDownload: true,
    });
    llamas.set(llamaKey, llamaPromise);
  }
  const llama = await llamaPromise;
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: settings.modelPath });
  } catch (error) {
    throw new BatonError(
      'MODEL_NOT_FOUND',
      `The local model ${settings.modelPath} could not be loaded: ${messageOf(error)}`,
      {
        cause: error,
        hint: 'Check that the path names a GGUF file (BATON_LOCAL_MODEL or models.providers.local.modelPath).',
        details: { modelPath: settings.modelPath },
      },
    );
  }
  const context = await model.createContext({
    contextSize: settings.contextSize ?? Math.min(4_096, model.trainContextSize),
    threads,
    sequences: 1,
  });
  const grammars = new Map<string, Promise<LlamaGrammar>>();
  let tail: Promise<unknown> = Promise.resolve();
  return {
    module,
    llama,
    model,
    context,
    sequence: context.getSequence(),
    hasChatTemplate: typeof model.fileInfo.metadata.tokenizer?.chat_template === 'string',
    exclusive(task) {
      const result = tail.then(task);
      tail = result.catch(() => undefined);
      return result;
    },
    grammarFor(schema) {
      const key = schema ? JSON.stringify(schema) : 'json';
      let grammar = grammars.get(key);
      if (!grammar) {
        grammar = schema
          ? llama.createGrammarForJsonSchema(schema as Parameters<Llama['createGrammarForJsonSchema']>[0])
          : llama.getGrammarFor('json');
        grammars.set(key, grammar);
      }
      return grammar;
    },
  };
}

/**
 * Frees every loaded local model and the native runtime, e.g. before a test process ends.
 *
 * @example
 * ```ts
 * afterAll(() => disposeLocalModels());
 * ```
 */
export async function disposeLocalModels(): Promise<void> {
  const models = [...loaded.values()];
  const runtimes = [...llamas.values()];
  loaded.clear();
  llamas.clear();
  for (const entry of models) {
    const model = await entry.catch(() => undefined);
    await model?.context.dispose();
    await model?.model.dispose();
  }
  for (const runtime of runtimes) await (await runtime.catch(() => undefined))?.dispose();
}

/** Node's code for a package that is not installed, on the error or on an error that wraps it. */
function isModuleNotFound(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
