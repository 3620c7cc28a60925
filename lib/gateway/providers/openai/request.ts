import { omitFields } from "@/lib/gateway/objects";
import type { ChatCompletionRequest, EmbeddingsRequest } from "@/lib/gateway/openai/schema";
import type { ProviderTarget } from "../types";

/**
 * OpenAI-shaped request bodies. The caller's request is forwarded as sent
 * (unknown fields included) with these changes: `model` becomes the target's
 * model, `metadata.gatehouse` (Gatehouse's own key) is removed, a stream
 * always asks for usage (`stream_options.include_usage`), which the stream map
 * strips again when the caller did not ask for it, and the vendor fields other
 * adapters understand (`thinking` for Anthropic, `top_k` for Anthropic and
 * Gemini; the Anthropic inbound translator sets them) are not sent where they
 * would be refused: both to OpenAI and Azure, `thinking` to compatible servers
 * (vLLM and llama.cpp read `top_k`); Anthropic's `cache_control` is removed
 * for OpenAI and Azure only.
 */

export interface OpenAIBodyOptions {
  stream: boolean;
  /** OpenAI-compatible servers: `max_completion_tokens` is sent as `max_tokens` (vLLM < 0.6, Ollama, llama.cpp read only that). */
  compat?: boolean;
}

// Set below or not forwarded (lib/gateway/objects.ts: why not `...rest`).
const NOT_COPIED: ReadonlySet<string> = new Set(["metadata", "stream", "stream_options"]);
const GATEHOUSE_KEY: ReadonlySet<string> = new Set(["gatehouse"]);

export function openAIChatBody(target: ProviderTarget, req: ChatCompletionRequest, o: OpenAIBodyOptions): Record<string, unknown> {
  const { metadata, stream_options } = req;
  const body = omitFields(req, NOT_COPIED);
  body.model = target.model;
  if (metadata) {
    const own = omitFields(metadata, GATEHOUSE_KEY);
    if (Object.keys(own).length > 0) body.metadata = own;
  }
  if (o.stream) {
    body.stream = true;
    body.stream_options = { ...(stream_options ?? {}), include_usage: true };
  }
  delete body.thinking;
  if (!o.compat) {
    delete body.top_k;
    stripCacheControl(body, req);
  }
  if (o.compat && (body.max_tokens === undefined || body.max_tokens === null) && typeof body.max_completion_tokens === "number") {
    body.max_tokens = body.max_completion_tokens;
    delete body.max_completion_tokens;
  }
  return body;
}

const CACHE_CONTROL: ReadonlySet<string> = new Set(["cache_control"]);

function hasCacheControl(x: unknown): boolean {
  return typeof x === "object" && x !== null && (x as { cache_control?: unknown }).cache_control != null;
}

/**
 * Anthropic's `cache_control` (on messages, content parts, tools) is not part
 * of OpenAI's or Azure's API, which refuse unknown message fields: it is
 * removed for them (kept for compatible servers: LiteLLM, OpenRouter and
 * vLLM proxies read it). Copies only when there is one to remove.
 */
function stripCacheControl(body: Record<string, unknown>, req: ChatCompletionRequest): void {
  const marked = req.messages.some((m) => hasCacheControl(m) || (Array.isArray(m.content) && m.content.some(hasCacheControl)));
  if (marked) {
    body.messages = req.messages.map((m) => {
      if (!hasCacheControl(m) && !(Array.isArray(m.content) && m.content.some(hasCacheControl))) return m;
      const copy = omitFields(m, CACHE_CONTROL);
      if (Array.isArray(m.content)) copy.content = m.content.map((p) => (hasCacheControl(p) ? omitFields(p, CACHE_CONTROL) : p));
      return copy;
    });
  }
  if (req.tools?.some(hasCacheControl)) body.tools = req.tools.map((t) => (hasCacheControl(t) ? omitFields(t, CACHE_CONTROL) : t));
}

export function openAIEmbeddingsBody(target: ProviderTarget, req: EmbeddingsRequest): Record<string, unknown> {
  return { ...req, model: target.model };
}

export function openAIHeaders(target: ProviderTarget, stream: boolean): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
    ...target.config.headers,
  };
}
