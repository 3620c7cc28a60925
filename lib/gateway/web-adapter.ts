import { getEnv } from "@/lib/env";
import { GatehouseError } from "@/lib/errors";
import { handle, rejectRequest } from "@/lib/gateway/handle";
import { payloadTooLarge } from "@/lib/gateway/stages/parse";
import { isStreamBody, type GatewayResponse } from "@/lib/gateway/types";

/**
 * The same pipeline behind Web Request/Response, for Next route handlers
 * (`app/api/v1/**`): a Next-only deployment works, only slower than the
 * node:http fast path. `/api/v1/x` is served as `/v1/x`, `/api/ofrep/x` as `/ofrep/x`.
 * A Web Request carries no socket: the remote address (process log of
 * unauthenticated requests) is the first `x-forwarded-for` entry, which Next
 * sets from the socket when the client did not send one.
 */
export async function serveWeb(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.startsWith("/api/v1/") || url.pathname.startsWith("/api/ofrep/") ? url.pathname.slice(4) : url.pathname;
  const headers: Record<string, string | undefined> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });

  const remoteAddress = headers["x-forwarded-for"]?.split(",")[0]?.trim() || undefined;

  let response: GatewayResponse;
  try {
    const body = await readBody(request, getEnv().GATEHOUSE_MAX_BODY_BYTES);
    response = await handle({ method: request.method, path, headers, body, remoteAddress, signal: request.signal });
  } catch (err) {
    // Refused before the pipeline (body over the limit): answered and recorded like any request.
    response = rejectRequest({ method: request.method, path, headers, remoteAddress }, err);
    if (err instanceof GatehouseError && err.code === "payload_too_large") {
      // As the node adapter: the rest of the body may still be on the wire, close after answering.
      response.headers.connection = "close";
    }
  }
  return toWebResponse(response);
}

async function readBody(request: Request, maxBytes: number): Promise<Buffer | null> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw payloadTooLarge(maxBytes);
  if (!request.body) return null;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw payloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return size === 0 ? null : Buffer.concat(chunks, size);
}

export function toWebResponse(response: GatewayResponse): Response {
  const { status, headers, body } = response;
  if (!isStreamBody(body)) {
    // 204 / 304 (OFREP's bulk evaluation, If-None-Match) must not carry a body.
    if (status === 204 || status === 304) return new Response(null, { status, headers });
    return new Response(JSON.stringify(body ?? null), {
      status,
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
    });
  }
  const iterator = body[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(typeof value === "string" ? encoder.encode(value) : value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(stream, {
    status,
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers },
  });
}
