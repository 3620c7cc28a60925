import { randomUUID } from "node:crypto";
import { completionToChunks } from "@/lib/gateway/openai/chunks";
import type { ChatCompletionRequest, EmbeddingsRequest } from "@/lib/gateway/openai/schema";
import { headerValue } from "../retry-after";
import { joinUrl, parseJsonBody, sendForStream, sendForText, type ErrorParser } from "../http";
import { readSse } from "../sse";
import { toChatStream } from "../stream";
import type { ProviderAdapter, ProviderKind, ProviderTarget } from "../types";
import { parseOpenAIError } from "./errors";
import { openAIChatBody, openAIEmbeddingsBody, openAIHeaders } from "./request";
import { isPlainCompletion, normaliseOpenAICompletion, normaliseOpenAIEmbeddings, UpstreamCompletion, UpstreamEmbeddings } from "./response";
import { translateOpenAIStream } from "./stream";

/**
 * OpenAI (`{baseUrl}/chat/completions`, `/embeddings`, Bearer key), and the
 * factory Azure OpenAI and OpenAI-compatible servers share: same wire format,
 * different URLs, headers and tolerance.
 */

export interface OpenAIStyleSpec {
  kind: ProviderKind;
  chatUrl(target: ProviderTarget): string;
  embeddingsUrl(target: ProviderTarget): string;
  headers(target: ProviderTarget, stream: boolean): Record<string, string>;
  chatBody(target: ProviderTarget, req: ChatCompletionRequest, stream: boolean): Record<string, unknown>;
  embeddingsBody(target: ProviderTarget, req: EmbeddingsRequest): Record<string, unknown>;
  parseError: ErrorParser;
  /** OpenAI-compatible servers: missing `[DONE]` after every choice finished is fine; a JSON answer to a stream request is streamed. */
  tolerant: boolean;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
export const newCompletionId = (): string => `chatcmpl-${randomUUID().replace(/-/g, "")}`;

export function createOpenAIStyleAdapter(spec: OpenAIStyleSpec): ProviderAdapter {
  const what = `${spec.kind} chat completion`;
  return {
    kind: spec.kind,

    async chat(target, req, opts) {
      const created = nowSeconds();
      const answer = await sendForText(
        { url: spec.chatUrl(target), headers: spec.headers(target, false), body: JSON.stringify(spec.chatBody(target, req, false)) },
        opts,
        spec.parseError,
      );
      const raw = parseJsonBody(UpstreamCompletion, answer.text, what, answer.status, isPlainCompletion);
      const { response, usage } = normaliseOpenAICompletion(raw, { model: target.model, created });
      return { response, usage, upstreamStatus: answer.status, latencyMs: answer.latencyMs };
    },

    async chatStream(target, req, opts) {
      const created = nowSeconds();
      const answer = await sendForStream(
        { url: spec.chatUrl(target), headers: spec.headers(target, true), body: JSON.stringify(spec.chatBody(target, req, true)) },
        opts,
        spec.parseError,
      );
      const includeUsage = req.stream_options?.include_usage === true;
      if (spec.tolerant && (headerValue(answer.headers, "content-type") ?? "").includes("application/json")) {
        // The server ignored `stream: true` and answered in one piece.
        return toChatStream(answer, async function* (state) {
          const raw = parseJsonBody(UpstreamCompletion, await answer.body.text(), what, answer.status, isPlainCompletion);
          const { response, usage } = normaliseOpenAICompletion(raw, { model: target.model, created });
          state.usage = usage;
          yield* completionToChunks(response, { includeUsage });
        });
      }
      const ctx = { includeUsage, model: target.model, created, id: newCompletionId(), tolerant: spec.tolerant };
      return toChatStream(answer, (state) => translateOpenAIStream(readSse(answer.body), ctx, state));
    },

    async embeddings(target, req, opts) {
      const answer = await sendForText(
        { url: spec.embeddingsUrl(target), headers: spec.headers(target, false), body: JSON.stringify(spec.embeddingsBody(target, req)) },
        opts,
        spec.parseError,
      );
      const raw = parseJsonBody(UpstreamEmbeddings, answer.text, `${spec.kind} embeddings`, answer.status);
      const { response, usage } = normaliseOpenAIEmbeddings(raw, target.model);
      return { response, usage, upstreamStatus: answer.status, latencyMs: answer.latencyMs };
    },
  };
}

export const openaiAdapter: ProviderAdapter = createOpenAIStyleAdapter({
  kind: "openai",
  chatUrl: (t) => joinUrl(t.baseUrl, "/chat/completions"),
  embeddingsUrl: (t) => joinUrl(t.baseUrl, "/embeddings"),
  headers: openAIHeaders,
  chatBody: (t, req, stream) => openAIChatBody(t, req, { stream }),
  embeddingsBody: openAIEmbeddingsBody,
  parseError: parseOpenAIError,
  tolerant: false,
});
