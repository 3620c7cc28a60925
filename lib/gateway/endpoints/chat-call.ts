import { GatehouseError } from "@/lib/errors";
import { getSnapshot, snapshotReady } from "@/lib/gateway/config";
import { costOfCall } from "@/lib/gateway/cost";
import type { CacheConfig } from "@/lib/features/config";
import { requestPerProvider } from "@/lib/gateway/endpoints/prompt-caching";
import { reservedPromptTokens } from "@/lib/gateway/limits";
import { approxPromptTokens, approxTokensOfChars } from "@/lib/gateway/limits/plan";
import { completionToChunks } from "@/lib/gateway/openai/chunks";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { getProviderAdapter } from "@/lib/gateway/providers/registry";
import { primeChatStream } from "@/lib/gateway/providers/stream";
import { ProviderError, type ChatStream, type NormalisedUsage } from "@/lib/gateway/providers/types";
import { usageToOpenAI, ZERO_USAGE } from "@/lib/gateway/providers/usage";
import { noteLog } from "@/lib/gateway/record";
import { abortKindOf } from "@/lib/gateway/reliability/deadline";
import { ChunkAccumulator } from "@/lib/gateway/respond/accumulate";
import { withCleanup } from "@/lib/gateway/respond/iterables";
import { figureHeaders } from "@/lib/gateway/respond";
import { reportStreamFailure, runChain, type AttemptRecord, type ChainResult, type StreamHandoff } from "@/lib/gateway/route/engine";
import type { PlannedTarget, RoutePlan } from "@/lib/gateway/route/plan";
import { STATIC_TARGET, staticCompletion } from "@/lib/gateway/route/static-answer";
import { guardStream, outputGuards } from "@/lib/gateway/stages/output-guards";
import { requireCallState, requirePlan, type CallState } from "@/lib/gateway/stages/state";
import { logContextOf, type GatewayContext, type GatewayResponse } from "@/lib/gateway/types";
import { upstreamClient } from "@/lib/gateway/upstream/client";
import { log } from "@/lib/log";
import type { RequestLogJobInput } from "@/lib/queues/request-log";

/**
 * Stage 8-9 for a chat request, whatever wire format the caller speaks
 * (chat-completions.ts and messages.ts only encode the outcome): the route's
 * chain through the provider adapters, the static answer when nothing is
 * left, and everything the request log and the response headers need
 * (attempts, served by, fallback reason, tokens, cost, latency, TTFT).
 */

type LogJson = RequestLogJobInput["request"];

export type ChatOutcome =
  | { kind: "answer"; completion: ChatCompletion; usage: NormalisedUsage; headers: Record<string, string> }
  /** Answered already (the client went away: 499, nobody reads it). */
  | { kind: "response"; response: GatewayResponse };

export type StreamOutcome =
  | {
      kind: "stream";
      /** Normalised chunks; a failure after the first is thrown (the encoders end the stream with an error event). */
      chunks: AsyncIterable<ChatCompletionChunk>;
      headers: Record<string, string>;
      /** Settles when the chunks are done: the usage the provider reported (null: none). */
      usage: () => Promise<NormalisedUsage | null>;
    }
  | { kind: "response"; response: GatewayResponse };

/** The feature's provider prompt-caching settings (cache.promptCaching), from the snapshot. */
async function promptCachingOf(state: CallState): Promise<CacheConfig["promptCaching"] | undefined> {
  if (!state.featureId) return undefined;
  return (await snapshotReady()).featureById(state.featureId)?.settings?.cache.promptCaching;
}

function requireChat(state: CallState): ChatCompletionRequest {
  if (!state.chat) throw new GatehouseError("internal_error", "Internal error", { cause: new Error("chat request missing") });
  return state.chat;
}

/** The request as sent upstream, for the request log (plain JSON: the log validates it as such). */
export function asLogJson(value: unknown): LogJson {
  return JSON.parse(JSON.stringify(value)) as LogJson;
}

