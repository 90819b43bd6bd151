// The tools of customer-onboarding.yaml. Plain JavaScript, so the built `baton` CLI loads it
// without a TypeScript loader; its types are in onboarding-tools.d.mts.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export function createLedger() {
  return { accounts: new Map(), notifications: new Map() };
}

/**
 * The two side-effecting tools of the onboarding workflow. Both key their effect on the
 * idempotency key Baton gives each call (run, step, call number), so a retry or a resumed run
 * creates one account and sends one message.
 */
export function createOnboardingTools(ledger = createLedger()) {
  return {
    create_account: {
      description: 'Create the customer account on a plan',
      inputSchema: z.object({
        name: z.string(),
        email: z.string(),
        company: z.string(),
        plan: z.enum(['starter', 'business', 'enterprise']),
      }),
      execute(input, context) {
        const done = ledger.accounts.get(context.idempotencyKey);
        if (done) return done;
        const digest = createHash('sha256').update(context.idempotencyKey).digest('hex');
        const account = {
          accountId: `acct_${digest.slice(0, 10)}`,
          name: input.name,
          email: input.email,
          plan: input.plan,
        };
        ledger.accounts.set(context.idempotencyKey, account);
        return account;
      },
    },
    send_notification: {
      description: 'Email the customer',
      inputSchema: z.object({ to: z.string(), subject: z.string(), body: z.string() }),
      execute(input, context) {
        const done = ledger.notifications.get(context.idempotencyKey);
        if (done) return { ...done, repeated: true };
        const sent = { to: input.to, subject: input.subject, body: input.body };
        ledger.notifications.set(context.idempotencyKey, sent);
        return sent;
      },
    },
  };
}

/** The tools `baton run` finds for customer-onboarding.yaml (its `module:`), in memory per process. */
export const tools = createOnboardingTools();
