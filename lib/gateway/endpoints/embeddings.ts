import { GatehouseError } from "@/lib/errors";
import { snapshotReady } from "@/lib/gateway/config";
import { costOfCall } from "@/lib/gateway/cost";
import { asLogJson, noteUsage } from "@/lib/gateway/endpoints/chat-call";
import { getProviderAdapter } from "@/lib/gateway/providers/registry";
import { noteLog } from "@/lib/gateway/record";
import { figureHeaders, jsonResponse } from "@/lib/gateway/respond";
import { runChain } from "@/lib/gateway/route/engine";
import { authenticate } from "@/lib/gateway/stages/authenticate";
import { answerErrorsAs } from "@/lib/gateway/stages/compose";
import { withIdempotency } from "@/lib/gateway/stages/idempotency";
import { inputGuards } from "@/lib/gateway/stages/input-guards";
import { withLimits } from "@/lib/gateway/stages/limits";
import { parseJson } from "@/lib/gateway/stages/parse";
import { requireScope, resolveCaller, resolveRoute } from "@/lib/gateway/stages/resolve";
import { requireCallState, requirePlan } from "@/lib/gateway/stages/state";
import { switches } from "@/lib/gateway/stages/switches";
import { validateEmbeddings } from "@/lib/gateway/stages/validate";
import type { Endpoint, Stage } from "@/lib/gateway/types";
import { upstreamClient } from "@/lib/gateway/upstream/client";

/**
 * `POST /v1/embeddings`: OpenAI's request and response, routed like a chat
 * request over the targets whose model serves embeddings (a route's static
 * answer is a chat message, so it never closes an embeddings chain).
 */
const routeAndRespond: Stage = async (ctx) => {
  const state = requireCallState(ctx);
  const plan = requirePlan(ctx);
  const req = state.embeddings;
  if (!req) throw new GatehouseError("internal_error", "Internal error", { cause: new Error("embeddings request missing") });
  noteLog(ctx, { request: asLogJson(req) });
  const result = await runChain({ plan, clientSignal: ctx.req.signal, callerTimeoutMs: state.callerTimeoutMs }, (t, signal) =>
    getProviderAdapter(t.providerKind).embeddings(t.target, req, { signal, client: upstreamClient }),
  );
  noteLog(ctx, { attempts: result.attempts, fallbackReason: result.fallbackReason });
  const made = result.attempts.filter((a) => a.status !== "skipped").length;
  if (!result.ok) {
    ctx.responseHeaders["x-gatehouse-attempts"] = String(made);
    if (result.failure.kind === "cancelled") {
      noteLog(ctx, { status: "error", errorCode: "client_disconnected" });
      return { status: 499, headers: {}, body: { error: { message: "The client disconnected", type: "server_error", param: null, code: "client_disconnected" } } };
    }
    throw result.failure.error;
  }
  const { response, usage } = result.value;
  const cost = costOfCall(await snapshotReady(), result.target.modelId, usage, ctx.receivedAt);
  noteUsage(ctx, usage, cost);
  // The vectors are the caller's to keep; the log keeps their shape only.
  noteLog(ctx, { servedBy: result.target.label, response: { object: "list", model: response.model, count: response.data.length, usage: asLogJson(response.usage) } });
  return jsonResponse(200, response, figureHeaders({ target: result.target.label, attempts: made, costMicros: cost, latencyMs: performance.now() - ctx.startedAt }));
};

export const embeddingsCreate: Endpoint = {
  name: "embeddings.create",
  method: "POST",
  path: "/v1/embeddings",
  stages: [
    answerErrorsAs("openai", [
      parseJson,
      authenticate,
      requireScope("embeddings"),
      validateEmbeddings,
      resolveCaller,
      resolveRoute("embeddings"),
      withIdempotency([switches, inputGuards, withLimits([routeAndRespond])]),
    ]),
  ],
};
