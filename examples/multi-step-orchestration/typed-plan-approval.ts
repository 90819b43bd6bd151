import { workflow } from 'baton';
import { z } from 'zod';

/** What the reviewer approves or edits; an edit that does not fit is refused before it is recorded. */
const ReviewedPlan = z.object({ plan: z.string().min(1) });

/**
 * The plan approval checkpoint (plan-approval.yaml) with the typed builder. The approval's Zod
 * `output` types what `execute` reads: `steps.review.plan` is the plan as approved, edited or not.
 *
 * @example
 * ```ts
 * const baton = createBaton({ models: { smart: model } });
 * const waiting = await baton.run(planApproval, { input: { task: 'Migrate the database' } });
 * const done = await baton.approve(waiting.runId, 'review', { by: 'dana' });
 * ```
 */
export const planApproval = workflow('plan-approval-typed', {
  description: 'Plan a task, wait for a person to approve or edit the plan, then execute it.',
  input: z.object({ task: z.string() }),
})
  .llm('plan', {
    model: 'smart',
    prompt: ({ input }) =>
      `Create a detailed execution plan for: ${input.task}\nList each step with expected outcomes and risks.`,
  })
  .approval('review', {
    needs: ['plan'],
    subject: ({ steps }) => ({ plan: steps.plan }),
    output: ReviewedPlan,
    instructions: 'Review the plan. Approve it, edit the steps you want changed, or reject it.',
    expires: '7d',
    onError: { route: 'rejected' },
  })
  .llm('execute', {
    needs: ['review'],
    model: 'smart',
    maxOutputTokens: 8096,
    prompt: ({ steps }) => `Execute this approved plan:\n${steps.review.plan}`,
  })
  // Reads the rejection (`error` is in scope only for the step an error is routed to).
  .transform('rejected', {
    run: '{ "reason": error.details.decision.reason, "by": error.details.decision.by }',
  })
  .transform('outcome', {
    needs: ['execute', 'rejected'],
    join: 'any',
    run: ({ steps }) => {
      // Only one of the two ran; the other was skipped and reads as undefined.
      const rejection = steps.rejected as { reason: string; by: string } | undefined;
      return rejection
        ? { status: 'rejected', reason: rejection.reason, rejected_by: rejection.by }
        : { status: 'completed', result: steps.execute };
    },
  })
  .output(({ steps }) => steps.outcome)
  .build();
