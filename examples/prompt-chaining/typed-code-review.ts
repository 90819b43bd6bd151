import { workflow } from 'baton';
import { z } from 'zod';

const Changes = z.object({
  files: z.array(z.string()),
  functions: z.array(z.string()),
  summary: z.string(),
});
const Correctness = z.object({
  errors: z.array(z.string()),
  edge_cases: z.array(z.string()),
  bugs: z.array(z.string()),
});
const Performance = z.object({ issues: z.array(z.string()), suggestions: z.array(z.string()) });
const Security = z.object({
  vulnerabilities: z.array(z.string()),
  severity: z.enum(['low', 'medium', 'high']),
});

const json = (value: unknown) => JSON.stringify(value, null, 2);

/**
 * The code review chain (code-review.yaml) with the typed builder. The Zod schemas are the
 * steps' `output` schemas (the model's answers are checked against them) and the types the next
 * steps see: in `generate_summary`, `steps.check_security.severity` is `'low' | 'medium' | 'high'`.
 *
 * @example
 * ```ts
 * const result = await createBaton({ models: { default: model } }).run(codeReview, {
 *   input: { diff, original_code, new_code },
 * });
 * ```
 */
export const codeReview = workflow('code-review-typed', {
  description: 'Review a code change from four angles, then summarise with a verdict.',
  input: z.object({ diff: z.string(), original_code: z.string(), new_code: z.string() }),
})
  .llm('extract_changes', {
    output: Changes,
    prompt: ({ input }) =>
      `Analyze this code diff and extract:\n1. Files changed\n2. Functions added/modified\n3. Key changes summary\n\nDiff:\n${input.diff}`,
  })
  .llm('check_correctness', {
    needs: ['extract_changes'],
    output: Correctness,
    prompt: ({ input, steps }) =>
      `Review these code changes for correctness:\n${json(steps.extract_changes)}\n\n` +
      `Original code:\n${input.original_code}\n\nNew code:\n${input.new_code}\n\n` +
      'Identify:\n1. Logical errors\n2. Edge cases not handled\n3. Potential bugs',
  })
  .llm('check_performance', {
    output: Performance,
    prompt: ({ input }) =>
      `Analyze performance implications:\n\nCode:\n${input.new_code}\n\n` +
      'Look for:\n1. Inefficient algorithms (O(n²) where O(n) possible)\n2. Unnecessary loops or operations\n3. Memory inefficiencies',
  })
  .llm('check_security', {
    output: Security,
    prompt: ({ input }) =>
      `Security review:\n\nCode:\n${input.new_code}\n\nCheck for:\n1. SQL injection vulnerabilities\n` +
      '2. XSS vulnerabilities\n3. Authentication/authorization issues\n4. Sensitive data exposure',
  })
  .llm('generate_summary', {
    needs: ['extract_changes', 'check_correctness', 'check_performance', 'check_security'],
    prompt: ({ steps }) =>
      'Generate a code review summary based on these analyses:\n\n' +
      `Changes: ${json(steps.extract_changes)}\nCorrectness: ${json(steps.check_correctness)}\n` +
      `Performance: ${json(steps.check_performance)}\nSecurity: ${json(steps.check_security)}\n\n` +
      // A typed field steers the prompt: a high-severity finding cannot be approved.
      (steps.check_security.severity === 'high'
        ? 'A high-severity vulnerability was found: do not APPROVE.\n\n'
        : '') +
      'Provide:\n1. Overall verdict (APPROVE/REQUEST_CHANGES/REJECT)\n2. Critical issues (must fix)\n' +
      '3. Suggestions (nice to have)\n4. Positive aspects\n\nKeep it professional and constructive.',
  })
  .output(({ steps }) => ({
    changes_summary: steps.extract_changes,
    correctness_check: steps.check_correctness,
    performance_check: steps.check_performance,
    security_check: steps.check_security,
    final_review: steps.generate_summary,
  }))
  .build();
