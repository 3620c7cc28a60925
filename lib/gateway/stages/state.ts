import { GatehouseError } from "@/lib/errors";
import type { ChatCompletionRequest, EmbeddingsRequest } from "@/lib/gateway/openai/schema";
import type { NormalisedUsage } from "@/lib/gateway/providers/types";
import type { RoutePlan } from "@/lib/gateway/route/plan";
import type { GuardRun } from "@/lib/gateway/guards/run";
import type { GatewayContext } from "@/lib/gateway/types";
import type { ContextDoc } from "@/lib/queues/request-log";

/**
 * What the data-plane stages of one model call (chat, messages, embeddings)
 * learn about it, in pipeline order. Kept beside the GatewayContext (a
 * WeakMap, so it dies with the request) rather than on it: GatewayContext is
 * the pipeline's shared contract, this is the model-call endpoints' own.
 */
export interface CallState {
  /** Wire format the caller speaks (and gets its answers and errors in). */
  format: WireFormat;
  /** The model the caller named: a route alias or a concrete model. */
  model: string;
  /** The request in the internal OpenAI shape (for /v1/messages: translated). */
  chat?: ChatCompletionRequest;
  embeddings?: EmbeddingsRequest;
  /** Set by the resolve stage. */
  featureId: string | null;
  endUserId: string | null;
  /** `metadata.gatehouse.context`, as recorded. */
  contextDocs: ContextDoc[];
  /** Parsed `x-gatehouse-timeout-ms`. */
  callerTimeoutMs: number | null;
  /** Set by the model stage. */
  plan?: RoutePlan;
  /**
   * Set by the tokens stage: the prompt's tokens as counted before the call
   * (after any trim), for the primary target's tokenizer; exact for OpenAI
   * encodings, an over-estimate for others (lib/tokens). Read by limits for
   * the worst-case cost and tokens/minute. Provider usage is the truth after.
   */
  promptTokens?: number;
  /**
   * Set by the tokens stage instead of `promptTokens` when the prompt cannot
   * be over any limit (its upper bound fits): counts it exactly on the first
   * call (and records the estimate), so a request that no rate limit or
   * budget applies to never runs the tokenizer. Read by limits.
   */
  countPromptTokens?: () => number;
  /** Streams: how the stream ended, for the idempotency store (only a clean end is stored). */
  streamOutcome?: "ok" | "error";
  /** Set by the input-guards stage (issue 6): the effective policy, verdicts, the request's redactor (lib/gateway/guards/run.ts). */
  guards?: GuardRun;
  /** The JSON schema the answer must match when no `response_format` carries one (the prompt version's outputSchema; set by the prompt stage). */
  outputSchema?: unknown;
  /**
   * Set by the cache stage (7) on a miss it may store: called once with the
   * upstream's answer when the call succeeded (a stream: when it ended
   * cleanly). Never for a static answer or a failure.
   */
  onAnswer?: (answer: CallAnswer) => void;
}

/** A model call's answer as the cache captures it. */
export interface CallAnswer {
  /** The completion (a stream: rebuilt from its chunks, plus usage); checked by the cache before it is stored. */
  completion: unknown;
  usage: NormalisedUsage;
  /** What the call cost; null when the model has no price. */
  costMicros: bigint | null;
  /** `provider/model` that answered. */
  target: string;
}

export type WireFormat = "openai" | "anthropic";

const states = new WeakMap<GatewayContext, CallState>();

export function initCallState(ctx: GatewayContext, init: Pick<CallState, "format" | "model"> & Partial<CallState>): CallState {
  // Every key present from the start (one hidden class for all requests; see newLogFields in lib/gateway/record/entry.ts).
  const state: CallState = {
    format: init.format,
    model: init.model,
    chat: undefined,
    embeddings: undefined,
    featureId: null,
    endUserId: null,
    contextDocs: [],
    callerTimeoutMs: null,
    plan: undefined,
    promptTokens: undefined,
    countPromptTokens: undefined,
    streamOutcome: undefined,
    guards: undefined,
    outputSchema: undefined,
    onAnswer: undefined,
  } satisfies Record<keyof CallState, unknown>;
  Object.assign(state, init);
  states.set(ctx, state);
  return state;
}

/** For stages after the body was validated; fails loudly when the pipeline is mis-ordered. */
export function requireCallState(ctx: GatewayContext): CallState {
  const state = states.get(ctx);
  if (!state) throw new GatehouseError("internal_error", "Internal error", { cause: new Error("call state missing (validate stage not run)") });
  return state;
}

export function callStateOf(ctx: GatewayContext): CallState | undefined {
  return states.get(ctx);
}

export function requirePlan(ctx: GatewayContext): RoutePlan {
  const plan = requireCallState(ctx).plan;
  if (!plan) throw new GatehouseError("internal_error", "Internal error", { cause: new Error("route plan missing (model stage not run)") });
  return plan;
}
