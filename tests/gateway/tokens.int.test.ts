/**
 * The tokens stage through a running gateway (child process) to the
 * simulator: the prompt is counted with the primary target's tokenizer before
 * the call; a request over the feature's input limit or the model's context
 * window is refused with 400 `context_length_exceeded` naming both numbers
 * (nothing reaches the provider), or trimmed (oldest turns first) when the
 * feature says so; the estimate is recorded on the request-log row.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { addFeature, addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import type { Child } from "@/lib/testing/spawn";
import { estimateChatTokens } from "@/lib/tokens";
import { anthropic, eventually, openai, postJson, problemLines, startGateway, startSim, startWorker, type ErrorBody, type GatewayHandle, type SimHandle } from "./harness";

let db: Db;
let sim: SimHandle;
let gw: GatewayHandle;
let worker: Child;
let t: TestTenant;

type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const SYSTEM: Msg = { role: "system", content: "You are the support assistant of a bookshop. Answer in one sentence." };
const HISTORY: Msg[] = [
  { role: "user", content: "Hello, I ordered three books last week and only two arrived. ".repeat(3) },
  { role: "assistant", content: "I am sorry to hear that; could you give me the order number please? ".repeat(3) },
  { role: "user", content: "It is 12345, placed on Monday morning with express delivery. ".repeat(3) },
  { role: "assistant", content: "Thank you, I can see the order and the missing book is on its way. ".repeat(3) },
];
const LAST: Msg = { role: "user", content: "When will it arrive?" };
const CONVERSATION: Msg[] = [SYSTEM, ...HISTORY, LAST];

async function setFeatureInput(featureId: string, input: Record<string, unknown>): Promise<void> {
  await db.feature.update({ where: { id: featureId }, data: { config: { input } as object } });
}

let full: number;
let floor: number;
let claudeHi: number;

beforeAll(async () => {
  db = createDb();
  sim = await startSim();
  t = await createTestTenant(db, "tokens");
  const openaiProvider = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
  const anthropicProvider = await addSimProvider(db, t.tenantId, { name: "sim-anthropic", kind: "anthropic", simUrl: sim.url });
  const big = await addModel(db, t.tenantId, openaiProvider, "tok-big");
  const small = await addModel(db, t.tenantId, openaiProvider, "tok-small");
  const claude = await addModel(db, t.tenantId, anthropicProvider, "tok-claude");
  await db.providerModel.update({ where: { id: big }, data: { tokenizer: "o200k_base", contextWindow: 128_000 } });
  await db.providerModel.update({ where: { id: small }, data: { tokenizer: "cl100k_base", contextWindow: 100 } });
  await db.providerModel.update({ where: { id: claude }, data: { tokenizer: "claude", contextWindow: 200_000 } });
  await addRoute(db, t.tenantId, { alias: "big", targets: [{ modelId: big }] });
  await addRoute(db, t.tenantId, { alias: "small", targets: [{ modelId: small }, { modelId: big }] });
  await addRoute(db, t.tenantId, { alias: "claude", targets: [{ modelId: claude }] });

  full = (await estimateChatTokens({ messages: CONVERSATION as never }, "o200k_base")).tokens;
  floor = (await estimateChatTokens({ messages: [SYSTEM, LAST] as never }, "o200k_base")).tokens;
  const reject = await addFeature(db, t.tenantId, "strict");
  await setFeatureInput(reject, { maxInputTokens: full - 1, overflow: "reject" });
  const trim = await addFeature(db, t.tenantId, "trimmed");
  await setFeatureInput(trim, { maxInputTokens: floor + 10, overflow: "trim" });
  const tooTight = await addFeature(db, t.tenantId, "too-tight");
  await setFeatureInput(tooTight, { maxInputTokens: floor - 1, overflow: "trim" });
  // Exactly the count: the upper bound does not fit, so the tokenizer runs, and the request passes.
  const roomy = await addFeature(db, t.tenantId, "roomy");
  await setFeatureInput(roomy, { maxInputTokens: full, overflow: "reject" });
  claudeHi = Math.ceil((await estimateChatTokens({ messages: [SYSTEM, { role: "user", content: "Hi" }] as never }, "o200k_base")).tokens * 1.25);
  const claudeLimited = await addFeature(db, t.tenantId, "claude-limited");
  await setFeatureInput(claudeLimited, { maxInputTokens: claudeHi, overflow: "reject" });

  gw = await startGateway();
  worker = await startWorker();
});

afterAll(async () => {
  gw?.child.kill();
  worker?.kill();
  await sim?.sim.close();
  await db?.$disconnect();
});

beforeEach(() => sim.sim.reset());

interface LogRow {
  status: string;
  httpStatus: number;
  errorCode: string | null;
  metadata: { promptTokenEstimate?: { tokens: number; tokenizer: string; exact: boolean; trimmedMessages?: number } };
}

async function logRow(requestId: string | null): Promise<LogRow> {
  if (!requestId) throw new Error("no request id");
  const row = await eventually(async () => (await db.requestLog.findFirst({ where: { id: requestId } })) ?? undefined, { what: `request_logs ${requestId}` });
  return row as unknown as LogRow;
}

const chatUrl = () => `${gw.url}/v1/chat/completions`;
const auth = (feature?: string) => ({ authorization: `Bearer ${t.key}`, ...(feature ? { "x-gatehouse-feature": feature } : {}) });

describe("tokens stage", () => {
  it("counts the prompt exactly for an OpenAI encoding when a limit needs the number, and records the estimate", async () => {
    const { data, response } = await openai(gw.url, t.key)
      .chat.completions.create({ model: "big", messages: CONVERSATION }, { headers: { "x-gatehouse-feature": "roomy" } })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    const upstream = sim.sim.requests({ model: "tok-big" });
    expect(upstream).toHaveLength(1);
    expect((upstream[0]?.body as { messages: unknown[] }).messages).toHaveLength(CONVERSATION.length);
    const row = await logRow(response.headers.get("x-request-id"));
    expect(row.metadata.promptTokenEstimate).toEqual({ tokens: full, tokenizer: "o200k_base", exact: true });
  });

  it("does not run the tokenizer when no limit can be reached and no rate limit or budget applies", async () => {
    // 128k-token window, no feature limit, no budget: the byte bound fits, so nothing is counted or recorded.
    const { data, response } = await openai(gw.url, t.key).chat.completions.create({ model: "big", messages: CONVERSATION }).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    const row = await logRow(response.headers.get("x-request-id"));
    expect(row.status).toBe("ok");
    expect(row.metadata.promptTokenEstimate).toBeUndefined();
  });

  it("refuses a prompt over the feature's input limit with both numbers, and calls no provider", async () => {
    const res = await postJson(chatUrl(), { model: "big", messages: CONVERSATION }, auth("strict"));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: "context_length_exceeded", type: "invalid_request_error", param: "messages" });
    expect(body.error.message).toContain(`${full} prompt tokens`);
    expect(body.error.message).toContain(`limit of ${full - 1}`);
    expect(sim.sim.requests({ model: "tok-big" })).toHaveLength(0);
    const row = await logRow(res.headers.get("x-request-id"));
    expect(row).toMatchObject({ httpStatus: 400, errorCode: "context_length_exceeded" });
    expect(row.metadata.promptTokenEstimate?.tokens).toBe(full);
  });

  it("refuses a prompt over the primary target's context window (its own tokenizer), counting max_tokens in", async () => {
    const smallCount = (await estimateChatTokens({ messages: CONVERSATION as never }, "cl100k_base")).tokens;
    const res = await postJson(chatUrl(), { model: "small", messages: CONVERSATION }, auth());
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("context_length_exceeded");
    expect(body.error.message).toContain(`${smallCount} prompt tokens`);
    expect(body.error.message).toContain("100-token context window of tok-small");
    expect(sim.sim.requests()).toHaveLength(0);

    // A short prompt fits, unless the completion it asks for does not.
    const ok = await postJson(chatUrl(), { model: "small", messages: [LAST] }, auth());
    expect(ok.status).toBe(200);
    const tooLong = await postJson(chatUrl(), { model: "small", messages: [LAST], max_tokens: 95 }, auth());
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as ErrorBody).error.message).toContain("less the 95 completion tokens requested");
  });

  it("trims the oldest turns when the feature says so, keeping the system prompt and the last user turn", async () => {
    const { data, response } = await openai(gw.url, t.key, { "x-gatehouse-feature": "trimmed" })
      .chat.completions.create({ model: "big", messages: CONVERSATION })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    const sent = (sim.sim.requests({ model: "tok-big" })[0]?.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(sent.map((m) => m.role)).toEqual(["system", "user"]);
    expect(sent[0]?.content).toBe(SYSTEM.content);
    expect(sent[1]?.content).toBe(LAST.content);
    const row = await logRow(response.headers.get("x-request-id"));
    expect(row.metadata.promptTokenEstimate).toEqual({ tokens: floor, tokenizer: "o200k_base", exact: true, trimmedMessages: 4 });
  });

  it("refuses when even the system prompt and the last user turn are over the limit", async () => {
    const res = await postJson(chatUrl(), { model: "big", messages: CONVERSATION }, auth("too-tight"));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("context_length_exceeded");
    expect(body.error.message).toContain("trimming the oldest turns was not enough");
    expect(sim.sim.requests()).toHaveLength(0);
  });

  it("estimates Claude's count (o200k x 1.25) and answers /v1/messages callers in Anthropic's error shape", async () => {
    const { response } = await anthropic(gw.url, t.key)
      .messages.create(
        { model: "claude", max_tokens: 100, system: SYSTEM.content as string, messages: [{ role: "user", content: "Hi" }] },
        { headers: { "x-gatehouse-feature": "claude-limited" } },
      )
      .withResponse();
    const row = await logRow(response.headers.get("x-request-id"));
    expect(row.metadata.promptTokenEstimate).toEqual({ tokens: claudeHi, tokenizer: "claude", exact: false });

    const res = await postJson(
      `${gw.url}/v1/messages`,
      { model: "big", max_tokens: 10, system: SYSTEM.content, messages: CONVERSATION.slice(1) },
      { "x-api-key": t.key, "anthropic-version": "2023-06-01", "x-gatehouse-feature": "strict" },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("prompt tokens");
  });

  it("left no error-level lines in the gateway's log", () => {
    expect(problemLines(gw.child)).toEqual([]);
  });
});
