import { randomUUID } from "node:crypto";
import { parseJsonBody, sendForStream, sendForText } from "../http";
import { nowSeconds } from "../openai";
import { readSse } from "../sse";
import { toChatStream } from "../stream";
import type { ProviderAdapter } from "../types";
import { parseGeminiError } from "./errors";
import { geminiBatchEmbedUrl, geminiEmbeddingsRequest, geminiEmbedUrl, geminiGenerateUrl, geminiHeaders, geminiRequest, geminiStreamUrl } from "./request";
import { BatchEmbedContentsResponse, EmbedContentResponse, GenerateContentResponse, geminiToOpenAICompletion, geminiToOpenAIEmbeddings } from "./response";
import { translateGeminiStream } from "./stream";

/** Google Gemini (Generative Language API, `x-goog-api-key`). */

const newId = () => `chatcmpl-${randomUUID().replace(/-/g, "")}`;

export const geminiAdapter: ProviderAdapter = {
  kind: "gemini",

  async chat(target, req, opts) {
    const created = nowSeconds();
    const answer = await sendForText(
      { url: geminiGenerateUrl(target), headers: geminiHeaders(target, false), body: JSON.stringify(geminiRequest(req)) },
      opts,
      parseGeminiError,
    );
    const raw = parseJsonBody(GenerateContentResponse, answer.text, "gemini generateContent", answer.status);
    const { response, usage } = geminiToOpenAICompletion(raw, { model: target.model, created, id: newId() });
    return { response, usage, upstreamStatus: answer.status, latencyMs: answer.latencyMs };
  },

  async chatStream(target, req, opts) {
    const created = nowSeconds();
    const answer = await sendForStream(
      { url: geminiStreamUrl(target), headers: geminiHeaders(target, true), body: JSON.stringify(geminiRequest(req)) },
      opts,
      parseGeminiError,
    );
    const ctx = { includeUsage: req.stream_options?.include_usage === true, model: target.model, created, id: newId() };
    return toChatStream(answer, (state) => translateGeminiStream(readSse(answer.body), ctx, state));
  },

  async embeddings(target, req, opts) {
    const plan = geminiEmbeddingsRequest(target, req);
    const answer = await sendForText(
      { url: plan.batch ? geminiBatchEmbedUrl(target) : geminiEmbedUrl(target), headers: geminiHeaders(target, false), body: JSON.stringify(plan.body) },
      opts,
      parseGeminiError,
    );
    const vectors = plan.batch
      ? parseJsonBody(BatchEmbedContentsResponse, answer.text, "gemini batchEmbedContents", answer.status).embeddings.map((e) => e.values)
      : [parseJsonBody(EmbedContentResponse, answer.text, "gemini embedContent", answer.status).embedding.values];
    const { response, usage } = geminiToOpenAIEmbeddings(vectors, plan.texts, target.model, req.encoding_format === "base64");
    return { response, usage, upstreamStatus: answer.status, latencyMs: answer.latencyMs };
  },
};
