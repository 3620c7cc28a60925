/**
 * The same data plane through the Web Request/Response adapter (what the
 * Next route handlers under app/api/v1/** call), served in this process
 * through the Next-style bridge (lib/testing/web-bridge.ts) so the official
 * SDKs reach it over HTTP at `/api/v1/...`. The full routing, SDK and
 * bad-input suites run against both adapters as child processes
 * (`describe.each(ADAPTERS)` in tests/gateway/*.int.test.ts); this file is a
 * quick in-process smoke test of the same path, plus prompt-only messages.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { stopConfigSync } from "@/lib/gateway/config";
import { stopRecorder } from "@/lib/gateway/record";
import { closeAllPools } from "@/lib/gateway/upstream/pool";
import { serveWeb } from "@/lib/gateway/web-adapter";
import { closeProducerConnection, closeQueues } from "@/lib/queues";
import { disconnectRedis } from "@/lib/redis";
import { addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import { ctxFor } from "@/lib/testing/factories";
import { validateAgainstOpenAISpec } from "@/lib/testing/openapi-spec";
import type { CreatePromptVersionInput } from "@/lib/prompts/schema";
import { createPrompt, createPromptVersion, movePromptLabel } from "@/lib/prompts/service";
import { readSseEvents } from "@/lib/testing/sse";
import { viaWebAdapter } from "@/lib/testing/web-bridge";
import { anthropic, eventually, postJson, startSim, type ErrorBody, type SimHandle } from "./harness";

let sim: SimHandle;
let t: TestTenant;
let server: Server;
let base: string;

beforeAll(async () => {
  sim = await startSim();
  t = await createTestTenant(db, "web");
  const providerId = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
  const anthropicId = await addSimProvider(db, t.tenantId, { name: "sim-anthropic", kind: "anthropic", simUrl: sim.url });
  const m = async (name: string, p = providerId) => addModel(db, t.tenantId, p, name);
  await addRoute(db, t.tenantId, { alias: "chat", targets: [{ modelId: await m("w-p") }, { modelId: await m("claude-sonnet-4-5", anthropicId) }] });
  await addRoute(db, t.tenantId, { alias: "lonely", targets: [{ modelId: await m("w-lonely") }], staticFallback: { role: "assistant", content: "static from the web adapter" } });
  await addRoute(db, t.tenantId, { alias: "slow", targets: [{ modelId: await m("w-slow") }] });
  // A stored prompt for the prompt-only /api/v1/messages request.
  const owner = ctxFor({ id: t.tenantId, slug: t.slug }, "owner");
  const prompt = await createPrompt(owner, { name: "web-support" });
  const v1 = await createPromptVersion(owner, prompt.id, {
    template: [
      { role: "system", content: "You are the web adapter's support." },
      { role: "user", content: "I am {{customer_name}}." },
    ],
    variables: { customer_name: { type: "string" } },
    params: { max_tokens: 55 },
    commitMessage: "v1",
  } as CreatePromptVersionInput);
  await movePromptLabel(owner, prompt.id, "production", { versionId: v1.id });
  server = createServer((req, res) => void viaWebAdapter(req, res, serveWeb));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server?.closeAllConnections();
  await sim?.sim.close();
  await stopRecorder();
  await stopConfigSync();
  await closeAllPools({ force: true });
  await closeQueues();
  await closeProducerConnection();
  await disconnectRedis();
  await disconnectDb();
});

beforeEach(() => sim.sim.reset());

const client = () => new OpenAI({ apiKey: t.key, baseURL: `${base}/api/v1`, maxRetries: 0 });

describe("through /api/v1 (Web adapter)", () => {
  it("chat: a spec-valid completion with the gateway's headers", async () => {
    const { data, response } = await client().chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hello there" }] }).withResponse();
    expect(validateAgainstOpenAISpec("CreateChatCompletionResponse", data)).toEqual({ valid: true, errors: [] });
    expect(response.headers.get("x-gatehouse-target")).toBe("sim-openai/w-p");
    expect(response.headers.get("x-gatehouse-attempts")).toBe("1");
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("/api/v1/messages with only a prompt reference (no messages, no max_tokens): rendered and answered in Anthropic's shape", async () => {
    const res = await postJson(
      `${base}/api/v1/messages`,
      { model: "chat", prompt: { name: "web-support", label: "production", variables: { customer_name: "Ada-web" } } },
      { "x-api-key": t.key, "anthropic-version": "2023-06-01" },
    );
    const body = (await res.json()) as { type: string; role: string; content: Array<{ type: string; text: string }> };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ type: "message", role: "assistant" });
    expect(body.content[0]?.type).toBe("text");
    expect(res.headers.get("x-gatehouse-prompt-version")).toBe("1");
    const [sent] = sim.sim.requests({ model: "w-p" });
    expect(sent?.body).toMatchObject({
      max_tokens: 55,
      messages: [
        { role: "system", content: "You are the web adapter's support." },
        // The default guard policy redacts the person's name before it leaves, on this adapter too.
        { role: "user", content: "I am [PERSON_1]." },
      ],
    });
    expect(sent?.body).not.toHaveProperty("prompt");

    // An unknown prompt: 404 in Anthropic's error shape, nothing upstream.
    const missing = await postJson(`${base}/api/v1/messages`, { model: "chat", prompt: "no-such-prompt" }, { "x-api-key": t.key });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(sim.sim.requests({ model: "w-p" })).toHaveLength(1);
  });

  it("chat stream: spec-valid chunks", async () => {
    const stream = await client().chat.completions.create({ model: "chat", stream: true, messages: [{ role: "user", content: "Stream please" }] });
    let text = "";
    for await (const c of stream) {
      expect(validateAgainstOpenAISpec("CreateChatCompletionStreamResponse", c)).toEqual({ valid: true, errors: [] });
      text += c.choices[0]?.delta.content ?? "";
    }
    expect(text).toMatch(/^Simulated reply/);
  });

  it("a failing primary falls back to the next provider", async () => {
    sim.sim.configure({ match: { model: "w-p" }, fault: "503", retryAfterSeconds: 0 });
    const { response } = await client().chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hi" }] }).withResponse();
    expect(response.headers.get("x-gatehouse-target")).toBe("sim-anthropic/claude-sonnet-4-5");
  });

  it("nothing left but a static answer: the static answer", async () => {
    sim.sim.configure({ match: { model: "w-lonely" }, fault: "500" });
    const { data, response } = await client().chat.completions.create({ model: "lonely", messages: [{ role: "user", content: "hi" }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe("static from the web adapter");
    expect(response.headers.get("x-gatehouse-target")).toBe("static");
  });

  it("errors: unknown model 404, bad JSON 400, no key 401, each forwarded nowhere", async () => {
    const err = await client()
      .chat.completions.create({ model: "nope", messages: [{ role: "user", content: "hi" }] })
      .then(
        () => null,
        (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
      );
    expect(err?.status).toBe(404);
    expect((err?.error as ErrorBody["error"]).code).toBe("model_not_found");
    const bad = await postJson(`${base}/api/v1/chat/completions`, "{nope", { authorization: `Bearer ${t.key}` });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.code).toBe("invalid_json");
    const anon = await postJson(`${base}/api/v1/chat/completions`, { model: "chat", messages: [] });
    expect(anon.status).toBe(401);
    expect(sim.sim.requests()).toEqual([]);
  });

  it("a stream cut mid-way ends with an error event, no [DONE]", async () => {
    sim.sim.configure({ match: { model: "w-p" }, fault: "cut", cutAfterChunks: 3, replyWords: 40 });
    const res = await postJson(`${base}/api/v1/chat/completions`, { model: "chat", stream: true, messages: [{ role: "user", content: "long" }] }, { authorization: `Bearer ${t.key}` });
    const events = await readSseEvents(res);
    expect(events.some((e) => e.data === "[DONE]")).toBe(false);
    expect(JSON.parse(events.at(-1)?.data ?? "{}")).toHaveProperty("error");
  });

  it("the Anthropic SDK at /api (messages.create and stream)", async () => {
    const client = anthropic(`${base}/api`, t.key);
    const msg = await client.messages.create({ model: "chat", max_tokens: 64, messages: [{ role: "user", content: "Hi from Anthropic" }] });
    expect(msg.content[0]?.type).toBe("text");
    const final = await client.messages.stream({ model: "chat", max_tokens: 64, messages: [{ role: "user", content: "Stream from Anthropic" }] }).finalMessage();
    expect(final.stop_reason).toBe("end_turn");
  });

  it("a client that disconnects aborts the upstream call", async () => {
    sim.sim.configure({ match: { model: "w-slow" }, interChunkMs: 200, replyWords: 60 });
    const ac = new AbortController();
    const res = await fetch(`${base}/api/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "slow", stream: true, messages: [{ role: "user", content: "slowly" }] }),
      signal: ac.signal,
    });
    await res.body?.getReader().read();
    ac.abort();
    const upstream = await eventually(async () => {
      const r = sim.sim.requests({ model: "w-slow" })[0];
      return r?.response ? r : undefined;
    });
    expect(upstream.response?.outcome).toBe("aborted");
  });
});
