import { openAIEmbeddingsBody } from "../openai/request";
import { createOpenAIStyleAdapter } from "../openai";
import type { ProviderAdapter } from "../types";
import { parseAzureError } from "./errors";
import { azureChatBody, azureChatUrl, azureEmbeddingsUrl, azureHeaders } from "./request";

export const azureOpenAIAdapter: ProviderAdapter = createOpenAIStyleAdapter({
  kind: "azure_openai",
  chatUrl: azureChatUrl,
  embeddingsUrl: azureEmbeddingsUrl,
  headers: azureHeaders,
  chatBody: azureChatBody,
  embeddingsBody: openAIEmbeddingsBody,
  parseError: parseAzureError,
  tolerant: false,
});
