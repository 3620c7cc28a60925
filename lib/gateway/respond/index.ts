import { formatUsd } from "@/lib/gateway/cost";
import type { GatewayResponse } from "@/lib/gateway/types";

export { errorAnswer, type ErrorAnswer } from "./errors";

/**
 * Stage 11, respond: JSON or SSE, with the figures known at that point.
 *
 *   x-gatehouse-target    `provider/model` that answered, `static` for the route's static answer
 *   x-gatehouse-attempts  upstream attempts made (skipped targets not counted)
 *   x-gatehouse-cost-usd  cost of the call in US dollars (6 decimals), when the model has a price
 *   x-gatehouse-latency-ms time from arrival to the response (SSE: to the first chunk)
 * (`x-request-id` is set by handle() on every response.)
 */
export interface Figures {
  target?: string | null;
  attempts?: number;
  costMicros?: bigint | null;
  latencyMs?: number;
}

export function figureHeaders(f: Figures): Record<string, string> {
  const h: Record<string, string> = {};
  if (f.target) h["x-gatehouse-target"] = f.target;
  if (f.attempts !== undefined) h["x-gatehouse-attempts"] = String(f.attempts);
  if (f.costMicros !== undefined && f.costMicros !== null) h["x-gatehouse-cost-usd"] = formatUsd(f.costMicros);
  if (f.latencyMs !== undefined) h["x-gatehouse-latency-ms"] = String(Math.max(0, Math.round(f.latencyMs)));
  return h;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): GatewayResponse {
  return { status, headers, body };
}

/** An SSE response; the adapters write `text/event-stream` and flush the headers at once. */
export function sseResponse(body: AsyncIterable<string>, headers: Record<string, string> = {}): GatewayResponse {
  // Proxies (nginx) must not buffer a stream: every event goes out as it is made.
  return { status: 200, headers: { "x-accel-buffering": "no", ...headers }, body };
}
