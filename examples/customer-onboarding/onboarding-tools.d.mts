import type { ToolDefinition } from 'baton';

export interface Account {
  accountId: string;
  name: string;
  email: string;
  plan: string;
}

export interface Notification {
  to: string;
  subject: string;
  body: string;
}

/** What the tools did, by idempotency key. */
export interface OnboardingLedger {
  accounts: Map<string, Account>;
  notifications: Map<string, Notification>;
}

export function createLedger(): OnboardingLedger;
export function createOnboardingTools(
  ledger?: OnboardingLedger,
): Record<'create_account' | 'send_notification', ToolDefinition>;
export const tools: ReturnType<typeof createOnboardingTools>;
