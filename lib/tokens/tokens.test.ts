import { functionCallingTestCases } from "gpt-tokenizer/fixtures/functionCallingTestCases";
import { beforeAll, describe, expect, it } from "vitest";
import { countChat, countMessage, type CountableChat } from "./chat";
import { loadEncoding, type TextCounter } from "./encodings";
import { scaleCount, tokenizerFamily } from "./family";
import { chatTokensUpperBound, estimateChatTokens, estimateChatTokensNow } from "./index";
import { TextCountCache } from "./lru";
import { trimToLimit } from "./trim";

let o200k: TextCounter;
let cl100k: TextCounter;

beforeAll(async () => {
  [o200k, cl100k] = await Promise.all([loadEncoding("o200k_base"), loadEncoding("cl100k_base")]);
});

/** The OpenAI cookbook's "How to count tokens with tiktoken" example, with the counts the API reported. */
const COOKBOOK: CountableChat = {
  messages: [
    { role: "system", content: "You are a helpful, pattern-following assistant that translates corporate jargon into plain English." },
    { role: "system", name: "example_user", content: "New synergies will help drive top-line growth." },
    { role: "system", name: "example_assistant", content: "Things working well together will increase revenue." },
    { role: "system", name: "example_user", content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
    { role: "system", name: "example_assistant", content: "Let's talk later when we're less busy about how to do better." },
    { role: "user", content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
  ],
};

describe("text counts", () => {
  it("match the reference encodings", () => {
    expect(cl100k("tiktoken is great!")).toBe(6);
    expect(o200k("hello world")).toBe(2);
    expect(cl100k("antidisestablishmentarianism")).toBe(6);
    expect(o200k("")).toBe(0);
  });

  it("treat special-token text as plain text instead of throwing", () => {
    expect(o200k("<|endoftext|>")).toBeGreaterThan(1);
  });

  it("memoise long strings with the same count", () => {
    const long = "The quick brown fox jumps over the lazy dog. ".repeat(50);
    expect(o200k(long)).toBe(o200k(long));
    expect(o200k(long)).toBe(o200k(`${long}`.slice(0)));
  });
});

describe("countChat", () => {
  it("matches the prompt tokens OpenAI reported for the cookbook example", () => {
    expect(countChat(COOKBOOK, cl100k).raw).toBe(129); // gpt-3.5-turbo, gpt-4
    expect(countChat(COOKBOOK, o200k).raw).toBe(124); // gpt-4o, gpt-4o-mini
  });

  it("matches the known counts of messages, functions and function calls (openai-chat-tokens' cases)", () => {
    for (const { tokens, ...request } of functionCallingTestCases) {
      expect(countChat(request as CountableChat, o200k).raw, JSON.stringify(request).slice(0, 120)).toBe(tokens);
    }
    expect(functionCallingTestCases.length).toBeGreaterThan(20);
  });

  it("counts `tools` like the equivalent `functions`", () => {
    const fn = { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
    const messages = [{ role: "user", content: "Weather in Paris?" }];
    expect(countChat({ messages, tools: [{ type: "function", function: fn }] }, o200k).raw).toBe(countChat({ messages, functions: [fn] }, o200k).raw);
    expect(countChat({ messages, tools: [{ type: "function", function: fn }] }, o200k).raw).toBeGreaterThan(countChat({ messages }, o200k).raw + 10);
  });

  it("counts assistant tool calls and content parts", () => {
    const call = { id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
    const plain = countMessage({ role: "assistant", content: null }, o200k);
    expect(countMessage({ role: "assistant", content: null, tool_calls: [call] }, o200k)).toBe(plain + o200k("get_weather") + o200k('{"city":"Paris"}') + 3);
    expect(countMessage({ role: "user", content: [{ type: "text", text: "hello" }, { type: "text", text: " world" }] }, o200k)).toBe(3 + 1 + o200k("hello") + o200k(" world"));
  });

  it("estimates images by detail and provider", () => {
    const img = (detail?: string) => ({ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png", ...(detail ? { detail } : {}) } }] });
    const base = 3 + o200k("user");
    expect(countMessage(img("low"), o200k)).toBe(base + 85);
    expect(countMessage(img("high"), o200k)).toBe(base + 765);
    expect(countMessage(img(), o200k, "claude")).toBe(base + 1_600);
    expect(countMessage(img(), o200k, "gemini")).toBe(base + 258);
  });
});

describe("chatTokensUpperBound", () => {
  const texts = [
    "",
    "Hello, world!",
    "日本語のテキストとカタカナ、漢字。",
    "emoji 😀🎉👩‍👩‍👧‍👦 and accents: café naïve",
    "x".repeat(5_000),
    "aGVsbG8gd29ybGQ=".repeat(200),
    " \n\t  spaces   and\nnewlines ",
    "<|endoftext|> special-looking text <|im_start|>",
  ];
  const chats: CountableChat[] = [
    COOKBOOK,
    ...texts.map((t) => ({ messages: [{ role: "user", content: t }] })),
    ...functionCallingTestCases.map((c) => ({ messages: c.messages, tools: c.functions?.map((f) => ({ type: "function", function: f })) }) as CountableChat),
    {
      messages: [
        { role: "user", content: [{ type: "text", text: "what is this" }, { type: "image_url", image_url: { url: "https://x/y.png", detail: "low" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "look", arguments: '{"q":"ü"}' } }] },
        { role: "tool", tool_call_id: "c1", content: "done" },
      ],
    },
  ];

  it("is never below the exact count, for every tokenizer family", () => {
    for (const tokenizer of ["o200k_base", "cl100k_base", "claude", "gemini"]) {
      for (const chat of chats) {
        const exact = estimateChatTokensNow(chat, tokenizer);
        expect(exact).not.toBeNull();
        expect(chatTokensUpperBound(chat, tokenizer)).toBeGreaterThanOrEqual(exact?.tokens ?? Infinity);
      }
    }
  });

  it("stays within a small factor of the count for ordinary text (it is a bound, not a guess)", () => {
    const chat: CountableChat = { messages: [{ role: "user", content: "The quick brown fox jumps over the lazy dog. ".repeat(20) }] };
    const exact = estimateChatTokensNow(chat, "o200k_base")?.tokens ?? 0;
    expect(chatTokensUpperBound(chat, "o200k_base")).toBeLessThan(exact * 20);
  });
});

describe("tokenizer families", () => {
  it("is exact for OpenAI encodings and scales up the others", async () => {
    const exact = await estimateChatTokens(COOKBOOK, "o200k_base");
    expect(exact).toMatchObject({ tokens: 124, family: { exact: true, encoding: "o200k_base" } });
    const claude = await estimateChatTokens(COOKBOOK, "claude");
    expect(claude.family.exact).toBe(false);
    expect(claude.tokens).toBe(Math.ceil(124 * 1.25));
    expect((await estimateChatTokens(COOKBOOK, "gemini")).tokens).toBe(Math.ceil(124 * 1.1));
    expect(tokenizerFamily("llama3")).toMatchObject({ encoding: "o200k_base", factor: 1.25, exact: false });
    expect(scaleCount(tokenizerFamily("cl100k_base"), 10)).toBe(10);
  });
});

describe("trimToLimit", () => {
  const chat = {
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "first question ".repeat(20) },
      { role: "assistant", content: "first answer ".repeat(20) },
      { role: "user", content: "second question ".repeat(20) },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c1", content: "tool result ".repeat(20) },
      { role: "assistant", content: "second answer ".repeat(20) },
      { role: "user", content: "last question" },
    ],
  };

  it("keeps everything when it fits", () => {
    const count = countChat(chat, o200k);
    expect(trimToLimit(chat.messages, count, (raw) => raw <= count.raw)).toMatchObject({ dropped: 0, raw: count.raw });
  });

  it("drops the oldest whole turns first, keeping the system prompt and the last user turn", () => {
    const count = countChat(chat, o200k);
    const firstTurn = count.perMessage[1]! + count.perMessage[2]!;
    const r = trimToLimit(chat.messages, count, (raw) => raw <= count.raw - firstTurn);
    expect(r?.dropped).toBe(2);
    expect(r?.raw).toBe(count.raw - firstTurn);
    expect(r?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "assistant", "user"]);

    // One token less: the second turn (with its tool call and result) goes as a whole.
    const r2 = trimToLimit(chat.messages, count, (raw) => raw < count.raw - firstTurn);
    expect(r2?.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(r2?.messages[1]?.content).toBe("last question");
    expect(r2?.raw).toBe(count.fixed + count.perMessage[0]! + count.perMessage[7]!);
  });

  it("refuses when the system prompt and last user turn alone are over", () => {
    const count = countChat(chat, o200k);
    const floor = count.fixed + count.perMessage[0]! + count.perMessage[7]!;
    expect(trimToLimit(chat.messages, count, (raw) => raw < floor)).toBeNull();
    expect(trimToLimit([{ role: "user", content: "x" }], countChat({ messages: [{ role: "user", content: "x" }] }, o200k), () => false)).toBeNull();
  });
});

describe("TextCountCache", () => {
  it("evicts the least recently used entry past its bounds", () => {
    const c = new TextCountCache({ maxEntries: 2, maxChars: 100 });
    c.set("a", 1);
    c.set("b", 2);
    expect(c.get("a")).toBe(1); // a is now the most recent
    c.set("c", 3);
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")).toBe(1);
    const big = new TextCountCache({ maxEntries: 10, maxChars: 100 });
    big.set("a".repeat(40), 1);
    big.set("b".repeat(40), 2);
    big.set("c".repeat(40), 3); // 120 characters: the oldest goes
    expect(big.size).toBe(2);
    expect(big.get("a".repeat(40))).toBeUndefined();
    expect(big.get("c".repeat(40))).toBe(3);
    c.set("y".repeat(101), 1); // longer than the cache: not stored
    expect(c.get("y".repeat(101))).toBeUndefined();
  });
});

describe("long inputs", () => {
  it("counts long prose exactly as one call would, and a 900 KB run without whitespace in linear time", async () => {
    const { countTokens } = await import("gpt-tokenizer/encoding/o200k_base");
    const prose = "The quick brown fox jumps over the lazy dog, then it runs into the forest.\n".repeat(600);
    expect(o200k(prose)).toBe(countTokens(prose, { disallowedSpecial: new Set() }));
    // One 900 KB "word": BPE in one call is quadratic in it (minutes); segmented it is one pass.
    const run = "x".repeat(900_000);
    const n = o200k(run);
    expect(n).toBeGreaterThan(900_000 / 16);
    expect(n).toBeLessThanOrEqual(900_000 / 4);
  });
});