/**
 * A streamed answer for the request log. toAnswer() builds fresh plain JSON
 * (strings, numbers, null, arrays; no undefined, nothing shared), so the copy
 * asLogJson() makes would be an identical object: not made.
 */
function answerForLog(acc: ChunkAccumulator): LogJson {
  return acc.toAnswer() as unknown as LogJson;
}

/** Guards (issue 6): the request as recorded, the input guards' redacted copy when they made one (raw PII is never recorded). */
function loggedRequest(state: CallState, chat: ChatCompletionRequest): LogJson {
  const logged = state.guards?.loggedRequest;
  return logged !== undefined ? (logged as LogJson) : asLogJson(chat);
}

function attemptsMade(attempts: readonly AttemptRecord[]): number {
  let n = 0;
  for (const a of attempts) if (a.status !== "skipped") n++;
  return n;
}

export function noteUsage(ctx: GatewayContext, usage: NormalisedUsage, cost: bigint | null): void {
  noteLog(ctx, {
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    cachedTokens: usage.cachedTokens,
    reasoningTokens: usage.reasoningTokens,
    costMicros: (cost ?? 0n).toString(),
  });
  // Prompt-cache writes (Anthropic) have no column of their own; they are in the cost, and here.
  if (usage.cacheWriteTokens > 0) noteLog(ctx, { metadata: { ...(ctx.log?.metadata ?? {}), cacheWriteTokens: usage.cacheWriteTokens } });
}

function clientGone(ctx: GatewayContext): GatewayResponse {
  noteLog(ctx, { status: "error", errorCode: "client_disconnected" });
  return {
    status: 499,
    headers: {},
    body: { error: { message: "The client disconnected before the answer was ready", type: "server_error", param: null, code: "client_disconnected" } },
  };
}

/** The chain did not answer: the static answer, the caller's own error, or the chain's error. */
function chainFailed(
  ctx: GatewayContext,
  plan: RoutePlan,
  result: Extract<ChainResult<unknown>, { ok: false }>,
): { kind: "static"; completion: ChatCompletion; headers: Record<string, string> } | { kind: "response"; response: GatewayResponse } {
  const made = attemptsMade(result.attempts);
  ctx.responseHeaders["x-gatehouse-attempts"] = String(made);
  const failure = result.failure;
  if (failure.kind === "cancelled") return { kind: "response", response: clientGone(ctx) };
  if (failure.kind === "exhausted" && plan.staticAnswer) {
    noteLog(ctx, { servedBy: STATIC_TARGET, fallbackReason: result.fallbackReason ?? "no_target", costMicros: "0" });
    log("info", "gateway.static_answer", { route: plan.name, attempts: made }, logContextOf(ctx));
    return {
      kind: "static",
      completion: staticCompletion(plan.staticAnswer, plan.name, ctx.requestId),
      headers: figureHeaders({ target: STATIC_TARGET, attempts: made, costMicros: 0n, latencyMs: performance.now() - ctx.startedAt }),
    };
  }
  throw failure.error;
}

export async function completeChat(ctx: GatewayContext): Promise<ChatOutcome> {
  const state = requireCallState(ctx);
  const plan = requirePlan(ctx);
  const chat = requireChat(state);
  // Guards (issue 6): the request as recorded is the input guards' redacted copy when they made one.
  noteLog(ctx, { request: loggedRequest(state, chat), streamed: false });
  const sent = requestPerProvider(chat, await promptCachingOf(state));
  const result = await runChain({ plan, clientSignal: ctx.req.signal, callerTimeoutMs: state.callerTimeoutMs, log: logContextOf(ctx) }, (t, signal) =>
    getProviderAdapter(t.providerKind).chat(t.target, sent(t.providerKind), { signal, client: upstreamClient }),
  );
  noteLog(ctx, { attempts: result.attempts, fallbackReason: result.fallbackReason });
  if (!result.ok) {
    const failed = chainFailed(ctx, plan, result);
    if (failed.kind === "response") return failed;
    return { kind: "answer", completion: await outputGuards(ctx, failed.completion), usage: ZERO_USAGE, headers: failed.headers };
  }
  const { response, usage } = result.value;
  const cost = costOfCall(await snapshotReady(), result.target.modelId, usage, ctx.receivedAt);
  noteUsage(ctx, usage, cost);
  noteLog(ctx, { servedBy: result.target.label });
  const completion = await outputGuards(ctx, response, { target: result.target }); // guards (issue 6): repair retries go to this target first
  // Stage 7: the cache stores the provider's answer (redacted form: a re-identified one would put the
  // end-user's raw values in Redis and serve them to the next caller); a hit goes through the output guards again.
  state.onAnswer?.({ completion: response, usage, costMicros: cost, target: result.target.label });
  return {
    kind: "answer",
    completion,
    usage,
    headers: figureHeaders({ target: result.target.label, attempts: attemptsMade(result.attempts), costMicros: cost, latencyMs: performance.now() - ctx.startedAt }),
  };
}

