/**
 * What Next does around an app-router route handler, for the tests of the
 * Web adapter: node:http request -> Web `Request` (body streamed, headers
 * flattened, `x-forwarded-for` set from the socket when absent, the client's
 * going away aborting `request.signal`), then the Web `Response` piped back
 * (status, headers, body chunk by chunk; a client gone cancels the body).
 * Next is not loaded: it would cost minutes of compile per test file on this
 * machine for the same Request/Response the route handlers get.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { flattenHeaders } from "@/lib/gateway/node-adapter";

export async function viaWebAdapter(req: IncomingMessage, res: ServerResponse, serve: (request: Request) => Promise<Response>): Promise<void> {
  const ac = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) ac.abort();
  });
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const headers = new Headers();
  for (const [k, v] of Object.entries(flattenHeaders(req.headers))) if (v !== undefined) headers.set(k, v);
  // Next's base server: `req.headers['x-forwarded-for'] ??= socket.remoteAddress`.
  if (!headers.has("x-forwarded-for") && req.socket.remoteAddress) headers.set("x-forwarded-for", req.socket.remoteAddress);
  const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    signal: ac.signal,
    ...(hasBody ? { duplex: "half" } : {}),
  } as RequestInit);
  const response = await serve(request);
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  res.writeHead(response.status, out);
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      res.write(value);
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    if (ac.signal.aborted) await reader.cancel().catch(() => undefined);
  }
}
