import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "@/lib/gateway/openai/schema";
import type { UpstreamBody } from "@/lib/gateway/upstream/client";
import { streamCutError } from "./classify";
import { chunkHasOutput, primeChatStream, toChatStream } from "./stream";

const ck = (delta: ChatCompletionChunk["choices"][number]["delta"], finish: ChatCompletionChunk["choices"][number]["finish_reason"] = null): ChatCompletionChunk => ({
  id: "c",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

function fakeBody() {
  const body = {
    cancelled: 0,
    text: () => Promise.resolve(""),
    cancel() {
      body.cancelled++;
    },
    async *[Symbol.asyncIterator]() {},
  };
  return body satisfies UpstreamBody;
}

const usage = { promptTokens: 1, completionTokens: 2, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };

describe("toChatStream", () => {
  it("a clean end settles usage and keeps the connection", async () => {
    const body = fakeBody();
    const s = toChatStream({ status: 200, headers: {}, body, headersLatencyMs: 1 }, async function* (state) {
      yield ck({ content: "a" });
      state.usage = usage;
    });
    const got = [];
    for await (const c of s.chunks) got.push(c);
    expect(got).toHaveLength(1);
    expect(await s.usage).toEqual(usage);
    expect(body.cancelled).toBe(0);
  });

  it("leaving early or failing releases the upstream body; cancel() works on a stream never iterated", async () => {
    const body = fakeBody();
    const s = toChatStream({ status: 200, headers: {}, body, headersLatencyMs: 1 }, async function* () {
      yield ck({ content: "a" });
      yield ck({ content: "b" });
    });
    for await (const _ of s.chunks) break;
    expect(body.cancelled).toBe(1);
    await expect(s.usage).resolves.toBeNull();

    const failing = fakeBody();
    const f = toChatStream({ status: 200, headers: {}, body: failing, headersLatencyMs: 1 }, async function* () {
      yield ck({ content: "a" });
      throw streamCutError("cut");
    });
    await expect((async () => {
      for await (const _ of f.chunks);
    })()).rejects.toMatchObject({ errorClass: "stream_cut" });
    expect(failing.cancelled).toBe(1);

    const idle = fakeBody();
    const i = toChatStream({ status: 200, headers: {}, body: idle, headersLatencyMs: 1 }, async function* () {
      yield ck({ content: "never" });
    });
    i.cancel();
    i.cancel();
    expect(idle.cancelled).toBe(1);
    await expect(i.usage).resolves.toBeNull();
  });
});

describe("primeChatStream", () => {
  it("waits past empty chunks to the first output and replays everything", async () => {
    const s = toChatStream({ status: 200, headers: {}, body: fakeBody(), headersLatencyMs: 1 }, async function* () {
      yield ck({ role: "assistant", content: "" });
      yield ck({ content: "Hi" });
      yield ck({}, "stop");
    });
    const primed = await primeChatStream(s);
    const got = [];
    for await (const c of primed.chunks) got.push(c.choices[0]?.delta.content ?? c.choices[0]?.finish_reason);
    expect(got).toEqual(["", "Hi", "stop"]);
  });

  it("rejects when the stream fails before any output", async () => {
    const body = fakeBody();
    const s = toChatStream({ status: 200, headers: {}, body, headersLatencyMs: 1 }, async function* () {
      yield ck({ role: "assistant", content: "" });
      throw streamCutError("cut before the first token");
    });
    await expect(primeChatStream(s)).rejects.toMatchObject({ errorClass: "stream_cut" });
    expect(body.cancelled).toBe(1);
  });

  it("chunkHasOutput", () => {
    expect(chunkHasOutput(ck({ role: "assistant", content: "" }))).toBe(false);
    expect(chunkHasOutput(ck({ content: "x" }))).toBe(true);
    expect(chunkHasOutput(ck({ tool_calls: [{ index: 0, id: "a" }] }))).toBe(true);
    expect(chunkHasOutput(ck({}, "stop"))).toBe(true);
    expect(chunkHasOutput({ ...ck({}), choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })).toBe(true);
  });
});
