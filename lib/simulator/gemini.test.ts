import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readSseEvents, sseJson } from "@/lib/testing/sse";
import { redactSecret } from "./recorder";
import { createSimulator, type Simulator } from "./server";

// Real HTTP against an in-process simulator on port 0, with fetch (Google ships no SDK in this repo).
let sim: Simulator;
let url: string;
const KEY = "AIza-test-0001";

beforeAll(async () => {
  sim = createSimulator();
  ({ url } = await sim.listen(0));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

interface GeminiResponse {
  candidates: Array<{ content: { role: string; parts: Array<{ text?: string; functionCall?: { name: string; args: Record<string, unknown> } }> }; finishReason?: string; index: number }>;
  usageMetadata: { promptTokenCount: number; candidatesTokenCount?: number; totalTokenCount: number; cachedContentTokenCount?: number; thoughtsTokenCount?: number };
  modelVersion: string;
  responseId: string;
}

const request = {
  systemInstruction: { parts: [{ text: "You are a support agent." }] },
  contents: [{ role: "user", parts: [{ text: "Where is my order 1234? It was due on Monday." }] }],
};

function post(action: string, body: unknown, opts: { query?: string; headers?: Record<string, string>; model?: string } = {}) {
  return fetch(`${url}/v1beta/models/${opts.model ?? "gemini-2.5-flash"}:${action}${opts.query ?? ""}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-goog-api-key": KEY, ...opts.headers },
    body: JSON.stringify(body),
  });
}

async function generate(body: unknown, headers: Record<string, string> = {}): Promise<GeminiResponse> {
  const res = await post("generateContent", body, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as GeminiResponse;
}

const textOf = (r: GeminiResponse) => r.candidates[0]?.content.parts.map((p) => p.text ?? "").join("") ?? "";

describe("Gemini generateContent", () => {
  it("answers with candidates, finishReason STOP and usageMetadata (zero counts left out)", async () => {
    const res = await generate(request);
    expect(res.candidates[0]).toMatchObject({ content: { role: "model" }, finishReason: "STOP", index: 0 });
    expect(textOf(res)).toMatch(/^Simulated reply [0-9a-f]{8} to: Where is my order 1234\? It was due$/);
    const u = res.usageMetadata;
    expect(u.candidatesTokenCount).toBe(Math.ceil(textOf(res).length / 4));
    expect(u.totalTokenCount).toBe(u.promptTokenCount + (u.candidatesTokenCount ?? 0));
    expect(u).not.toHaveProperty("cachedContentTokenCount");
    expect(u).not.toHaveProperty("thoughtsTokenCount");
    expect(res.modelVersion).toBe("gemini-2.5-flash");
    const [recorded] = sim.requests();
    expect(recorded).toMatchObject({ provider: "gemini", model: "gemini-2.5-flash", path: "/v1beta/models/gemini-2.5-flash:generateContent", body: request });
    expect(recorded?.headers["x-goog-api-key"]).toBe(redactSecret(KEY));
  });

  it("streams the same text over SSE (CRLF framing, no [DONE]); the last chunk has finishReason and full usage", async () => {
    const plain = await generate(request);
    const res = await post("streamGenerateContent", request, { query: "?alt=sse" });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readSseEvents(res);
    const chunks = sseJson<GeminiResponse>(events);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map(textOf).join("")).toBe(textOf(plain));
    const last = chunks[chunks.length - 1];
    expect(last?.candidates[0]?.finishReason).toBe("STOP");
    expect(chunks.slice(0, -1).every((c) => c.candidates[0]?.finishReason === undefined)).toBe(true);
    expect(last?.usageMetadata).toEqual(plain.usageMetadata);
    expect(events.every((e) => e.data !== "[DONE]")).toBe(true);
  });

  it("streams a JSON array without alt=sse, and takes the key from ?key=", async () => {
    const res = await fetch(`${url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=${KEY}`, { method: "POST", body: JSON.stringify(request) });
    const chunks = (await res.json()) as GeminiResponse[];
    expect(Array.isArray(chunks)).toBe(true);
    expect(chunks.map(textOf).join("")).toBe(textOf(await generate(request)));
    expect(sim.requests()[0]?.query.key).toBe(redactSecret(KEY));
  });

  it("answers functionDeclarations with a functionCall part whose args match the parameters", async () => {
    const parameters = {
      type: "OBJECT",
      properties: { orderId: { type: "STRING" }, expedite: { type: "BOOLEAN" }, count: { type: "INTEGER", minimum: 2 } },
      required: ["orderId", "expedite", "count"],
    };
    const tools = [{ functionDeclarations: [{ name: "lookup_order", description: "Find an order", parameters }, { name: "refund" }] }];
    const res = await generate({ ...request, tools });
    const call = res.candidates[0]?.content.parts[0]?.functionCall;
    expect(call).toEqual({ name: "lookup_order", args: { orderId: expect.any(String), expedite: true, count: 2 } });
    expect(res.candidates[0]?.finishReason).toBe("STOP");
    const streamed = sseJson<GeminiResponse>(await readSseEvents(await post("streamGenerateContent", { ...request, tools }, { query: "?alt=sse" })));
    expect(streamed.flatMap((c) => c.candidates[0]?.content.parts ?? []).find((p) => p.functionCall)?.functionCall).toEqual(call);

    const none = await generate({ ...request, tools, toolConfig: { functionCallingConfig: { mode: "NONE" } } });
    expect(textOf(none)).toMatch(/^Simulated reply/);
    const forced = await generate({ ...request, tools, toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["refund"] } } });
    expect(forced.candidates[0]?.content.parts[0]?.functionCall?.name).toBe("refund");
    const after = await generate({
      contents: [...request.contents, { role: "model", parts: [{ functionCall: { name: "lookup_order", args: {} } }] }, { role: "user", parts: [{ functionResponse: { name: "lookup_order", response: { status: "shipped" } } }] }],
      tools,
    });
    expect(textOf(after)).toMatch(/^Simulated reply/);
  });

  it("returns JSON for responseMimeType with responseSchema / responseJsonSchema", async () => {
    const responseJsonSchema = {
      type: "object",
      properties: { sentiment: { type: "string", enum: ["positive", "negative"] }, score: { type: "number", minimum: 0, maximum: 1 }, topics: { type: "array", items: { type: "string" }, minItems: 2 } },
      required: ["sentiment", "score", "topics"],
      additionalProperties: false,
    };
    const res = await generate({ ...request, generationConfig: { responseMimeType: "application/json", responseJsonSchema } });
    expect(new Ajv2020({ strict: false }).validate(responseJsonSchema, JSON.parse(textOf(res)))).toBe(true);
    const upper = await generate({
      ...request,
      generation_config: { response_mime_type: "application/json", response_schema: { type: "OBJECT", properties: { ok: { type: "BOOLEAN" } }, required: ["ok"] } },
    });
    expect(JSON.parse(textOf(upper))).toEqual({ ok: true });
  });

  it("stops with MAX_TOKENS, reports thoughts and forced cached tokens, and returns candidateCount candidates", async () => {
    const short = await generate({ ...request, generationConfig: { maxOutputTokens: 3 } });
    expect(short.candidates[0]?.finishReason).toBe("MAX_TOKENS");
    expect(short.usageMetadata.candidatesTokenCount).toBe(3);
    const thinking = await generate({ ...request, generationConfig: { thinkingConfig: { thinkingBudget: 512 } } });
    const u = thinking.usageMetadata;
    expect(u.thoughtsTokenCount).toBe(64);
    expect(u.totalTokenCount).toBe(u.promptTokenCount + (u.candidatesTokenCount ?? 0) + 64);
    const cached = await generate(request, { "x-sim-cached-tokens": "4" });
    expect(cached.usageMetadata.cachedContentTokenCount).toBe(4);
    const many = await generate({ ...request, generationConfig: { candidateCount: 2 } });
    expect(many.candidates.map((c) => c.index)).toEqual([0, 1]);
    expect(textOf(many)).toBe(textOf(await generate(request)));
  });

  it("counts tokens and embeds deterministically", async () => {
    const count = (await (await post("countTokens", { contents: request.contents })).json()) as { totalTokens: number };
    expect(count.totalTokens).toBeGreaterThan(0);
    const embed = async () => ((await (await post("embedContent", { content: { parts: [{ text: "hello" }] }, outputDimensionality: 8 }, { model: "gemini-embedding-001" })).json()) as { embedding: { values: number[] } }).embedding.values;
    const v = await embed();
    expect(v).toHaveLength(8);
    expect(await embed()).toEqual(v);
    const list = (await (await fetch(`${url}/v1beta/models?key=${KEY}`)).json()) as { models: Array<{ name: string }> };
    expect(list.models.map((m) => m.name)).toContain("models/gemini-2.5-flash");
  });

  it("rejects a missing key (403 PERMISSION_DENIED) and a bad body (400 INVALID_ARGUMENT) in Google's error format", async () => {
    const noKey = await fetch(`${url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: "POST", body: JSON.stringify(request) });
    expect(noKey.status).toBe(403);
    expect(await noKey.json()).toEqual({ error: { code: 403, message: expect.stringContaining("unregistered callers"), status: "PERMISSION_DENIED" } });
    const bad = await post("generateContent", { contents: [] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
  });
});
