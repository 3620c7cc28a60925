import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { once } from "node:events";
import type { Socket } from "node:net";
import { getEnv } from "@/lib/env";
import { GatehouseError } from "@/lib/errors";
import { handle, rejectRequest } from "@/lib/gateway/handle";
import { payloadTooLarge } from "@/lib/gateway/stages/parse";
import { isStreamBody, type GatewayResponse } from "@/lib/gateway/types";
import { log } from "@/lib/log";

/**
 * The fast path: node:http straight into the pipeline, no framework in
 * between (DESIGN.md: about 10x cheaper per request than a Next route handler).
 */
export async function serveNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const abort = new AbortController();
  // The client went away before we finished: abort upstream work.
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });

  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const headers = flattenHeaders(req.headers);
  const method = req.method ?? "GET";
  const path = q === -1 ? url : url.slice(0, q);
  // Read now: once the body is refused the socket may already be detached.
  const remoteAddress = req.socket?.remoteAddress;
  let response: GatewayResponse;
  try {
    const body = await readBody(req, getEnv().GATEHOUSE_MAX_BODY_BYTES);
    response = await handle({
      method,
      path,
      headers,
      body,
      remoteAddress,
      signal: abort.signal,
    });
  } catch (err) {
    if (abort.signal.aborted) return;
    // Refused before the pipeline (body over the limit): answered and recorded like any request.
    response = rejectRequest({ method, path, headers, remoteAddress }, err);
    if (err instanceof GatehouseError && err.code === "payload_too_large") {
      // The rest of the body is still on the wire: do not read it, close after answering.
      response.headers.connection = "close";
    }
  }
  await writeResponse(res, response, abort.signal);
}

export function flattenHeaders(h: IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(h)) {
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Buffers the body up to maxBytes; throws payload_too_large past it without reading the rest. */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes) throw payloadTooLarge(maxBytes);
  if (declared === undefined && req.headers["transfer-encoding"] === undefined) return null;

  // Events rather than `for await` over the stream: the async iterator costs a
  // promise and several closures per chunk, and a request body is one chunk.
  return new Promise<Buffer | null>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        reject(payloadTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(size === 0 ? null : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    // The client went away before sending the whole body.
    const onClose = (): void => {
      if (req.complete) return;
      cleanup();
      reject(new Error("request body aborted"));
    };
    const cleanup = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

export async function writeResponse(res: ServerResponse, response: GatewayResponse, signal?: AbortSignal): Promise<void> {
  const { status, headers, body } = response;
  if (!isStreamBody(body)) {
    // Written as a string (no Buffer copy of the body first); content-length counts its UTF-8 bytes.
    const payload = JSON.stringify(body ?? null);
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength(payload, "utf8")),
      ...headers,
    });
    res.end(payload, "utf8");
    return;
  }

  res.writeHead(status, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers });
  // The headers leave at once, but in the same write as the first events when
  // those are ready within this tick (they usually are: the route primed the
  // first one), not as a syscall of their own: corked until the batch's first flush.
  const socket = res.socket;
  socket?.cork();
  res.flushHeaders();
  const iterator = body[Symbol.asyncIterator]();
  const out = new TickBatch(res, signal, socket);
  try {
    for (;;) {
      if (signal?.aborted) break;
      const { value, done } = await iterator.next();
      if (done) break;
      out.push(value);
      if (out.drained) await out.drained;
    }
    out.end();
  } catch (err) {
    if (!signal?.aborted) log("error", "gateway.stream_write_failed", { err }, { requestId: headers["x-request-id"] });
    res.destroy();
  } finally {
    // Let the producer release its upstream connection when we stopped early.
    await iterator.return?.();
  }
}

/**
 * The events of a stream produced in the same tick, written with one
 * `res.write` at the end of the tick instead of one each (a chunked-encoding
 * frame, a byte count and four buffered socket writes per event otherwise).
 * When upstream data arrives in bursts, a burst of events leaves as one frame;
 * a slow stream still sends every event as soon as it is made. Backpressure as
 * before: once a write reports a full buffer, `drained` holds the producer
 * until 'drain' (it rejects if the client goes away, like `once` did).
 */
class TickBatch {
  private parts: Array<Uint8Array | string> = [];
  private scheduled = true;
  drained: Promise<unknown> | null = null;

  /** `corked`: the response's socket, corked with the headers in it; uncorked by the first flush, at the end of this tick. */
  constructor(
    private readonly res: ServerResponse,
    private readonly signal: AbortSignal | undefined,
    private corked: Socket | null,
  ) {
    process.nextTick(this.flush);
  }

  push(value: Uint8Array | string): void {
    this.parts.push(value);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
  }

  /** Ends the response with what is still batched. */
  end(): void {
    const rest = this.take();
    if (rest === null) this.res.end();
    else this.res.end(rest);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const data = this.take();
    if (data !== null && !this.res.writableEnded && !this.res.destroyed && !this.res.write(data) && !this.drained) {
      const drained = once(this.res, "drain", { signal: this.signal }).then(() => {
        if (this.drained === drained) this.drained = null;
      });
      drained.catch(() => undefined); // the loop awaits it; a rejection must not count as unhandled meanwhile
      this.drained = drained;
    }
    if (this.corked) {
      const socket = this.corked;
      this.corked = null;
      socket.uncork();
    }
  };

  private take(): Uint8Array | string | null {
    const parts = this.parts;
    if (parts.length === 0) return null;
    this.parts = [];
    if (parts.length === 1) return parts[0] as Uint8Array | string;
    let allStrings = true;
    for (const p of parts) if (typeof p !== "string") allStrings = false;
    if (allStrings) return (parts as string[]).join("");
    return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
  }
}
