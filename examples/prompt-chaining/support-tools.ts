import { defineTool } from 'baton';
import { z } from 'zod';

/** A few knowledge-base articles, each with the words a matching request contains. */
const articles = [
  {
    id: 'KB-101',
    title: 'Sync fails with error E401',
    keywords: ['e401', 'sync', 'unauthorized'],
    fix: 'Sign out of the desktop app, sign in again, and run Sync now. E401 means the saved session expired.',
  },
  {
    id: 'KB-214',
    title: 'Export stuck at 99%',
    keywords: ['export', 'stuck', '99%'],
    fix: 'Clear the export cache under Settings → Storage, then export again; large projects may take ten minutes.',
  },
];

let tickets = 0;

/**
 * The tools of the technical support route of support-chain.yaml (`module: ./support-tools.ts`).
 *
 * @example
 * ```ts
 * const baton = createBaton({ models: { fast: model }, tools });
 * ```
 */
export const tools = {
  search_knowledge_base: defineTool({
    description: 'Finds knowledge-base articles whose keywords appear in the error details.',
    inputSchema: z.object({ query: z.string() }),
    execute: ({ query }) => {
      const words = query.toLowerCase();
      const found = articles.filter((article) => article.keywords.some((keyword) => words.includes(keyword)));
      return { articles: found.map(({ keywords: _, ...article }) => article) };
    },
  }),
  create_escalation_ticket: defineTool({
    description: 'Opens a ticket for the engineering team with the error details.',
    inputSchema: z.object({ summary: z.string(), details: z.unknown() }),
    execute: ({ summary }) => ({ ticket_id: `TCK-${4100 + ++tickets}`, summary, queue: 'engineering' }),
  }),
};
