import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
} from "@/lib/gateway/openai/schema";
import type { UpstreamClient } from "@/lib/gateway/upstream/client";

/**
 * The contract between the routing engine and the provider adapters.
 *
 * An adapter takes an OpenAI-shaped request and a target (where and with which
 * key), talks to the provider in its own wire format over the shared upstream
 * client, and answers in the OpenAI shape whatever the provider: response,
 * stream chunks, usage, finish reasons and errors. Adapters know nothing of
 * tenants, Prisma, Redis or queues, and hold no state between calls.
 */

export type ProviderKind = "openai" | "azure_openai" | "anthropic" | "gemini" | "openai_compatible";

export const PROVIDER_KINDS: readonly ProviderKind[] = ["openai", "azure_openai", "anthropic", "gemini", "openai_compatible"];

export interface ProviderTargetConfig {
  /** Azure: `api-version` query (default 2024-10-21). Gemini: API version path segment (default v1beta). */
  apiVersion?: string;
  /** Azure: deployment name (default: the target's model). */
  deployment?: string;
  /** Extra headers sent upstream on every call (e.g. `anthropic-beta`, an org id). */
  headers?: Record<string, string>;
  /** Anthropic: `max_tokens` when the caller sets none (Anthropic requires one). Default 4096. */
  defaultMaxTokens?: number;
  /**
   * Anthropic, `response_format` json_object/json_schema: `tool` (default) forces a
   * tool whose input is the JSON (works on every Claude model); `native` sends
   * `output_config.format` (structured outputs, newer models only).
   */
  structuredOutput?: "tool" | "native";
}

export interface ProviderTarget {
  kind: ProviderKind;
  /**
   * openai / openai_compatible: up to the version prefix (`https://api.openai.com/v1`,
   * `http://localhost:11434/v1`). anthropic, gemini, azure_openai: the origin
   * (`https://api.anthropic.com`, `https://generativelanguage.googleapis.com`,
   * `https://<resource>.openai.azure.com`).
   */
  baseUrl: string;
  /** null for servers that take no key (a local vLLM/Ollama). */
  apiKey: string | null;
  /** The provider's own model id. */
  model: string;
  config: ProviderTargetConfig;
}

export interface CallOptions {
  /** Aborting it aborts the upstream request at once (client gone, deadline passed). */
  signal: AbortSignal;
  client: UpstreamClient;
}

/**
 * Token counts in one shape for every provider, in OpenAI's convention:
 * `promptTokens` is the whole input (cached reads and cache writes included),
 * `completionTokens` the whole output (reasoning included).
 */
export interface NormalisedUsage {
  promptTokens: number;
  completionTokens: number;
  /** Input tokens read from the provider's prompt cache. */
  cachedTokens: number;
  /** Input tokens written to the provider's prompt cache (Anthropic). */
  cacheWriteTokens: number;
  /** Output tokens spent on reasoning / thinking. */
  reasoningTokens: number;
}

export interface ChatResult {
  /** Normalised OpenAI chat completion. */
  response: ChatCompletion;
  usage: NormalisedUsage;
  upstreamStatus: number;
  /** From sending the request to the whole body read. */
  latencyMs: number;
}

export interface ChatStream {
  upstreamStatus: number;
  /** From sending the request to the 2xx response headers. */
  headersLatencyMs: number;
  /**
   * Normalised OpenAI chunks, whatever the provider. Ends only after the
   * provider's own end-of-stream marker; anything else (connection cut,
   * malformed event, in-stream error, abort) is thrown as a ProviderError
   * (`stream_cut`, `malformed`, the error's class, `timeout`/`cancelled`), never
   * a clean-looking end. Iterate once. Leaving the loop early releases the
   * upstream connection. The usage chunk appears only when the caller asked
   * for it (`stream_options.include_usage`).
   */
  chunks: AsyncIterable<ChatCompletionChunk>;
  /**
   * Settles when `chunks` is done, fails, is left early, or `cancel()` is
   * called: the usage the provider reported by then (partial on a cut stream:
   * Anthropic reports input tokens first), or null when it reported none (an
   * OpenAI-compatible server that sends no usage). Never rejects.
   */
  usage: Promise<NormalisedUsage | null>;
  /**
   * Releases the upstream connection without reading on (a stream that is
   * never iterated, e.g. the losing side of a race). Safe to call twice.
   */
  cancel(): void;
}

export interface EmbeddingsResult {
  response: EmbeddingsResponse;
  usage: NormalisedUsage;
  upstreamStatus: number;
  latencyMs: number;
}

export interface ProviderAdapter {
  readonly kind: ProviderKind;
  chat(target: ProviderTarget, req: ChatCompletionRequest, opts: CallOptions): Promise<ChatResult>;
  /** Resolves once the provider answered 2xx headers; a failure before that rejects (so the caller can fall back). */
  chatStream(target: ProviderTarget, req: ChatCompletionRequest, opts: CallOptions): Promise<ChatStream>;
  embeddings(target: ProviderTarget, req: EmbeddingsRequest, opts: CallOptions): Promise<EmbeddingsResult>;
}

// ---------------------------------------------------------------- errors

/** Every failure of an upstream call falls in one of these; see `classify.ts` for the table. */
export type ErrorClass =
  | "timeout"
  | "connect"
  | "reset"
  | "rate_limited"
  | "overloaded"
  | "server"
  | "bad_request"
  | "auth"
  | "not_found"
  | "context_length"
  | "content_filter"
  | "malformed"
  | "stream_cut"
  /** The caller aborted (client disconnected): not retryable, nobody is waiting. */
  | "cancelled";

export interface ProviderErrorInit {
  errorClass: ErrorClass;
  retryable: boolean;
  status?: number;
  retryAfterMs?: number;
  /** The provider's own message (never contains our secrets; may echo the request). */
  providerMessage: string;
  /** The provider's own error code or type, when it sent one. */
  providerCode?: string;
  cause?: unknown;
}

export class ProviderError extends Error {
  override name = "ProviderError";
  readonly errorClass: ErrorClass;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly providerMessage: string;
  readonly providerCode: string | undefined;

  constructor(init: ProviderErrorInit) {
    super(`${init.errorClass}${init.status === undefined ? "" : ` (${init.status})`}: ${init.providerMessage}`, { cause: init.cause });
    this.errorClass = init.errorClass;
    this.status = init.status;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.providerMessage = init.providerMessage;
    this.providerCode = init.providerCode;
  }
}

export function isProviderError(e: unknown): e is ProviderError {
  return e instanceof ProviderError;
}
