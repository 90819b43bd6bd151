import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BatonError } from '../core/index.js';
import { modelCacheDirectory, recommendedModelUrl } from './model-cache.js';

export interface PullProgress {
  receivedBytes: number;
  /** From Content-Length; undefined when the server does not say. */
  totalBytes: number | undefined;
}

export interface PullModelOptions {
  /** Default: the recommended small instruct model ({@link recommendedModelUrl}). */
  url?: string;
  /**
   * Where to save: a path ending in `.gguf`, or a directory to save the URL's file name into.
   * Default: the model cache (`~/.cache/baton/models`).
   */
  destination?: string;
  onProgress?: (progress: PullProgress) => void;
  signal?: AbortSignal;
  fetch?: typeof globalThis.fetch;
}

/**
 * Downloads a GGUF model into the model cache, where the local provider and the default-model
 * choice find it, and returns its path. The file appears only once complete (it is written as `.part` first); a file
 * already there is kept. Without a network it fails at once with a BatonError that says how to
 * get the file another way.
 *
 * @example
 * ```ts
 * const path = await pullModel({ onProgress: ({ receivedBytes, totalBytes }) => draw(receivedBytes, totalBytes) });
 * ```
 */
export async function pullModel(options: PullModelOptions = {}): Promise<string> {
  const url = options.url ?? recommendedModelUrl;
  const fileName = basename(new URL(url).pathname);
  const target = options.destination ?? modelCacheDirectory();
  const destination = target.toLowerCase().endsWith('.gguf') ? target : join(target, fileName);
  if (await exists(destination)) return destination;
  const fetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetch(url, {
      redirect: 'follow',
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw downloadError(url, `the server could not be reached (${causeOf(error)})`, error, true);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw downloadError(
      url,
      `the server answered HTTP ${response.status}`,
      undefined,
      response.status >= 500,
      {
        statusCode: response.status,
      },
    );
  }
  const total = Number(response.headers.get('content-length'));
  const totalBytes = Number.isFinite(total) && total > 0 ? total : undefined;
  const partial = `${destination}.part`;
  await mkdir(dirname(destination), { recursive: true });
  try {
    await writeBody(response.body, partial, (receivedBytes) =>
      options.onProgress?.({ receivedBytes, totalBytes }),
    );
    await checkGguf(partial, url);
    await rename(partial, destination);
  } catch (error) {
    await rm(partial, { force: true });
    if (BatonError.is(error) || options.signal?.aborted) throw error;
    throw downloadError(url, `the download broke off (${causeOf(error)})`, error, true);
  }
  return destination;
}

async function writeBody(
  body: ReadableStream<Uint8Array>,
  file: string,
  onBytes: (received: number) => void,
) {
  const output = createWriteStream(file);
  const finished = new Promise<void>((resolve, reject) => {
    output.once('finish', resolve);
    output.once('error', reject);
  });
  let received = 0;
  try {
    for await (const chunk of body) {
      received += chunk.byteLength;
      if (!output.write(chunk)) await new Promise<void>((resolve) => output.once('drain', () => resolve()));
      onBytes(received);
    }
  } finally {
    output.end();
    await finished;
  }
}

/** A file that is not GGUF (an HTML login page, say) must not land in the cache. */
async function checkGguf(file: string, url: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead === 4 && buffer.toString('latin1') === 'GGUF') return;
  } finally {
    await handle.close();
  }
  throw downloadError(url, 'the file is not a GGUF model', undefined, false);
}

function downloadError(
  url: string,
  reason: string,
  cause: unknown,
  retryable: boolean,
  details: Record<string, unknown> = {},
): BatonError {
  return new BatonError('MODEL_CALL_FAILED', `Could not download the model ${url}: ${reason}.`, {
    cause,
    retryable,
    hint: 'Check the network connection and the URL, or download the GGUF file another way and set BATON_LOCAL_MODEL to its path.',
    details: { url, ...details },
  });
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const inner = cause instanceof Error ? cause.message : undefined;
  return inner ?? (error instanceof Error ? error.message : String(error));
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
