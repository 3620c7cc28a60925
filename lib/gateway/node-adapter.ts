import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { once } from "node:events";
import { getEnv } from "@/lib/env";
import { GatehouseError } from "@/lib/errors";
import { errorResponse, handle } from "@/lib/gateway/handle";
import { resolveRequestId } from "@/lib/gateway/request-id";
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
  let response: GatewayResponse;
  try {
    const body = await readBody(req, getEnv().GATEHOUSE_MAX_BODY_BYTES);
    response = await handle({
      method: req.method ?? "GET",
      path: q === -1 ? url : url.slice(0, q),
      headers,
      body,
      remoteAddress: req.socket.remoteAddress,
      signal: abort.signal,
    });
  } catch (err) {
    if (abort.signal.aborted) return;
    response = errorResponse(err, resolveRequestId(headers["x-request-id"]));
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

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.pause();
      throw payloadTooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return size === 0 ? null : Buffer.concat(chunks, size);
}

export async function writeResponse(res: ServerResponse, response: GatewayResponse, signal?: AbortSignal): Promise<void> {
  const { status, headers, body } = response;
  if (!isStreamBody(body)) {
    const payload = Buffer.from(JSON.stringify(body ?? null));
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(payload.length),
      ...headers,
    });
    res.end(payload);
    return;
  }

  res.writeHead(status, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers });
  res.flushHeaders();
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (signal?.aborted) break;
      const { value, done } = await iterator.next();
      if (done) break;
      if (!res.write(value)) await once(res, "drain", { signal });
    }
    res.end();
  } catch (err) {
    if (!signal?.aborted) log("error", "gateway.stream_write_failed", { err });
    res.destroy();
  } finally {
    // Let the producer release its upstream connection when we stopped early.
    await iterator.return?.();
  }
}
