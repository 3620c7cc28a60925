import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAllPools, upstreamClient } from "@/lib/gateway/upstream";
import type { ProviderTarget } from "../types";
import { openAICompatibleAdapter } from ".";
import { parseCompatibleError } from "./errors";
import { compatibleChatBody, compatibleHeaders } from "./request";

// What the simulator cannot play: servers that answer with gaps (no ids,
// no usage, no [DONE], JSON to a stream request), over real HTTP.
let server: http.Server;
let base = "";
let answer: (req: http.IncomingMessage, res: http.ServerResponse, body: Record<string, unknown>) => void = () => undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => answer(req, res, JSON.parse(Buffer.concat(parts).toString("utf8") || "{}") as Record<string, unknown>));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await closeAllPools({ force: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const target = (): ProviderTarget => ({ kind: "openai_compatible", baseUrl: base, apiKey: null, model: "llama3", config: {} });
const opts = () => ({ signal: AbortSignal.timeout(5000), client: upstreamClient });
const req = { model: "x", messages: [{ role: "user" as const, content: "hi" }], max_completion_tokens: 32 };

describe("openai-compatible", () => {
  it("request: max_tokens, no key header when none is configured", () => {
    expect(compatibleChatBody(target(), req, false)).toEqual({ model: "llama3", messages: req.messages, max_tokens: 32 });
    expect(compatibleHeaders(target(), false).authorization).toBeUndefined();
  });

  it("a bare answer (no id, created, usage; tool call without id, finish 'stop') is completed", async () => {
    let seen: Record<string, unknown> = {};
    answer = (_req, res, body) => {
      seen = body;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ message: { role: "assistant", content: "", tool_calls: [{ function: { name: "f", arguments: { a: 1 } } }] }, finish_reason: "stop" }] }));
    };
    const r = await openAICompatibleAdapter.chat(target(), req, opts());
    expect(seen).toMatchObject({ model: "llama3", max_tokens: 32 });
    expect(r.response.choices[0]).toMatchObject({ finish_reason: "tool_calls", message: { tool_calls: [{ id: expect.stringMatching(/^call_/), function: { arguments: '{"a":1}' } }] } });
    expect(r.usage).toEqual({ promptTokens: 0, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it("a stream without [DONE] and without usage ends cleanly once finished", async () => {
    answer = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "Hi" } }] })}\n\n`);
      res.end(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "eos" }] })}\n\n`);
    };
    const s = await openAICompatibleAdapter.chatStream(target(), { ...req, stream: true }, opts());
    const chunks = [];
    for await (const c of s.chunks) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? c.choices[0]?.finish_reason)).toEqual(["Hi", "stop"]);
    expect(chunks[0]).toMatchObject({ id: expect.stringMatching(/^chatcmpl-/), object: "chat.completion.chunk", model: "llama3" });
    expect(await s.usage).toBeNull();
  });

  it("a JSON answer to a stream request is replayed as chunks", async () => {
    answer = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "x1", created: 5, model: "llama3", choices: [{ index: 0, message: { role: "assistant", content: "Whole" }, finish_reason: "stop" }], usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 } }));
    };
    const s = await openAICompatibleAdapter.chatStream(target(), { ...req, stream: true, stream_options: { include_usage: true } }, opts());
    const chunks = [];
    for await (const c of s.chunks) chunks.push(c);
    expect(chunks.map((c) => [c.choices[0]?.delta.content ?? null, c.choices[0]?.finish_reason ?? null, c.usage?.total_tokens ?? null])).toEqual([
      ["Whole", null, null],
      [null, "stop", null],
      [null, null, 3],
    ]);
    expect((await s.usage)?.promptTokens).toBe(2);
  });

  it("errors: vLLM and Ollama bodies", () => {
    expect(parseCompatibleError(400, JSON.stringify({ object: "error", message: "This model's maximum context length is 4096 tokens", type: "BadRequestError", param: null, code: 400 }), {})).toMatchObject({
      errorClass: "context_length",
    });
    expect(parseCompatibleError(404, JSON.stringify({ error: 'model "llama9" not found, try pulling it first' }), {})).toMatchObject({ errorClass: "not_found" });
  });
});
