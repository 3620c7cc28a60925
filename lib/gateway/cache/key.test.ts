import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import {
  ANSWER_FIELDS,
  NOT_ANSWER_FIELDS,
  answerFields,
  cacheRedisKeys,
  canonicalJson,
  exactDigest,
  lastUserText,
  normaliseTurn,
  parseCacheControl,
  semanticScopeDigest,
  type KeyScope,
} from "./key";

const scope: KeyScope = { tenantId: "ten_a", route: "support", targets: ["sim/gpt"], promptVersionId: null, guardPolicy: "0" };
const req = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "support",
  messages: [{ role: "user", content: "hello" }],
  ...extra,
});

describe("canonicalJson", () => {
  it("sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});

describe("exactDigest", () => {
  it("is the same for the same request regardless of key order and delivery fields", () => {
    const one = exactDigest(scope, req({ temperature: 0.5, stream: true, user: "u1" }));
    const two = exactDigest(scope, { temperature: 0.5, messages: [{ role: "user", content: "hello" }], model: "support", user: "u2", metadata: { a: "b" } });
    expect(two).toBe(one);
  });

  it("changes with every answer field, the tenant, the route, the prompt and guard versions", () => {
    const base = exactDigest(scope, req());
    const variants: Array<Partial<ChatCompletionRequest>> = [
      { temperature: 0 },
      { top_p: 0.1 },
      { seed: 1 },
      { stop: "x" },
      { max_tokens: 5 },
      { n: 2 },
      { logit_bias: { "1": 1 } },
      { presence_penalty: 1 },
      { frequency_penalty: 1 },
      { response_format: { type: "json_object" } },
      { tools: [{ type: "function", function: { name: "f" } }] },
      { tool_choice: "none" },
      { messages: [{ role: "user", content: "hello!" }] },
      { ...({ some_new_param: true } as object) },
    ];
    const seen = new Set([base]);
    for (const v of variants) seen.add(exactDigest(scope, req(v)));
    for (const s of [{ tenantId: "ten_b" }, { route: "other" }, { targets: ["sim/other"] }, { promptVersionId: "pmv_1" }, { guardPolicy: "gpl_1@3" }]) {
      seen.add(exactDigest({ ...scope, ...s }, req()));
    }
    expect(seen.size).toBe(1 + variants.length + 5);
  });

  it("lists no field both as answer-changing and not", () => {
    for (const f of ANSWER_FIELDS) expect(NOT_ANSWER_FIELDS.has(f)).toBe(false);
    expect(Object.keys(answerFields(req({ stream: true, temperature: null })))).toEqual(["model", "messages"]);
  });

  it("puts the tenant in the Redis key prefix", () => {
    expect(cacheRedisKeys.exact("ten_a", "abc")).toBe("gh:cache:{ten_a}:x:abc");
  });
});

describe("semantic scope", () => {
  it("covers the earlier turns but not the last user turn", () => {
    const convo = (first: string, last: string) =>
      req({ messages: [{ role: "user", content: first }, { role: "assistant", content: "ok" }, { role: "user", content: last }] });
    const s1 = semanticScopeDigest(scope, convo("refunds", "how long?"), "emb");
    expect(semanticScopeDigest(scope, convo("refunds", "and how long does it take?"), "emb")).toBe(s1);
    expect(semanticScopeDigest(scope, convo("shipping", "how long?"), "emb")).not.toBe(s1);
    expect(semanticScopeDigest(scope, convo("refunds", "how long?"), "other-emb")).not.toBe(s1);
    expect(semanticScopeDigest({ ...scope, tenantId: "ten_b" }, convo("refunds", "how long?"), "emb")).not.toBe(s1);
    expect(semanticScopeDigest(scope, req({ ...convo("refunds", "how long?"), temperature: 1 }), "emb")).not.toBe(s1);
  });

  it("embeds only a text last user turn, normalised", () => {
    expect(lastUserText([{ role: "user", content: "a" }, { role: "assistant", content: "b" }])).toBeNull();
    expect(lastUserText([{ role: "user", content: [{ type: "text", text: "x" }, { type: "text", text: "y" }] }])).toBe("x\ny");
    expect(lastUserText([{ role: "user", content: [{ type: "image_url", image_url: { url: "http://x" } }] } as never])).toBeNull();
    expect(normaliseTurn("  What  is\nTHIS?! ")).toBe("what is this");
  });
});

describe("parseCacheControl", () => {
  it("reads no-store, no-cache and max-age", () => {
    expect(parseCacheControl(undefined)).toEqual({ noStore: false, noCache: false, maxAge: null });
    expect(parseCacheControl("No-Cache, max-age=60")).toEqual({ noStore: false, noCache: true, maxAge: 60 });
    expect(parseCacheControl("no-store")).toMatchObject({ noStore: true });
    expect(parseCacheControl("max-age=abc").maxAge).toBeNull();
    expect(parseCacheControl("max-age=-1").maxAge).toBeNull();
    expect(parseCacheControl("max-age=99999999").maxAge).toBe(30 * 86_400);
  });
});
