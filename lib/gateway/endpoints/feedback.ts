import { validationError } from "@/lib/errors";
import { FeedbackInput, type FeedbackObject } from "@/lib/feedback/schema";
import { submitFeedback } from "@/lib/feedback/service";
import { authenticate, requireAuth } from "@/lib/gateway/stages/authenticate";
import { parseJson } from "@/lib/gateway/stages/parse";
import type { Endpoint, Stage } from "@/lib/gateway/types";

/**
 * `POST /v1/feedback` `{ request_id, score, comment?, end_user? }`: an
 * application reports its end-user's verdict on an answer. A negative score
 * puts the request in support's "bad answers" queue (lib/feedback).
 *
 * Written to Postgres directly, not queued: feedback is a click by a person
 * (a few per thousand requests), off the chat hot path, and the caller gets
 * the stored row's id back. If Postgres is down the caller gets a 5xx and may
 * retry; nothing is half-stored.
 *
 * The request id is not looked up: its log row may not be written yet. The
 * feedback is stored under the key's tenant and only ever joined with that
 * tenant's requests, so another tenant's id leads nowhere.
 */
const storeFeedback: Stage = async (ctx) => {
  const auth = requireAuth(ctx);
  const parsed = FeedbackInput.safeParse(ctx.body);
  if (!parsed.success) throw validationError(parsed.error.issues);
  const input = parsed.data;
  const endUserId = input.end_user ?? (ctx.req.headers["x-gatehouse-user"]?.trim().slice(0, 256) || null);
  const row = await submitFeedback(auth.tenantId, {
    requestId: input.request_id,
    score: input.score,
    comment: input.comment ?? "",
    endUserId,
  });
  const body: FeedbackObject = {
    id: row.id,
    object: "feedback",
    request_id: row.requestId,
    score: row.score,
    comment: row.comment,
    end_user: row.endUserId,
    created_at: Math.floor(row.createdAt.getTime() / 1000),
  };
  return { status: 201, headers: {}, body };
};

export const feedbackCreate: Endpoint = {
  name: "feedback.create",
  method: "POST",
  path: "/v1/feedback",
  stages: [authenticate, parseJson, storeFeedback],
};
