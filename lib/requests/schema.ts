import { z } from "zod";
import { CursorQuery, IsoDateTime, Micros } from "@/lib/http/schema";

export const RequestStatus = z.enum(["ok", "fallback", "error", "blocked"]);

export const RequestLogSummary = z.object({
  id: z.string(),
  createdAt: IsoDateTime,
  featureId: z.string().nullable(),
  apiKeyId: z.string().nullable(),
  endUserId: z.string().nullable(),
  endpoint: z.string(),
  model: z.string(),
  servedBy: z.string().nullable(),
  promptVersionId: z.string().nullable(),
  status: RequestStatus,
  httpStatus: z.number().int(),
  errorCode: z.string().nullable(),
  fallbackReason: z.string().nullable(),
  streamed: z.boolean(),
  cache: z.string().nullable(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  cachedTokens: z.number().int(),
  reasoningTokens: z.number().int(),
  costMicros: Micros,
  latencyMs: z.number().int(),
  ttftMs: z.number().int().nullable(),
});
export type RequestLogSummary = z.infer<typeof RequestLogSummary>;

export const RequestFeedback = z.object({
  id: z.string(),
  score: z.number().int(),
  comment: z.string(),
  endUserId: z.string().nullable(),
  resolvedAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
});

/** One request with what support needs to explain an answer (sanitised by the guards). */
export const RequestLogDetail = RequestLogSummary.extend({
  request: z.unknown(),
  response: z.unknown().nullable(),
  contextDocs: z.array(z.unknown()),
  attempts: z.array(z.unknown()),
  guardVerdicts: z.array(z.unknown()),
  redactions: z.array(z.unknown()),
  metadata: z.record(z.string(), z.unknown()),
  feedback: z.array(RequestFeedback),
});
export type RequestLogDetail = z.infer<typeof RequestLogDetail>;

const DateFilter = z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" });

export const ListRequestsQuery = CursorQuery.extend({
  featureId: z.string().max(64).optional(),
  status: RequestStatus.optional(),
  model: z.string().max(200).optional(),
  endUserId: z.string().max(200).optional(),
  /** Inclusive lower bound on createdAt. */
  from: DateFilter.optional(),
  /** Exclusive upper bound on createdAt. */
  to: DateFilter.optional(),
});
export type ListRequestsQuery = z.infer<typeof ListRequestsQuery>;

/**
 * One upstream attempt as the request log stores it (lib/queues/request-log.ts
 * writes them). Lenient on purpose: the dashboard reads records written by
 * older and newer gateways, so unknown fields pass and most are optional.
 */
export const RequestAttempt = z.looseObject({
  /** "provider/model" */
  target: z.string(),
  targetId: z.string().nullish(),
  /** ok | error | timeout | aborted | skipped (circuit open) */
  status: z.string(),
  httpStatus: z.number().int().nullish(),
  errorClass: z.string().nullish(),
  latencyMs: z.number().nullish(),
  ttftMs: z.number().nullish(),
  /** Why the gateway moved on after this attempt, when the routing stage records it. */
  fallbackReason: z.string().nullish(),
});
export type RequestAttempt = z.infer<typeof RequestAttempt>;

/** A retrieved document the caller passed as context (`metadata.gatehouse.context`). */
export const ContextDocument = z.looseObject({
  id: z.string(),
  source: z.string(),
  text: z.string(),
  score: z.number().nullish(),
});
export type ContextDocument = z.infer<typeof ContextDocument>;

// ---------------------------------------------------------------- flagged (issue 6)

/** Verdicts that put a request on the Flagged page (`pass` does not). */
export const FlaggedVerdict = z.enum(["flag", "redact", "block"]);
export type FlaggedVerdict = z.infer<typeof FlaggedVerdict>;
export const GuardName = z.enum(["injection", "pii", "moderation", "schema", "tools", "classifier"]);
export type GuardName = z.infer<typeof GuardName>;

/**
 * A guard verdict as the request log stores it (lib/queues/request-log.ts):
 * offsets and kinds, never values. Lenient like RequestAttempt: records of
 * older and newer gateways pass, unknown fields are kept.
 */
export const LoggedGuardVerdict = z.looseObject({
  guard: z.string(),
  verdict: z.string(),
  score: z.number().nullish(),
  latencyMs: z.number().nullish(),
  spans: z.array(z.looseObject({ start: z.number(), end: z.number(), type: z.string() })).nullish(),
  detail: z.record(z.string(), z.unknown()).nullish(),
  stage: z.string().nullish(),
});
export type LoggedGuardVerdict = z.infer<typeof LoggedGuardVerdict>;

/** What was redacted: kind, how many, where (`messages[1]`, `context[0]`); never the values. */
export const LoggedRedaction = z.looseObject({
  type: z.string(),
  count: z.number().nullish(),
  where: z.array(z.string()).nullish(),
});
export type LoggedRedaction = z.infer<typeof LoggedRedaction>;

export const ListFlaggedQuery = CursorQuery.extend({
  /** Only requests where this guard said something other than `pass`. */
  guard: GuardName.optional(),
  /** Only this verdict (with `guard`: this guard's verdict). */
  verdict: FlaggedVerdict.optional(),
  featureId: z.string().max(64).optional(),
  from: DateFilter.optional(),
  to: DateFilter.optional(),
});
export type ListFlaggedQuery = z.infer<typeof ListFlaggedQuery>;

/** A request a guard flagged, redacted or blocked, with its verdicts (summary + `guardVerdicts`). */
export const FlaggedRequest = RequestLogSummary.extend({
  guardVerdicts: z.array(LoggedGuardVerdict),
});
export type FlaggedRequest = z.infer<typeof FlaggedRequest>;
