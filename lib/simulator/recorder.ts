import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Fault, Provider } from "./faults";

/**
 * What the simulator received, so tests can assert on it (`GET /_sim/requests`).
 * Credentials never appear: each is replaced by a fingerprint, `[redacted sha256:<12 hex>]`
 * of the credential itself (the token after `Bearer `), so a test can still check
 * which key was sent with `redactSecret(expectedKey)`.
 */

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key", "cookie"]);
const SECRET_QUERY = new Set(["key", "api_key", "api-key"]);

export function redactSecret(secret: string): string {
  const credential = secret.replace(/^(bearer|basic)\s+/i, "");
  return `[redacted sha256:${createHash("sha256").update(credential).digest("hex").slice(0, 12)}]`;
}

export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    out[name] = SECRET_HEADERS.has(name) ? redactSecret(text) : text;
  }
  return out;
}

export function redactQuery(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params) out[name] = SECRET_QUERY.has(name) ? redactSecret(value) : value;
  return out;
}

export interface RecordedResponse {
  /** HTTP status sent; null when no status line was sent (hang, reset). */
  status: number | null;
  fault: Fault | null;
  /**
   * completed: answered in full; aborted: the client went away first;
   * reset / cut: the simulator destroyed the connection (on purpose).
   */
  outcome: "completed" | "aborted" | "reset" | "cut";
}

export interface RecordedRequest {
  seq: number;
  /** ISO time the request arrived. */
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  provider: Provider | null;
  model: string | null;
  stream: boolean;
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it was not JSON, or null when empty. */
  body: unknown;
  /** Filled in when the exchange ends; null while it is in flight (e.g. a hang). */
  response: RecordedResponse | null;
}

/** A ring buffer of the last `limit` requests. */
export class RequestRecorder {
  private items: RecordedRequest[] = [];

  constructor(private readonly limit = 200) {}

  add(entry: RecordedRequest): RecordedRequest {
    this.items.push(entry);
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
    return entry;
  }

  /** Oldest first; filters are exact model and path prefix; `limit` keeps the newest n. */
  list(filter: { model?: string | undefined; pathPrefix?: string | undefined; limit?: number | undefined } = {}): RecordedRequest[] {
    let out = this.items.filter(
      (r) => (filter.model === undefined || r.model === filter.model) && (filter.pathPrefix === undefined || r.path.startsWith(filter.pathPrefix)),
    );
    if (filter.limit !== undefined) out = out.slice(Math.max(0, out.length - filter.limit));
    return out.map((r) => structuredClone(r));
  }

  clear(): number {
    const n = this.items.length;
    this.items = [];
    return n;
  }
}
