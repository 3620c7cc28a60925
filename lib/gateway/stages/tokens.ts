import { InputLimitConfig } from "@/lib/features/config";
import { GatehouseError } from "@/lib/errors";
import { snapshotReady } from "@/lib/gateway/config";
import type { ProviderModelEntry } from "@/lib/gateway/config/types";
import { noteLog } from "@/lib/gateway/record";
import type { PlannedTarget, RoutePlan } from "@/lib/gateway/route/plan";
import { requireCallState, requirePlan } from "@/lib/gateway/stages/state";
import type { GatewayContext, Stage } from "@/lib/gateway/types";
import { chatTokensUpperBound, encodingLoading, estimateChatTokens, estimateChatTokensNow, scaleCount, trimToLimit, type ChatEstimate } from "@/lib/tokens";

/**
 * Stage 5 (token limit), right before limits: counts the chat request's
 * prompt tokens with the tokenizer of the route's primary target (lib/tokens)
 * and enforces two limits on them:
 *
 * - the model's context window: prompt + the caller's `max_completion_tokens`
 *   (or `max_tokens`, when set) must fit `contextWindow` of the primary target
 *   (the first enabled target not stopped by a kill switch). Fallback targets
 *   with a smaller window are not checked here: a provider that refuses the
 *   prompt answers `context_length` and the chain stops there (caller fault);
 * - the feature's `input.maxInputTokens` on the prompt alone.
 *
 * Over a limit: with the feature's `input.overflow: "trim"`, the oldest turns
 * are dropped until it fits (lib/tokens/trim.ts: system prompt and last user
 * turn kept); otherwise, or when nothing more can go, 400
 * `context_length_exceeded` naming the count and the limit. The count
 * (`state.promptTokens`, after any trim) feeds the limits stage, and the
 * estimate goes to the request log's metadata (`promptTokenEstimate`).
 *
 * The tokenizer runs only when its number is needed: first an upper bound
 * (lib/tokens chatTokensUpperBound: each text's UTF-8 byte bound, no BPE) is
 * checked against the limits; when it fits, the exact count is left to
 * `state.countPromptTokens`, which the limits stage calls only when a rate
 * limit or budget applies. A request with neither is never tokenised here
 * (and records no estimate: the provider's usage is its count).
 */

const DEFAULT_INPUT = InputLimitConfig.parse({});

function primaryTarget(plan: RoutePlan): PlannedTarget | undefined {
  return plan.targets.find((t) => !t.killSwitch && !t.unusable) ?? plan.targets[0];
}

interface Limit {
  tokens: number;
  why: string;
}

function limitsOf(model: ProviderModelEntry | undefined, maxInputTokens: number | null, maxOutput: number): Limit[] {
  const limits: Limit[] = [];
  if (maxInputTokens !== null) limits.push({ tokens: maxInputTokens, why: `the feature's input limit of ${maxInputTokens} tokens` });
  if (model && model.contextWindow > 0) {
    const room = model.contextWindow - maxOutput;
    limits.push({
      tokens: room,
      why:
        maxOutput > 0
          ? `the ${model.contextWindow}-token context window of ${model.name} less the ${maxOutput} completion tokens requested`
          : `the ${model.contextWindow}-token context window of ${model.name}`,
    });
  }
  return limits;
}

function tightest(limits: readonly Limit[]): Limit | null {
  let best: Limit | null = null;
  for (const l of limits) if (!best || l.tokens < best.tokens) best = l;
  return best;
}

function noteEstimate(ctx: GatewayContext, est: ChatEstimate, tokens: number, trimmedMessages: number): void {
  const metadata = { ...(ctx.log?.metadata ?? {}) };
  metadata.promptTokenEstimate = { tokens, tokenizer: est.family.name, exact: est.family.exact, ...(trimmedMessages > 0 ? { trimmedMessages } : {}) };
  noteLog(ctx, { metadata: metadata as NonNullable<NonNullable<GatewayContext["log"]>["metadata"]> });
}

export const tokens: Stage = async (ctx) => {
  const state = requireCallState(ctx);
  const chat = state.chat;
  if (!chat) return;
  const plan = requirePlan(ctx);
  const snapshot = await snapshotReady();
  const target = primaryTarget(plan);
  const model = target ? snapshot.model(target.modelId) : undefined;
  const tokenizer = model?.tokenizer ?? "o200k_base";
  const feature = state.featureId ? snapshot.featureById(state.featureId) : undefined;
  const input = feature?.settings?.input ?? DEFAULT_INPUT;
  const maxOutput = chat.max_completion_tokens ?? chat.max_tokens ?? 0;
  const limit = tightest(limitsOf(model, input.maxInputTokens, maxOutput));

  if (!limit || chatTokensUpperBound(chat, tokenizer) <= limit.tokens) {
    // Cannot be over a limit: counted only if the limits stage needs the number (a rate limit or budget applies).
    const loading = encodingLoading(tokenizer);
    if (loading) await loading;
    let tokens: number | undefined;
    state.countPromptTokens = () => {
      if (tokens === undefined) {
        const est = estimateChatTokensNow(chat, tokenizer);
        if (!est) throw new Error("unreachable: the encoding was loaded above");
        tokens = est.tokens;
        noteEstimate(ctx, est, est.tokens, 0);
      }
      return tokens;
    };
    return;
  }
  const est = await estimateChatTokens(chat, tokenizer);
  if (est.tokens <= limit.tokens) {
    state.promptTokens = est.tokens;
    noteEstimate(ctx, est, est.tokens, 0);
    return;
  }
  if (input.overflow === "trim") {
    const trimmed = trimToLimit(chat.messages, est.count, (raw) => scaleCount(est.family, raw) <= limit.tokens);
    if (trimmed) {
      const tokens = scaleCount(est.family, trimmed.raw);
      state.chat = { ...chat, messages: trimmed.messages };
      state.promptTokens = tokens;
      noteEstimate(ctx, est, tokens, trimmed.dropped);
      return;
    }
  }
  noteEstimate(ctx, est, est.tokens, 0);
  const approx = est.family.exact ? "" : " (estimated)";
  const trimNote = input.overflow === "trim" ? "; trimming the oldest turns was not enough" : "";
  throw new GatehouseError(
    "context_length_exceeded",
    `This request has ${est.tokens} prompt tokens${approx}, over the limit of ${Math.max(0, limit.tokens)}: ${limit.why}${trimNote}. Shorten the messages.`,
    { param: "messages" },
  );
};
