import { defineTool } from 'baton';
import { z } from 'zod';

const accounts: Record<string, { owner: string; plan: string; status: string }> = {
  'ACME-42': { owner: 'lee@acme.test', plan: 'Team, 25 seats', status: 'active' },
};

const invoices: Record<string, Array<{ invoice: string; date: string; amount: number; status: string }>> = {
  'ACME-42': [
    { invoice: 'INV-3301', date: '2025-03-01', amount: 1250, status: 'paid' },
    { invoice: 'INV-3307', date: '2025-03-03', amount: 1250, status: 'paid' },
    { invoice: 'INV-3188', date: '2025-02-01', amount: 1250, status: 'paid' },
  ],
};

const errorCodes: Record<string, { meaning: string; fix: string }> = {
  'WH-503': {
    meaning: 'The webhook endpoint answered 503 Service Unavailable five times in a row.',
    fix: 'Check the receiving service, then replay failed deliveries from Settings → Webhooks.',
  },
};

const account = (id: string) => {
  const found = accounts[id];
  if (!found) throw new Error(`No account "${id}". Account ids look like ACME-42.`);
  return found;
};

/**
 * The tools of the billing and technical support agents of request-router.yaml
 * (`module: ./router-tools.ts`). Each agent lists only the tools of its own route.
 *
 * @example
 * ```ts
 * const baton = createBaton({ models: { fast, smart }, tools });
 * ```
 */
export const tools = {
  // Billing tools.
  get_account: defineTool({
    description: 'An account by id: owner, plan and status.',
    inputSchema: z.object({ account_id: z.string() }),
    execute: ({ account_id }) => ({ account_id, ...account(account_id) }),
  }),
  list_invoices: defineTool({
    description: 'The invoices of an account, newest first.',
    inputSchema: z.object({ account_id: z.string() }),
    execute: ({ account_id }) => {
      account(account_id);
      return { account_id, invoices: invoices[account_id] ?? [] };
    },
  }),
  // Technical support tools.
  check_service_status: defineTool({
    description: 'The current status of one of our services (api, webhooks, dashboard).',
    inputSchema: z.object({ service: z.enum(['api', 'webhooks', 'dashboard']) }),
    execute: ({ service }) => ({ service, status: 'operational', incidents: [] }),
  }),
  lookup_error_code: defineTool({
    description: 'What an error code means and how to fix it.',
    inputSchema: z.object({ code: z.string() }),
    execute: ({ code }) =>
      errorCodes[code] ?? { meaning: 'Unknown error code.', fix: 'Escalate to engineering.' },
  }),
};
