import { joinUrl } from "../http";
import { createOpenAIStyleAdapter } from "../openai";
import { openAIEmbeddingsBody } from "../openai/request";
import type { ProviderAdapter } from "../types";
import { parseCompatibleError } from "./errors";
import { compatibleChatBody, compatibleHeaders } from "./request";

export const openAICompatibleAdapter: ProviderAdapter = createOpenAIStyleAdapter({
  kind: "openai_compatible",
  chatUrl: (t) => joinUrl(t.baseUrl, "/chat/completions"),
  embeddingsUrl: (t) => joinUrl(t.baseUrl, "/embeddings"),
  headers: compatibleHeaders,
  chatBody: compatibleChatBody,
  embeddingsBody: openAIEmbeddingsBody,
  parseError: parseCompatibleError,
  tolerant: true,
});