export async function streamChat(ctx: GatewayContext): Promise<StreamOutcome> {
  const state = requireCallState(ctx);
  const plan = requirePlan(ctx);
  const chat = requireChat(state);
  const includeUsage = chat.stream_options?.include_usage === true;
  noteLog(ctx, { request: loggedRequest(state, chat), streamed: true }); // guards (issue 6)
  const sent = requestPerProvider(chat, await promptCachingOf(state));
  const result = await runChain(
    { plan, clientSignal: ctx.req.signal, callerTimeoutMs: state.callerTimeoutMs, log: logContextOf(ctx) },
    async (t, signal) => primeChatStream(await getProviderAdapter(t.providerKind).chatStream(t.target, sent(t.providerKind), { signal, client: upstreamClient })),
    true,
  );
  noteLog(ctx, { attempts: result.attempts, fallbackReason: result.fallbackReason });
  if (!result.ok) {
    const failed = chainFailed(ctx, plan, result);
    if (failed.kind === "response") return failed;
    const completion = await outputGuards(ctx, failed.completion);
    noteLog(ctx, { response: asLogJson(completion), ttftMs: Math.round(performance.now() - ctx.startedAt) });
    return { kind: "stream", chunks: staticChunks(state, completion, includeUsage), headers: failed.headers, usage: async () => ZERO_USAGE };
  }
  const handoff = result.stream;
  if (!handoff) throw new GatehouseError("internal_error", "Internal error", { cause: new Error("stream handoff missing") });
  const { attempt, target } = result;
  attempt.ttftMs = attempt.latencyMs;
  const ttftMs = Math.round(performance.now() - ctx.startedAt);
  noteLog(ctx, { servedBy: target.label, ttftMs });
  const stream = result.value;
  return {
    kind: "stream",
    // Guards (issue 6): moderation hold-back, tool calls and re-identification on the served chunks.
    chunks: guardStream(ctx, trackStream(ctx, state, { stream, target, attempt, handoff, attemptStartedAt: performance.now() - attempt.latencyMs }), { target }),
    headers: figureHeaders({ target: target.label, attempts: attemptsMade(result.attempts), latencyMs: ttftMs }),
    usage: () => stream.usage,
  };
}

async function* staticChunks(state: CallState, completion: ChatCompletion, includeUsage: boolean): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  yield* completionToChunks(completion, { includeUsage });
  state.streamOutcome = "ok";
}

interface Tracked {
  stream: ChatStream;
  target: PlannedTarget;
  attempt: AttemptRecord;
  handoff: StreamHandoff;
  attemptStartedAt: number;
}

/**
 * The served stream, with its bookkeeping: the answer for the log, usage and
 * cost at the end, and a failure after the first chunk (cut, malformed event,
 * in-stream error, request deadline) recorded on the attempt, in the log
 * (status error, errorCode stream_interrupted) and on the target's circuit,
 * then rethrown so the encoder ends the stream with an error event (never a
 * clean-looking end). A client that goes away aborts the upstream at once
 * (the request deadline's signal) and the attempt is recorded as aborted.
 */
