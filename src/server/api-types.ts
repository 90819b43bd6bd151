/**
 * The JSON types of the HTTP API, for clients (the Studio imports these with `import type` only):
 * each is inferred from the Zod schema the server validates and documents with.
 * @module
 */
import type { z } from 'zod';
import type {
  ApproveBodySchema,
  AttemptRecordSchema,
  DeliverySchema,
  ErrorBodySchema,
  GraphSchema,
  PendingSchema,
  ProblemSchema,
  RejectBodySchema,
  ReplayBodySchema,
  RunDetailSchema,
  RunSummarySchema,
  StartRunBodySchema,
  StepRecordSchema,
  SubCallRecordSchema,
  WorkersOverviewSchema,
  WorkflowDetailSchema,
  WorkflowSummarySchema,
} from './api-schemas.js';

export type Problem = z.infer<typeof ProblemSchema>;
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
export type RunSummary = z.infer<typeof RunSummarySchema>;
export type RunDetail = z.infer<typeof RunDetailSchema>;
export type StepRecord = z.infer<typeof StepRecordSchema>;
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;
export type SubCallRecord = z.infer<typeof SubCallRecordSchema>;
export type Pending = z.infer<typeof PendingSchema>;
export type WorkflowSummary = z.infer<typeof WorkflowSummarySchema>;
export type WorkflowDetail = z.infer<typeof WorkflowDetailSchema>;
export type Graph = z.infer<typeof GraphSchema>;
export type StartRunBody = z.infer<typeof StartRunBodySchema>;
export type ReplayBody = z.infer<typeof ReplayBodySchema>;
export type ApproveBody = z.infer<typeof ApproveBodySchema>;
export type RejectBody = z.infer<typeof RejectBodySchema>;
export type WebhookDelivery = z.infer<typeof DeliverySchema>;
export type WorkersOverview = z.infer<typeof WorkersOverviewSchema>;
export type RunsPage = { runs: RunSummary[]; nextCursor?: string };
export type StepDetail = { step: StepRecord; attempts: AttemptRecord[]; calls: SubCallRecord[] };
export type Role = 'viewer' | 'approver' | 'operator' | 'admin';
export type Me = { name: string; role: Role };
