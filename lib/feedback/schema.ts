import { z } from "zod";
import { CursorQuery, IsoDateTime } from "@/lib/http/schema";
import { RequestLogSummary } from "@/lib/requests/schema";

/**
 * Feedback on an answer, from the application's end-user (`POST /v1/feedback`)
 * and support's "bad answers" queue (negative scores) in the dashboard.
 */

/** A request-log id, as the gateway returns it in `x-request-id` / `x-gatehouse-request-id`. */
export const RequestLogId = z
  .string({ error: "is required" })
  .regex(/^req_[0-9a-z]{26}$/, "must be a Gatehouse request id (req_..., from the response's x-gatehouse-request-id or x-request-id header)");

/** Scores are integers; below zero is a bad answer (e.g. -1 bad, 0 neutral, 1 good). */
export const FEEDBACK_SCORE_LIMIT = 1_000;

/** `POST /v1/feedback` body (snake_case, like the rest of the OpenAI-style data plane). */
export const FeedbackInput = z.object({
  request_id: RequestLogId,
  score: z
    .number({ error: "is required and must be an integer" })
    .int("must be an integer")
    .min(-FEEDBACK_SCORE_LIMIT, `must be at least -${FEEDBACK_SCORE_LIMIT}`)
    .max(FEEDBACK_SCORE_LIMIT, `must be at most ${FEEDBACK_SCORE_LIMIT}`),
  comment: z.string().max(4_000, "must be at most 4000 characters").nullish(),
  /** The application's end-user (else the `x-gatehouse-user` header). */
  end_user: z.string().trim().min(1).max(256, "must be at most 256 characters").nullish(),
});
export type FeedbackInput = z.infer<typeof FeedbackInput>;

/** `POST /v1/feedback` response. */
export const FeedbackObject = z.object({
  id: z.string(),
  object: z.literal("feedback"),
  request_id: z.string(),
  score: z.number().int(),
  comment: z.string(),
  end_user: z.string().nullable(),
  /** Unix seconds, like OpenAI's `created`. */
  created_at: z.number().int(),
});
export type FeedbackObject = z.infer<typeof FeedbackObject>;

/** One entry of support's queue: the feedback and, once written, its request's summary. */
export const BadAnswer = z.object({
  id: z.string(),
  requestId: z.string(),
  score: z.number().int(),
  comment: z.string(),
  endUserId: z.string().nullable(),
  createdAt: IsoDateTime,
  resolvedAt: IsoDateTime.nullable(),
  resolvedById: z.string().nullable(),
  /** Null while the request log row is not written yet (the worker writes in batches). */
  request: RequestLogSummary.nullable(),
});
export type BadAnswer = z.infer<typeof BadAnswer>;

export const ListBadAnswersQuery = CursorQuery.extend({
  /** `false`: the open queue; `true`: resolved ones; omitted: both. */
  resolved: z.stringbool({ error: "must be true or false" }).optional(),
});
export type ListBadAnswersQuery = z.infer<typeof ListBadAnswersQuery>;