function trackStream(ctx: GatewayContext, state: CallState, t: Tracked): AsyncIterable<ChatCompletionChunk> {
  const acc = new ChunkAccumulator();
  let finished = false;
  // What a stream that ends before the provider reported usage produced (issue 5:
  // a cut stream settles what was produced): prompt tokens as reserved, output
  // estimated from the characters sent.
  let producedChars = 0;
  const producedUsage = (): NormalisedUsage => ({
    ...ZERO_USAGE,
    promptTokens: reservedPromptTokens(ctx) ?? approxPromptTokens(state.chat?.messages),
    completionTokens: approxTokensOfChars(producedChars),
  });
  const onAbort = (): void => {
    if (finished || abortKindOf(t.handoff.signal) !== "client_disconnected") return;
    finished = true;
    const usage = producedUsage();
    noteUsage(ctx, usage, costOfCall(getSnapshot(), t.target.modelId, usage, ctx.receivedAt));
    // Synchronously, before the request log is written for the abandoned stream.
    t.attempt.status = "aborted";
    t.attempt.errorClass = "cancelled";
    t.attempt.latencyMs = Math.round(performance.now() - t.attemptStartedAt);
    noteLog(ctx, { status: "error", errorCode: "client_disconnected", response: answerForLog(acc) });
    log("info", "gateway.client_disconnected", { target: t.target.label }, logContextOf(ctx));
  };
  t.handoff.signal.addEventListener("abort", onAbort, { once: true });
  const cleanup = (): void => {
    t.handoff.signal.removeEventListener("abort", onAbort);
    t.handoff.release();
    t.stream.cancel();
  };

  async function* run(): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    try {
      for await (const chunk of t.stream.chunks) {
        acc.add(chunk);
        for (const c of chunk.choices) {
          producedChars += c.delta.content?.length ?? 0;
          for (const call of c.delta.tool_calls ?? []) producedChars += call.function?.arguments?.length ?? 0;
        }
        yield chunk;
      }
      const usage = (await t.stream.usage) ?? ZERO_USAGE;
      const cost = costOfCall(await snapshotReady(), t.target.modelId, usage, ctx.receivedAt);
      finished = true;
      t.attempt.latencyMs = Math.round(performance.now() - t.attemptStartedAt);
      noteUsage(ctx, usage, cost);
      noteLog(ctx, { response: answerForLog(acc) });
      state.streamOutcome = "ok";
      state.onAnswer?.({ completion: { ...acc.toAnswer(), usage: usageToOpenAI(usage) }, usage, costMicros: cost, target: t.target.label }); // stage 7
    } catch (e) {
      const kind = abortKindOf(t.handoff.signal);
      if (kind === "client_disconnected" || finished) throw e;
      finished = true;
      const err =
        kind === "request_deadline"
          ? new ProviderError({ errorClass: "timeout", retryable: false, providerMessage: "the request's time budget ran out mid-stream", cause: e })
          : e instanceof ProviderError
            ? e
            : new ProviderError({ errorClass: "stream_cut", retryable: true, providerMessage: "the stream failed", cause: e });
      t.attempt.status = err.errorClass === "timeout" ? "timeout" : "error";
      t.attempt.errorClass = err.errorClass;
      t.attempt.latencyMs = Math.round(performance.now() - t.attemptStartedAt);
      state.streamOutcome = "error";
      const usage = (await t.stream.usage) ?? producedUsage();
      noteUsage(ctx, usage, costOfCall(await snapshotReady(), t.target.modelId, usage, ctx.receivedAt));
      noteLog(ctx, { status: "error", errorCode: "stream_interrupted", response: answerForLog(acc) });
      log("warn", "gateway.stream_interrupted", { target: t.target.label, errorClass: err.errorClass }, logContextOf(ctx));
      await reportStreamFailure(t.target, err);
      throw err;
    } finally {
      cleanup();
    }
  }
  return withCleanup(run(), cleanup);
}
