import { BatonError } from '../errors.js';
import type { SubCallRecord } from '../ports/store.js';
import type { PendingAnswer } from './code-context.js';
import { checkAgainstSchema } from './output-schema.js';
import { requireRun } from './require-run.js';
import type { EngineServices } from './run-state.js';

/**
 * Checks an answer to the question a waiting step asked (`ctx.interrupt`) against the schema the
 * question journaled, and returns it ready for the resumed step, which checks it again with the
 * original Zod schema (refinements included) and journals it. An invalid answer is refused here
 * and nothing is recorded.
 */
export async function prepareAnswer(
  services: EngineServices,
  runId: string,
  path: string,
  answer: { value: unknown; by?: string; key?: string },
): Promise<PendingAnswer> {
  await requireRun(services.store, runId);
  const calls = await services.store.listSubCalls(runId, path);
  const question = pendingQuestion(calls);
  if (!question || (answer.key !== undefined && question.name !== answer.key)) {
    const step = (await services.store.listSteps(runId)).find((record) => record.path === path);
    throw new BatonError(
      'QUESTION_NOT_PENDING',
      `Step "${path}" of run ${runId} is not waiting for an answer${answer.key === undefined ? '' : ` to "${answer.key}"`} (${step ? `status ${step.status}` : 'no such step'}).`,
      {
        stepPath: path,
        hint: question
          ? `It waits for an answer to "${question.name}".`
          : '`baton show <run>` lists the questions of a run and their answers.',
      },
    );
  }
  const schema = (question.request as { schema?: Record<string, unknown> } | undefined)?.schema;
  const value = schema ? checkAgainstSchema(answer.value, schema, 'INPUT_INVALID', path) : answer.value;
  return { path, sequence: question.sequence, value, by: answer.by ?? 'unknown' };
}

/** The latest question of a step that has no answer yet. */
export function pendingQuestion(calls: readonly SubCallRecord[]): SubCallRecord | undefined {
  const answered = new Set(calls.filter((call) => call.kind === 'answer').map((call) => call.sequence - 1));
  return calls.findLast((call) => call.kind === 'interrupt' && !answered.has(call.sequence));
}
