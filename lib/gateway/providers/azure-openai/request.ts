import type { ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { openAIChatBody } from "../openai/request";
import type { ProviderTarget } from "../types";

/**
 * Azure OpenAI: the OpenAI body, addressed to a deployment
 * (`/openai/deployments/{deployment}/chat/completions?api-version=...`)
 * with the key in `api-key`. The deployment is `config.deployment`, else the
 * target's model; Azure ignores `model` in the body.
 */

export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

function deploymentUrl(target: ProviderTarget, operation: string): string {
  const base = target.baseUrl.endsWith("/") ? target.baseUrl.slice(0, -1) : target.baseUrl;
  const deployment = encodeURIComponent(target.config.deployment ?? target.model);
  const version = encodeURIComponent(target.config.apiVersion ?? AZURE_DEFAULT_API_VERSION);
  return `${base}/openai/deployments/${deployment}/${operation}?api-version=${version}`;
}

export const azureChatUrl = (t: ProviderTarget): string => deploymentUrl(t, "chat/completions");
export const azureEmbeddingsUrl = (t: ProviderTarget): string => deploymentUrl(t, "embeddings");

export function azureHeaders(target: ProviderTarget, stream: boolean): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    ...(target.apiKey ? { "api-key": target.apiKey } : {}),
    ...target.config.headers,
  };
}

export function azureChatBody(target: ProviderTarget, req: ChatCompletionRequest, stream: boolean): Record<string, unknown> {
  return openAIChatBody(target, req, { stream });
}
