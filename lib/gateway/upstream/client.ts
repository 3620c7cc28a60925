import type { Dispatcher } from "undici";
import { abortError, classifyNetworkError } from "@/lib/gateway/providers/classify";
import type { HeaderBag } from "@/lib/gateway/providers/retry-after";
import { getPool } from "./pool";

/**
 * The one way the data plane talks HTTP to providers: an undici Pool per
 * origin, the caller's AbortSignal wired through (a client that disconnects,
 * or a deadline, aborts the upstream request and its body at once), and every
 * connection failure thrown as a classified ProviderError (ECONNRESET -> reset,
 * ECONNREFUSED -> connect, UND_ERR_*_TIMEOUT -> timeout, abort -> timeout or
 * cancelled; see providers/classify.ts).
 */

export interface UpstreamRequest {
  /** Absolute URL; its origin picks the pool. */
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string | Buffer | null;
  signal: AbortSignal;
  /** Overrides of the pool's safety-net timeouts for this request. */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

/**
 * The response body. Read it exactly once: `text()`, or iterate it. A body
 * neither read to the end nor cancelled keeps its connection busy, so callers
 * that give up call `cancel()` (iteration left early does this itself).
 * Errors while reading are ProviderErrors (`reset`, `timeout`, `cancelled`).
 */
export interface UpstreamBody extends AsyncIterable<Buffer> {
  text(): Promise<string>;
  /** Drops the rest of the body and the connection (it cannot be reused half-read). */
  cancel(): void;
}

export interface UpstreamResponse {
  status: number;
  headers: HeaderBag;
  body: UpstreamBody;
}

export interface UpstreamClient {
  request(req: UpstreamRequest): Promise<UpstreamResponse>;
}

/** scheme://host[:port] and the rest, without building a URL object per request. */
export function splitUrl(url: string): { origin: string; path: string } {
  const hostStart = url.indexOf("//");
  if (hostStart < 0) throw new TypeError(`upstream URL must be absolute: ${url}`);
  const slash = url.indexOf("/", hostStart + 2);
  const query = url.indexOf("?", hostStart + 2);
  const cut = slash < 0 ? query : query < 0 ? slash : Math.min(slash, query);
  if (cut < 0) return { origin: url, path: "/" };
  const path = url.slice(cut);
  return { origin: url.slice(0, cut), path: path.startsWith("/") ? path : `/${path}` };
}

type RawBody = Dispatcher.ResponseData["body"];

function ignore(): void {}

/**
 * Every byte of the body has been pushed into the stream (undici completed
 * the response), even if 'end' has not been emitted yet. Node has no public
 * flag for this; `_readableState.ended` is what its own stream helpers read.
 */
function receivedInFull(raw: RawBody): boolean {
  if (raw.readableEnded) return true;
  const state = (raw as unknown as { _readableState?: { ended?: unknown } })._readableState;
  return state?.ended === true;
}

class Body implements UpstreamBody {
  constructor(
    private readonly raw: RawBody,
    private readonly signal: AbortSignal,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    let stoppedEarly = true;
    try {
      // destroyOnReturn: false, and release() below instead: a consumer that
      // stops at the provider's end-of-stream marker (`data: [DONE]`) usually
      // does so after undici has received the whole body but before the
      // stream emitted 'end'. Node's default iterator then destroys it with an
      // AbortError whose stack it formats (source-mapped under tsx: tens of
      // µs per streamed request) for a body that was complete anyway.
      for await (const chunk of this.raw.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
      stoppedEarly = false;
    } catch (e) {
      stoppedEarly = false; // the iterator destroyed the body itself
      throw classifyNetworkError(e, this.signal);
    } finally {
      if (stoppedEarly) this.release();
    }
  }

  /**
   * Reading stopped before the end. A body undici has received in full is
   * drained and left to end by itself (its connection is already back in the
   * pool); one still in flight is destroyed, and its connection with it (the
   * error that destroy() emits is nobody's news: the reader already stopped).
   */
  private release(): void {
    if (this.raw.destroyed) return;
    if (receivedInFull(this.raw)) this.raw.resume();
    else this.raw.on("error", ignore).destroy();
  }

  async text(): Promise<string> {
    try {
      return await this.raw.text();
    } catch (e) {
      throw classifyNetworkError(e, this.signal);
    }
  }

  cancel(): void {
    this.release();
  }
}

export function createUpstreamClient(dispatcherFor: (origin: string) => Dispatcher = getPool): UpstreamClient {
  return {
    async request(req) {
      if (req.signal.aborted) throw abortError(req.signal);
      const { origin, path } = splitUrl(req.url);
      let res: Dispatcher.ResponseData;
      try {
        res = await dispatcherFor(origin).request({
          path,
          method: req.method,
          headers: req.headers,
          body: req.body ?? null,
          signal: req.signal,
          ...(req.headersTimeoutMs !== undefined ? { headersTimeout: req.headersTimeoutMs } : {}),
          ...(req.bodyTimeoutMs !== undefined ? { bodyTimeout: req.bodyTimeoutMs } : {}),
        });
      } catch (e) {
        throw classifyNetworkError(e, req.signal);
      }
      return { status: res.statusCode, headers: res.headers, body: new Body(res.body, req.signal) };
    },
  };
}

/** The process-wide client over the shared pools. */
export const upstreamClient: UpstreamClient = createUpstreamClient();
