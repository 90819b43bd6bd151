import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadWorkflowFile } from '../../src/authoring/yaml/index.js';
import { ExitCode, exitCodeForError, exitCodeForRun } from '../../src/cli/exit-codes.js';
import { BatonError, type Clock, createEngine, type ModelResolver } from '../../src/core/index.js';
import { createMockModel } from '../../src/models/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { mutateInput, mutateWorkflow, seeded } from './mutate-workflow.js';

const examples = resolve(import.meta.dirname, '../../examples');

/** An example workflow: its text (with `module:` made absolute) and the input its folder ships. */
interface Seed {
  name: string;
  folder: string;
  text: string;
  input: unknown;
}

/** Every workflow file of the examples, each with the first input file of its folder. */
export function exampleSeeds(): Seed[] {
  return readdirSync(examples, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const folder = join(examples, entry.name);
      const files = readdirSync(folder).sort();
      const inputFile = files.find((file) => file.endsWith('.json'));
      const input = inputFile ? JSON.parse(readFileSync(join(folder, inputFile), 'utf8')) : {};
      return files
        .filter((file) => file.endsWith('.yaml') && !file.endsWith('.eval.yaml'))
        .map((file) => ({
          name: `${entry.name}/${file}`,
          folder,
          // The mutant lives in a temp folder: its module is named by absolute path and allowed.
          text: readFileSync(join(folder, file), 'utf8').replace(
            /^module: (\S+)/m,
            (_, module: string) => `module: ${join(folder, module)}`,
          ),
          input,
        }));
    });
}

/** What went wrong with a mutant, if anything. */
export interface Finding {
  seed: number;
  example: string;
  stage: 'validate' | 'run';
  problem: 'stack trace' | 'hang' | 'exit code' | 'left running';
  detail: string;
}

// Retries and backoff waits pass at once; a mutant must not spend the suite's time sleeping.
const instantClock: Clock = {
  now: () => Date.now(),
  sleep: (_ms, signal) => (signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve()),
};

const mockModels: ModelResolver = {
  resolve: (name) => ({
    id: `mock:${name ?? 'default'}`,
    model: createMockModel({ name: name ?? 'default' }),
  }),
};

const documented = new Set<number>(Object.values(ExitCode));

/** Resolves with the promise, or with 'hang' once `ms` pass. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((done) => {
    timer = setTimeout(() => done('hang'), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** The finding for an error a command would end with: a non-BatonError prints a stack trace. */
function judgeError(error: unknown): Pick<Finding, 'problem' | 'detail'> | undefined {
  if (!BatonError.is(error)) {
    return {
      problem: 'stack trace',
      detail: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
  if (!documented.has(exitCodeForError(error))) return { problem: 'exit code', detail: error.code };
  return undefined;
}

/**
 * Generates the mutants of seeds `from` to `to` (exclusive) and passes each through validation
 * (loading the file, as `baton validate` does) and, when valid, a run on a memory store with mock
 * models, each within a time limit. Returns what went wrong.
 */
export async function fuzzWorkflows(from: number, to: number): Promise<{ findings: Finding[]; ran: number }> {
  const seeds = exampleSeeds();
  const directory = mkdtempSync(join(tmpdir(), 'baton-fuzz-'));
  const findings: Finding[] = [];
  let ran = 0;
  for (let seed = from; seed < to; seed++) {
    const random = seeded(seed);
    const example = seeds[seed % seeds.length] as Seed;
    const file = join(directory, `mutant-${seed}.yaml`);
    writeFileSync(file, mutateWorkflow(example.text, random));
    const report = (stage: Finding['stage'], found: Pick<Finding, 'problem' | 'detail'>) =>
      findings.push({ seed, example: example.name, stage, ...found });
    let definition: Awaited<ReturnType<typeof loadWorkflowFile>>;
    try {
      const loaded = await within(
        loadWorkflowFile(file, { moduleRoots: [example.folder], importTimeoutMs: 2000 }),
        10_000,
      );
      if (loaded === 'hang') {
        report('validate', { problem: 'hang', detail: 'validation did not end in 10 s' });
        continue;
      }
      definition = loaded;
    } catch (error) {
      const found = judgeError(error);
      if (found) report('validate', found);
      continue;
    }
    ran++;
    const store = new MemoryStore();
    const engine = createEngine({
      store,
      models: mockModels,
      tools: definition.tools,
      workflows: { [definition.workflow.name]: definition },
      clock: instantClock,
      expressionLimits: { timeoutMs: 250 },
    });
    // A run that takes longer is cancelled, as a person would; it must then end promptly.
    const controller = new AbortController();
    const cancel = setTimeout(() => controller.abort(), 2000);
    try {
      const result = await within(
        engine.run(definition, { input: mutateInput(example.input, random), signal: controller.signal }),
        10_000,
      );
      if (result === 'hang') {
        report('run', { problem: 'hang', detail: 'the run did not end within 8 s of being cancelled' });
        continue;
      }
      const code = exitCodeForRun(result.status, result.error?.code);
      if (!documented.has(code)) report('run', { problem: 'exit code', detail: String(code) });
      const journaled = await store.getRun(result.runId);
      if (journaled?.status === 'running') report('run', { problem: 'left running', detail: result.runId });
    } catch (error) {
      const found = judgeError(error);
      if (found) report('run', found);
    } finally {
      clearTimeout(cancel);
    }
  }
  return { findings, ran };
}
