import type { z } from "zod";
import type { UpstreamBody } from "@/lib/gateway/upstream/client";
import { malformedError } from "./classify";
import type { HeaderBag } from "./retry-after";
import type { CallOptions, ProviderError } from "./types";

/**
 * The HTTP steps every adapter shares: send, turn a non-2xx answer into a
 * classified ProviderError (through the provider's own error parser), read
 * and validate a JSON body (anything else is `malformed`).
 */

export type ErrorParser = (status: number, bodyText: string, headers: HeaderBag) => ProviderError;

export interface SendSpec {
  url: string;
  method?: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

export interface JsonAnswer {
  status: number;
  headers: HeaderBag;
  text: string;
  latencyMs: number;
}

export interface StreamAnswer {
  status: number;
  headers: HeaderBag;
  body: UpstreamBody;
  headersLatencyMs: number;
}

async function failWith(status: number, headers: HeaderBag, body: UpstreamBody, parseError: ErrorParser): Promise<never> {
  // An error body cut short still tells us the status: classify by that.
  const text = await body.text().catch(() => "");
  throw parseError(status, text, headers);
}

/** Sends a request and reads the whole 2xx body as text. */
export async function sendForText(spec: SendSpec, opts: CallOptions, parseError: ErrorParser): Promise<JsonAnswer> {
  const started = performance.now();
  const res = await opts.client.request({ url: spec.url, method: spec.method ?? "POST", headers: spec.headers, body: spec.body ?? null, signal: opts.signal });
  if (res.status < 200 || res.status > 299) return failWith(res.status, res.headers, res.body, parseError);
  const text = await res.body.text();
  return { status: res.status, headers: res.headers, text, latencyMs: performance.now() - started };
}

/** Sends a request and resolves at 2xx headers, the body unread. */
export async function sendForStream(spec: SendSpec, opts: CallOptions, parseError: ErrorParser): Promise<StreamAnswer> {
  const started = performance.now();
  const res = await opts.client.request({ url: spec.url, method: spec.method ?? "POST", headers: spec.headers, body: spec.body ?? null, signal: opts.signal });
  if (res.status < 200 || res.status > 299) return failWith(res.status, res.headers, res.body, parseError);
  return { status: res.status, headers: res.headers, body: res.body, headersLatencyMs: performance.now() - started };
}

/**
 * JSON.parse + zod, both failures as `malformed` (retryable: the next answer
 * may be whole). `isPlain`: a hand-written check that accepts only values
 * the schema would accept unchanged, used as they are without zod's pass.
 */
export function parseJsonBody<T extends z.ZodType>(schema: T, text: string, what: string, status?: number, isPlain?: (v: unknown) => v is z.infer<T>): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw malformedError(`${what}: body is not JSON (${text.length} bytes)`, e, status);
  }
  return isPlain?.(json) ? json : parseJsonValue(schema, json, what, status);
}

export function parseJsonValue<T extends z.ZodType>(schema: T, json: unknown, what: string, status?: number): z.infer<T> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw malformedError(`${what}: unexpected shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`, parsed.error, status);
  }
  return parsed.data;
}

/** Parses one stream event's JSON payload, or throws `malformed`. */
export function parseEventJson(data: string, what: string): unknown {
  try {
    return JSON.parse(data);
  } catch (e) {
    throw malformedError(`${what}: stream event is not JSON (${data.length} bytes)`, e);
  }
}

export function joinUrl(base: string, path: string): string {
  return base.endsWith("/") ? base.slice(0, -1) + path : base + path;
}
