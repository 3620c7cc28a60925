import { describe, expect, it } from "vitest";
import type { ProviderTarget } from "../types";
import { parseAzureError } from "./errors";
import { AZURE_DEFAULT_API_VERSION, azureChatBody, azureChatUrl, azureEmbeddingsUrl, azureHeaders } from "./request";

const target: ProviderTarget = { kind: "azure_openai", baseUrl: "https://acme.openai.azure.com/", apiKey: "az", model: "gpt-4o", config: {} };

describe("azure request map", () => {
  it("deployment path (config.deployment, else the model) and api-version", () => {
    expect(azureChatUrl(target)).toBe(`https://acme.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=${AZURE_DEFAULT_API_VERSION}`);
    expect(azureEmbeddingsUrl({ ...target, config: { deployment: "emb prod", apiVersion: "2025-04-01-preview" } })).toBe(
      "https://acme.openai.azure.com/openai/deployments/emb%20prod/embeddings?api-version=2025-04-01-preview",
    );
  });

  it("api-key header, no bearer", () => {
    expect(azureHeaders(target, false)).toEqual({ "content-type": "application/json", accept: "application/json", "api-key": "az" });
  });

  it("the OpenAI body", () => {
    expect(azureChatBody(target, { model: "x", messages: [{ role: "user", content: "hi" }], stream: true }, true)).toEqual({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});

describe("azure error map", () => {
  it("Azure's own errors and the content filter", () => {
    expect(parseAzureError(401, JSON.stringify({ error: { code: "401", message: "Access denied due to invalid subscription key." } }), {})).toMatchObject({ errorClass: "auth", retryable: false });
    expect(parseAzureError(404, JSON.stringify({ error: { code: "DeploymentNotFound", message: "The API deployment for this resource does not exist." } }), {})).toMatchObject({
      errorClass: "not_found",
      providerCode: "DeploymentNotFound",
    });
    expect(
      parseAzureError(400, JSON.stringify({ error: { message: "The response was filtered", type: null, param: "prompt", code: "content_filter", status: 400, innererror: { code: "ResponsibleAIPolicyViolation" } } }), {}),
    ).toMatchObject({ errorClass: "content_filter", retryable: false });
    expect(parseAzureError(429, JSON.stringify({ error: { code: "429", message: "Requests exceeded" } }), { "retry-after": "4" })).toMatchObject({ errorClass: "rate_limited", retryAfterMs: 4000 });
  });
});
