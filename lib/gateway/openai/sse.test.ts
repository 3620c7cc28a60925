import { describe, expect, it } from "vitest";
import { GatehouseError } from "@/lib/errors";
import { streamCutError } from "@/lib/gateway/providers/classify";
import { ProviderError } from "@/lib/gateway/providers/types";
import { completionToChunks } from "./chunks";
import { errorToOpenAIBody, providerErrorShape } from "./errors";
import { ChatCompletionChunk, type ChatCompletion } from "./schema";
import { encodeOpenAISse } from "./sse";

const chunk: ChatCompletionChunk = { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] };

async function* of(list: ChatCompletionChunk[], fail?: Error): AsyncGenerator<ChatCompletionChunk> {
  for (const c of list) yield c;
  if (fail) throw fail;
}

async function all(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const s of it) out.push(s);
  return out;
}

describe("encodeOpenAISse", () => {
  it("chunks then [DONE]", async () => {
    expect(await all(encodeOpenAISse(of([chunk, chunk])))).toEqual([`data: ${JSON.stringify(chunk)}\n\n`, `data: ${JSON.stringify(chunk)}\n\n`, "data: [DONE]\n\n"]);
  });

  it("a failure after the first chunk: an error event and no [DONE]", async () => {
    const seen: unknown[] = [];
    const out = await all(encodeOpenAISse(of([chunk], streamCutError("socket closed")), { onError: (e) => seen.push(e) }));
    expect(out).toHaveLength(2);
    expect(JSON.parse((out[1] ?? "").slice(6))).toEqual({ error: { message: expect.stringContaining("stream_cut"), type: "server_error", param: null, code: "upstream_error" } });
    expect(seen).toHaveLength(1);
  });

  it("a failure before any chunk is rethrown", async () => {
    await expect(all(encodeOpenAISse(of([], streamCutError("x"))))).rejects.toMatchObject({ errorClass: "stream_cut" });
  });
});

describe("errorToOpenAIBody", () => {
  it("provider errors by class; Gatehouse errors as they are; others hidden", () => {
    const e = new ProviderError({ errorClass: "rate_limited", retryable: true, status: 429, providerMessage: "slow down" });
    expect(errorToOpenAIBody(e)).toEqual({ error: { message: "Upstream provider error (rate_limited, HTTP 429): slow down", type: "rate_limit_error", param: null, code: "rate_limit_exceeded" } });
    expect(providerErrorShape(e).status).toBe(429);
    expect(errorToOpenAIBody(new GatehouseError("timeout", "Timed out"))).toEqual({ error: { message: "Timed out", type: "server_error", param: null, code: "timeout" } });
    expect(errorToOpenAIBody(new Error("db password is hunter2")).error.message).toBe("Internal error");
  });
});

describe("completionToChunks", () => {
  it("one delta and a finish per choice, then usage when asked", () => {
    const c: ChatCompletion = {
      id: "x",
      object: "chat.completion",
      created: 2,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: null, refusal: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }] }, finish_reason: "tool_calls", logprobs: null }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
    const out = completionToChunks(c, { includeUsage: true });
    expect(out.map((x) => ChatCompletionChunk.safeParse(x).success)).toEqual([true, true, true]);
    expect(out[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "t", type: "function", function: { name: "f", arguments: "{}" } }] });
    expect(out[1]?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(out[2]).toMatchObject({ choices: [], usage: { total_tokens: 2 } });
    expect(completionToChunks(c, { includeUsage: false })).toHaveLength(2);
  });
});
