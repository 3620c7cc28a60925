import { describe, expect, it } from "vitest";
import { plainChatRequest } from "./plain-request";
import { ChatCompletionRequest } from "./schema";

/** What zod returns, as JSON text: the same values in the same key order. */
function zodJson(body: unknown): string | null {
  const parsed = ChatCompletionRequest.safeParse(body);
  return parsed.success ? JSON.stringify(parsed.data) : null;
}

const base = () => ({
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You are terse." },
    { content: "Hi", role: "user", name: "ana" },
    { role: "assistant", content: "Hello." },
    { role: "developer", content: "Be kind." },
  ],
});

describe("plainChatRequest", () => {
  it.each([
    ["the minimal request", base()],
    ["sampling settings in any key order", { temperature: 0.2, ...base(), max_tokens: 32, top_p: 1, n: 1, seed: 7, stop: ["\n", "END"], presence_penalty: -2, frequency_penalty: 2, user: "u-1" }],
    ["stream with its options, nulls", { stream: true, stream_options: { include_obfuscation: false, include_usage: true }, ...base(), max_completion_tokens: null, temperature: null, stop: null }],
    ["logprobs and store", { ...base(), logprobs: true, top_logprobs: 20, store: false, stop: "x" }],
  ])("takes %s and returns what zod does, key order included, with nothing shared", (_name, body) => {
    const fast = plainChatRequest(body);
    expect(fast).not.toBeNull();
    expect(JSON.stringify(fast)).toBe(zodJson(body));
    // A copy like zod's: later stages may change it without touching the logged body.
    expect(fast).not.toBe(body);
    expect(fast?.messages).not.toBe(body.messages);
    fast?.messages.forEach((m, i) => expect(m).not.toBe(body.messages[i]));
    if (Array.isArray((body as { stop?: unknown }).stop)) expect(fast?.stop).not.toBe((body as { stop?: unknown }).stop);
    if ((body as { stream_options?: unknown }).stream_options) expect(fast?.stream_options).not.toBe((body as { stream_options?: unknown }).stream_options);
  });

  it.each([
    ["tools", { ...base(), tools: [{ type: "function", function: { name: "f" } }] }],
    ["response_format", { ...base(), response_format: { type: "json_object" } }],
    ["content parts", { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }],
    ["cache_control on a message", { model: "m", messages: [{ role: "user", content: "hi", cache_control: { type: "ephemeral" } }] }],
    ["a tool message", { model: "m", messages: [{ role: "tool", content: "x", tool_call_id: "c" }] }],
    ["assistant content null", { model: "m", messages: [{ role: "assistant", content: null }] }],
    ["metadata", { ...base(), metadata: { a: "b" } }],
    ["an unknown key", { ...base(), future_field: 1 }],
    ["a key named like an Object method", JSON.parse('{"model":"m","messages":[{"role":"user","content":"x"}],"toString":1}')],
    ["a __proto__ key", JSON.parse('{"model":"m","messages":[{"role":"user","content":"x"}],"__proto__":{"a":1}}')],
    ["a constructor key", JSON.parse('{"model":"m","messages":[{"role":"user","content":"x"}],"constructor":"x"}')],
    ["an empty model", { ...base(), model: "" }],
    ["no messages", { model: "m", messages: [] }],
    ["user: null", { ...base(), user: null }],
    ["name: null", { model: "m", messages: [{ role: "user", content: "x", name: null }] }],
    ["temperature 2.5", { ...base(), temperature: 2.5 }],
    ["n 0", { ...base(), n: 0 }],
    ["max_tokens 1.5", { ...base(), max_tokens: 1.5 }],
    ["an empty stop list", { ...base(), stop: [] }],
    ["stream as a string", { ...base(), stream: "yes" }],
    ["an unknown stream option", { ...base(), stream_options: { include_usage: true, other: 1 } }],
    ["not an object", [base()]],
  ])("leaves %s to zod", (_name, body) => {
    expect(plainChatRequest(body)).toBeNull();
  });

  it("on 20,000 generated requests, whatever it takes zod takes too, to the same result", () => {
    // mulberry32: a seeded 32-bit generator (the same requests every run).
    let seed = 42;
    const rand = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    // Mostly valid values (so the fast path is reached), else anything: the edges of every range included.
    const anything: readonly unknown[] = [null, true, false, 0, 1, -1, 0.5, 1.5, 2, 2.5, -2, -3, 20, 21, 128, 129, 2 ** 53, "", "x", [], ["a"], [1], {}, { include_usage: true }, { include_usage: "no" }];
    const valid: Readonly<Record<string, readonly unknown[]>> = {
      stream: [true, false, null],
      stream_options: [{ include_usage: true }, { include_obfuscation: false, include_usage: false }, null],
      max_tokens: [0, 1, 4096, null],
      max_completion_tokens: [0, 64, null],
      temperature: [0, 0.7, 2, null],
      top_p: [0, 0.5, 1, null],
      n: [1, 128, null],
      seed: [-5, 0, 2 ** 53 - 1, null],
      stop: ["x", ["a", "b"], null],
      presence_penalty: [-2, 0, 2, null],
      frequency_penalty: [-2, 1.5, null],
      logprobs: [true, null],
      top_logprobs: [0, 20, null],
      user: ["u"],
      store: [false, null],
      tools: [[{ type: "function", function: { name: "f" } }]],
      metadata: [{ a: "b" }],
      extra: [1],
    };
    // Just outside each range.
    const edges: Readonly<Record<string, readonly unknown[]>> = {
      max_tokens: [-1, 1.5],
      max_completion_tokens: [-1, 0.5],
      temperature: [-0.1, 2.01],
      top_p: [-0.1, 1.01],
      n: [0, 129, 1.5],
      seed: [0.5, 2 ** 53],
      stop: [[], [1]],
      presence_penalty: [-2.01, 2.01],
      frequency_penalty: [-2.01, 2.01],
      top_logprobs: [-1, 21],
      user: [null, 1],
      stream_options: [{ other: true }, { include_usage: 1 }],
    };
    const keys = Object.keys(valid);
    const message = (): Record<string, unknown> => {
      const m: Record<string, unknown> = {
        role: rand() < 0.9 ? pick(["system", "developer", "user", "assistant"]) : pick(["tool", "bogus", 1]),
        content: rand() < 0.9 ? pick(["hi", ""]) : pick([null, 3, [{ type: "text", text: "t" }]]),
      };
      if (rand() < 0.2) m.name = rand() < 0.8 ? "n" : pick([null, 1]);
      if (rand() < 0.03) m.cache_control = { type: "ephemeral" };
      return m;
    };
    let taken = 0;
    for (let i = 0; i < 20_000; i++) {
      const entries: Array<[string, unknown]> = [
        ["model", rand() < 0.95 ? "gpt-4o" : pick(["", 5])],
        ["messages", rand() < 0.03 ? [] : Array.from({ length: 1 + Math.floor(rand() * 3) }, message)],
      ];
      for (const k of keys) {
        if (rand() >= 0.2) continue;
        const r = rand();
        entries.push([k, r < 0.7 ? pick(valid[k] ?? []) : r < 0.85 && edges[k] ? pick(edges[k]) : pick(anything)]);
      }
      entries.sort(() => rand() - 0.5);
      const body: unknown = JSON.parse(JSON.stringify(Object.fromEntries(entries)));
      const fast = plainChatRequest(body);
      if (fast === null) continue;
      taken++;
      expect(JSON.stringify(fast)).toBe(zodJson(body));
    }
    // The generator reaches the fast path often enough for this to mean something.
    expect(taken).toBeGreaterThan(2_000);
  });
});
