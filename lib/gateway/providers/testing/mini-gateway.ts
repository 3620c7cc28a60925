import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeAnthropicSse, openAIChunksToAnthropicEvents } from "@/lib/gateway/anthropic/stream";
import { errorToAnthropic } from "@/lib/gateway/anthropic/errors";
import { MessagesRequest } from "@/lib/gateway/anthropic/schema";
import { anthropicToOpenAI, openAIToAnthropicResponse } from "@/lib/gateway/anthropic/translate";
import { errorToOpenAIBody, providerErrorShape } from "@/lib/gateway/openai/errors";
import { ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { encodeOpenAISse } from "@/lib/gateway/openai/sse";
import type { UpstreamClient } from "@/lib/gateway/upstream/client";
import { getProviderAdapter } from "../registry";
import { primeChatStream } from "../stream";
import { ProviderError, type ProviderTarget } from "../types";

/**
 * For tests only: the smallest server that puts the provider layer behind the
 * two public wire formats, so the official SDKs can be pointed at it.
 *   POST /v1/chat/completions  OpenAI in, any provider, OpenAI out (JSON or SSE)
 *   POST /v1/messages          Anthropic in, translated, any provider, Anthropic out
 * The target comes from `pick(headers)`; the client going away aborts the upstream call.
 * The real pipeline (auth, routing, retries) is lib/gateway's; this has none of it.
 */

export interface MiniGateway {
  url: string;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return JSON.parse(Buffer.concat(parts).toString("utf8"));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}

async function pipeSse(res: ServerResponse, text: AsyncIterable<string>): Promise<void> {
  let headersSent = false;
  for await (const piece of text) {
    if (!headersSent) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      headersSent = true;
    }
    res.write(piece);
  }
  if (!headersSent) res.writeHead(200, { "content-type": "text/event-stream" });
  res.end();
}

export async function startMiniGateway(pick: (headers: IncomingMessage["headers"]) => ProviderTarget, client: UpstreamClient): Promise<MiniGateway> {
  const server = http.createServer((req, res) => {
    const ac = new AbortController();
    res.on("close", () => ac.abort());
    const opts = { signal: ac.signal, client };
    const anthropic = req.url === "/v1/messages";
    const fail = (e: unknown) => {
      if (res.headersSent) return res.destroy();
      if (anthropic) {
        const { status, body } = errorToAnthropic(e);
        return sendJson(res, status, body);
      }
      return sendJson(res, e instanceof ProviderError ? providerErrorShape(e).status : 400, errorToOpenAIBody(e));
    };
    (async () => {
      const json = await readJson(req);
      const target = pick(req.headers);
      const adapter = getProviderAdapter(target.kind);
      if (anthropic) {
        const parsed = MessagesRequest.safeParse(json);
        if (!parsed.success) return sendJson(res, 400, { type: "error", error: { type: "invalid_request_error", message: parsed.error.message } });
        const chat = anthropicToOpenAI(parsed.data);
        if (!parsed.data.stream) {
          const r = await adapter.chat(target, chat, opts);
          return sendJson(res, 200, openAIToAnthropicResponse(r.response, { usage: r.usage, model: parsed.data.model }));
        }
        const stream = await primeChatStream(await adapter.chatStream(target, chat, opts));
        return pipeSse(res, encodeAnthropicSse(openAIChunksToAnthropicEvents(stream.chunks, { model: parsed.data.model, usage: () => stream.usage })));
      }
      const chat = ChatCompletionRequest.parse(json);
      if (!chat.stream) return sendJson(res, 200, (await adapter.chat(target, chat, opts)).response);
      const stream = await primeChatStream(await adapter.chatStream(target, chat, opts));
      return pipeSse(res, encodeOpenAISse(stream.chunks));
    })().catch(fail);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
