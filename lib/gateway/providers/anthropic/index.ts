import { AnthropicMessage } from "@/lib/gateway/anthropic/schema";
import { unsupportedError } from "../classify";
import { parseJsonBody, sendForStream, sendForText } from "../http";
import { nowSeconds } from "../openai";
import { readSse } from "../sse";
import { toChatStream } from "../stream";
import type { ProviderAdapter } from "../types";
import { parseAnthropicError } from "./errors";
import { anthropicHeaders, anthropicMessagesUrl, anthropicRequest } from "./request";
import { anthropicToOpenAICompletion } from "./response";
import { translateAnthropicStream } from "./stream";

/** Anthropic Messages API (`{baseUrl}/v1/messages`, `x-api-key`, `anthropic-version`). No embeddings API. */
export const anthropicAdapter: ProviderAdapter = {
  kind: "anthropic",

  async chat(target, req, opts) {
    const created = nowSeconds();
    const plan = anthropicRequest(target, req, false);
    const answer = await sendForText(
      { url: anthropicMessagesUrl(target), headers: anthropicHeaders(target, false), body: JSON.stringify(plan.body) },
      opts,
      parseAnthropicError,
    );
    const msg = parseJsonBody(AnthropicMessage, answer.text, "anthropic message", answer.status);
    const { response, usage } = anthropicToOpenAICompletion(msg, { model: target.model, created, jsonTool: plan.jsonTool });
    return { response, usage, upstreamStatus: answer.status, latencyMs: answer.latencyMs };
  },

  async chatStream(target, req, opts) {
    const created = nowSeconds();
    const plan = anthropicRequest(target, req, true);
    const answer = await sendForStream(
      { url: anthropicMessagesUrl(target), headers: anthropicHeaders(target, true), body: JSON.stringify(plan.body) },
      opts,
      parseAnthropicError,
    );
    const ctx = { includeUsage: req.stream_options?.include_usage === true, model: target.model, created, jsonTool: plan.jsonTool };
    return toChatStream(answer, (state) => translateAnthropicStream(readSse(answer.body), ctx, state));
  },

  embeddings() {
    return Promise.reject(unsupportedError("anthropic has no embeddings API"));
  },
};
