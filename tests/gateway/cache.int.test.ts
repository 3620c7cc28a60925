/**
 * The response cache (stage 7) through a running gateway (child process),
 * the simulator over HTTP and the real Redis: exact hits without a second
 * upstream call, misses whenever an answer-changing field, the prompt
 * version or the tenant differs, Cache-Control, streamed hits, the semantic
 * cache (threshold, multi-turn scoping) and no cross-tenant hit ever. The
 * request log (written by a worker process) records the cache status and
 * the money a hit saved. Every test runs through both adapters (node:http at
 * /v1, the Web adapter at /api/v1; tests/gateway/harness.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { Redis } from "ioredis";
import { unitVector } from "@/lib/simulator/content";
import { testEnv } from "@/lib/testing/env";
import { addFeature, addKey, addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import { readSseEvents } from "@/lib/testing/sse";
import type { Child } from "@/lib/testing/spawn";
import { ADAPTERS, anthropic, eventually, openai, postJson, problemLines, startGateway, startSim, startWorker, type GatewayHandle, type SimHandle } from "./harness";

let db: Db;
let sim: SimHandle;
let gw: GatewayHandle;
/** A second gateway process: what one instance stored, another serves. */
let gw2: GatewayHandle;
let worker: Child;

const CHAT_MODEL = "cache-chat";
const EMB_MODEL = "cache-emb";
/** A model whose streams the simulator always cuts after the first chunk. */
const CUT_MODEL = "cache-cut";
const THRESHOLD = 0.9;
/** A model the simulator answers by echoing the prompt (PII placeholders included). */
const ECHO_MODEL = "cache-echo";

interface CacheTenant extends TestTenant {
  /** Key whose default feature has the exact cache on. */
  exactKey: string;
  /** Key whose default feature has the semantic cache on (threshold 0.9). */
  semanticKey: string;
}

/** A tenant with the same provider, models and route alias as every other (so only the tenant differs). */
async function cacheTenant(label: string): Promise<CacheTenant> {
  const t = await createTestTenant(db, label);
  const providerId = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
  const chatId = await addModel(db, t.tenantId, providerId, CHAT_MODEL, { prices: [{ input: 1_000_000n, output: 2_000_000n }] });
  await addModel(db, t.tenantId, providerId, EMB_MODEL, { supportsEmbeddings: true });
  await addRoute(db, t.tenantId, { alias: "cached", targets: [{ modelId: chatId }] });
  const exactFeature = await addFeature(db, t.tenantId, "exact");
  await db.feature.update({ where: { id: exactFeature }, data: { config: { cache: { exact: { enabled: true, ttlSeconds: 600 } } } } });
  const semanticFeature = await addFeature(db, t.tenantId, "semantic");
  await db.feature.update({
    where: { id: semanticFeature },
    data: { config: { cache: { semantic: { enabled: true, threshold: THRESHOLD, ttlSeconds: 600, embeddingRoute: EMB_MODEL } } } },
  });
  const promptId = newId("prompt");
  await db.prompt.create({ data: { id: promptId, tenantId: t.tenantId, name: "same-text" } });
  for (const version of [1, 2]) {
    await db.promptVersion.create({
      data: { id: newId("promptVersion"), tenantId: t.tenantId, promptId, version, template: [{ role: "system", content: "You answer briefly." }] },
    });
  }
  return {
    ...t,
    exactKey: await addKey(db, t.tenantId, { featureId: exactFeature }),
    semanticKey: await addKey(db, t.tenantId, { featureId: semanticFeature }),
  };
}

let a: CacheTenant;
let b: CacheTenant;

const upstreamChats = (): number => sim.sim.requests({ model: CHAT_MODEL }).length;
const upstreamEmbeddings = (): number => sim.sim.requests({ model: EMB_MODEL }).length;

let seq = 0;
/** A question no other test sends (tests share one Redis db). */
const fresh = (text: string): string => `${text} #${++seq}-${Date.now()}`;

function chat(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "cached", messages: [{ role: "user", content }], ...extra };
}

async function send(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}, via: GatewayHandle = gw): Promise<Response> {
  return postJson(`${via.url}/v1/chat/completions`, body, { authorization: `Bearer ${key}`, ...headers });
}

/** Sends and returns the cache header, checking the upstream calls it took. */
async function expectCache(
  key: string,
  body: Record<string, unknown>,
  status: "hit" | "miss" | "bypass",
  headers: Record<string, string> = {},
  via: GatewayHandle = gw,
): Promise<Response> {
  const before = upstreamChats();
  const res = await send(key, body, headers, via);
  expect(res.status).toBe(200);
  expect(res.headers.get("x-gatehouse-cache")).toBe(status);
  expect(upstreamChats()).toBe(status === "hit" ? before : before + 1);
  return res;
}

function cosine(x: string, y: string): number {
  const dims = 1536; // the simulator's text-embedding size
  const u = unitVector(x, dims, EMB_MODEL);
  const v = unitVector(y, dims, EMB_MODEL);
  return u.reduce((s, ui, i) => s + ui * (v[i] ?? 0), 0);
}

// The simulator and the request-log worker serve both adapters; each adapter gets its own
// tenants and its own two gateway processes (the cache keys carry the tenant, so nothing
// one adapter's run stored is served to the other's).
beforeAll(async () => {
  db = createDb();
  sim = await startSim();
  sim.sim.configure({ match: { model: CUT_MODEL }, fault: "cut", cutAfterChunks: 1 });
  sim.sim.configure({ match: { model: ECHO_MODEL }, echo: true });
  worker = await startWorker();
});

afterAll(async () => {
  worker?.kill();
  await sim?.sim.close();
  await db?.$disconnect();
});

describe.each(ADAPTERS)("through the %s adapter", (adapter) => {
  beforeAll(async () => {
    a = await cacheTenant(`cache-a-${adapter}`);
    b = await cacheTenant(`cache-b-${adapter}`);
    const cutProvider = await addSimProvider(db, a.tenantId, { name: "sim-cut", kind: "openai", simUrl: sim.url });
    await addRoute(db, a.tenantId, { alias: "cut", targets: [{ modelId: await addModel(db, a.tenantId, cutProvider, CUT_MODEL) }] });
    const echoProvider = await addSimProvider(db, a.tenantId, { name: "sim-echo", kind: "openai", simUrl: sim.url });
    await addRoute(db, a.tenantId, { alias: "cached-echo", targets: [{ modelId: await addModel(db, a.tenantId, echoProvider, ECHO_MODEL) }] });
    gw = await startGateway({}, adapter);
    gw2 = await startGateway({}, adapter);
  });

  afterAll(() => {
    const problems = [...(gw ? problemLines(gw.child) : []), ...(gw2 ? problemLines(gw2.child) : [])];
    gw?.child.kill();
    gw2?.child.kill();
    expect(problems).toEqual([]);
  });

  describe("exact cache", () => {
    it("serves an identical request from the cache without a second upstream call, and logs the saving", async () => {
      const body = chat(fresh("What is the capital of France?"));
      const first = await expectCache(a.exactKey, body, "miss");
      const second = await expectCache(a.exactKey, body, "hit");
      const [one, two] = [(await first.json()) as { choices: unknown }, (await second.json()) as { choices: unknown }];
      expect(two.choices).toEqual(one.choices);
      expect(second.headers.get("x-gatehouse-target")).toBe("cache");
      expect(second.headers.get("x-gatehouse-cost-usd")).toBe("0.000000");
      const originalCost = first.headers.get("x-gatehouse-cost-usd");
      expect(Number(originalCost)).toBeGreaterThan(0);

      const hitId = second.headers.get("x-request-id") ?? "";
      const missId = first.headers.get("x-request-id") ?? "";
      const [hitLog, missLog] = await eventually(async () => {
        const rows = await db.requestLog.findMany({ where: { id: { in: [hitId, missId] } } });
        return rows.length === 2 ? [rows.find((r) => r.id === hitId), rows.find((r) => r.id === missId)] : undefined;
      });
      expect(missLog?.cache).toBe("miss");
      expect(hitLog?.cache).toBe("hit");
      expect(hitLog?.costMicros).toBe(0n);
      const meta = hitLog?.metadata as { cache?: { kind: string; savedMicros: string; target: string } };
      expect(meta.cache?.kind).toBe("exact");
      expect(BigInt(meta.cache?.savedMicros ?? "0")).toBe(missLog?.costMicros);
      expect(meta.cache?.target).toBe(`sim-openai/${CHAT_MODEL}`);
    });

    it("misses when any answer-changing field differs", async () => {
      const base = chat(fresh("Name three rivers."));
      await expectCache(a.exactKey, base, "miss");
      await expectCache(a.exactKey, base, "hit");
      const tool = { type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } };
      const variants: Array<Record<string, unknown>> = [
        { temperature: 0.3 },
        { top_p: 0.5 },
        { seed: 7 },
        { stop: ["\n"] },
        { max_tokens: 20 },
        { max_completion_tokens: 21 },
        { n: 2 },
        { logit_bias: { "50256": -100 } },
        { presence_penalty: 0.5 },
        { frequency_penalty: 0.5 },
        { response_format: { type: "json_object" } },
        { tools: [tool] },
        { tools: [tool], tool_choice: "none" },
        { messages: [{ role: "system", content: "Be terse." }, ...(base.messages as unknown[])] },
        { messages: [{ role: "user", content: `${(base.messages as Array<{ content: string }>)[0]?.content}!` }] },
        { model: CHAT_MODEL },
      ];
      for (const v of variants) await expectCache(a.exactKey, { ...base, ...v }, "miss");
      // ...and each variant is itself cached (the miss was stored under its own key).
      await expectCache(a.exactKey, { ...base, ...variants[0] }, "hit");
      // Fields that do not change the answer share the entry.
      await expectCache(a.exactKey, { ...base, user: "someone-else", metadata: { team: "x" } }, "hit");
    });

    it("misses when the prompt version differs, even with the same rendered messages", async () => {
      const q = fresh("Summarise the news.");
      const v1 = chat(q, { prompt: { name: "same-text", version: 1 } });
      const v2 = chat(q, { prompt: { name: "same-text", version: 2 } });
      await expectCache(a.exactKey, v1, "miss");
      await expectCache(a.exactKey, v1, "hit");
      await expectCache(a.exactKey, v2, "miss");
      await expectCache(a.exactKey, v2, "hit");
    });

    it("never serves one tenant's answer to another", async () => {
      const body = chat(fresh("What is our internal discount code?"));
      await expectCache(a.exactKey, body, "miss");
      await expectCache(a.exactKey, body, "hit");
      await expectCache(b.exactKey, body, "miss");
      await expectCache(b.exactKey, body, "hit");
    });

    it("streams a cached answer, and caches a streamed answer that ended cleanly", async () => {
      const body = chat(fresh("Count to five."));
      const json = (await (await expectCache(a.exactKey, body, "miss")).json()) as { choices: Array<{ message: { content: string } }> };
      const before = upstreamChats();
      const res = await send(a.exactKey, { ...body, stream: true, stream_options: { include_usage: true } });
      expect(res.headers.get("x-gatehouse-cache")).toBe("hit");
      const events = await readSseEvents(res);
      expect(upstreamChats()).toBe(before);
      expect(events.at(-1)?.data).toBe("[DONE]");
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as { choices: Array<{ delta: { content?: string } }>; usage?: unknown });
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(json.choices[0]?.message.content);
      expect(chunks.at(-1)?.usage).toBeTruthy();

      const streamed = chat(fresh("Name a colour."), { stream: true });
      const first = await readSseEvents(await expectCache(a.exactKey, streamed, "miss"));
      const text = (evs: typeof first) =>
        evs
          .filter((e) => e.data !== "[DONE]")
          .map((e) => (JSON.parse(e.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? "")
          .join("");
      const replayed = await readSseEvents(await expectCache(a.exactKey, streamed, "hit"));
      expect(text(replayed)).toBe(text(first));
      const asJson = (await (await expectCache(a.exactKey, { ...streamed, stream: false }, "hit")).json()) as { choices: Array<{ message: { content: string } }> };
      expect(asJson.choices[0]?.message.content).toBe(text(first));
    });

    it("does not store a stream that was cut", async () => {
      const body = { model: "cut", stream: true, messages: [{ role: "user", content: fresh("Tell me a long story.") }] };
      for (const round of [1, 2]) {
        const before = sim.sim.requests({ model: CUT_MODEL }).length;
        const res = await send(a.exactKey, body);
        expect(res.headers.get("x-gatehouse-cache")).toBe("miss");
        const events = await readSseEvents(res);
        expect(events.at(-1)?.data).not.toBe("[DONE]");
        expect(sim.sim.requests({ model: CUT_MODEL }).length, `round ${round}`).toBe(before + 1);
      }
    });

    it("answers /v1/messages hits in Anthropic's format", async () => {
      const client = anthropic(gw.url, a.exactKey);
      const q = fresh("Say hello.");
      const first = await client.messages.create({ model: "cached", max_tokens: 50, messages: [{ role: "user", content: q }] }).withResponse();
      expect(first.response.headers.get("x-gatehouse-cache")).toBe("miss");
      const before = upstreamChats();
      const second = await client.messages.create({ model: "cached", max_tokens: 50, messages: [{ role: "user", content: q }] }).withResponse();
      expect(second.response.headers.get("x-gatehouse-cache")).toBe("hit");
      expect(second.data.content).toEqual(first.data.content);
      const stream = client.messages.stream({ model: "cached", max_tokens: 50, messages: [{ role: "user", content: q }] });
      const final = await stream.finalMessage();
      expect(final.content).toEqual(first.data.content);
      expect(upstreamChats()).toBe(before);
    });
  });

  describe("with PII redaction (guards, issue 6)", () => {
    it("stores the redacted answer and re-identifies a hit with the caller's own values, never another's", async () => {
      const tag = fresh("");
      const ask = (email: string): Record<string, unknown> => ({ model: "cached-echo", messages: [{ role: "user", content: `Please write back my address ${email} exactly.${tag}` }] });
      const alice = `alice.${seq}@example.com`;
      const bob = `bob.${seq}@example.org`;
      const sentBefore = sim.sim.requests({ model: ECHO_MODEL }).length;
      const first = await send(a.exactKey, ask(alice));
      expect(first.headers.get("x-gatehouse-cache")).toBe("miss");
      const firstText = JSON.stringify(await first.json());
      expect(firstText).toContain(alice);
      // Same question, another end-user's address: the redacted request is the same, so it is a hit ...
      const second = await send(a.exactKey, ask(bob));
      expect(second.headers.get("x-gatehouse-cache")).toBe("hit");
      expect(sim.sim.requests({ model: ECHO_MODEL }).length).toBe(sentBefore + 1);
      // ... answered with bob's own address, never alice's.
      const secondText = JSON.stringify(await second.json());
      expect(secondText).toContain(bob);
      expect(secondText).not.toContain(alice);
      // Nothing in Redis holds either raw address.
      const redis = new Redis(testEnv.REDIS_URL);
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "COUNT", 500);
          cursor = next;
          for (const key of keys) {
            if ((await redis.type(key)) !== "string") continue;
            const value = (await redis.getBuffer(key))?.toString("latin1") ?? "";
            expect(value.includes(alice) || value.includes(bob), key).toBe(false);
          }
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    });
  });

  describe("Cache-Control", () => {
    it("bypasses the cache for a feature without it, unless the caller opts in with max-age", async () => {
      const body = chat(fresh("Tell me a fact."));
      await expectCache(a.key, body, "bypass");
      await expectCache(a.key, body, "bypass");
      await expectCache(a.key, body, "miss", { "cache-control": "max-age=300" });
      await expectCache(a.key, body, "hit", { "cache-control": "max-age=300" });
      // max-age=0: nothing cached is young enough.
      await expectCache(a.key, body, "miss", { "cache-control": "max-age=0" });
      // The SDK's default headers carry it too.
      const client = openai(gw.url, a.key, { "cache-control": "max-age=300" });
      const before = upstreamChats();
      const res = await client.chat.completions.create({ model: "cached", messages: body.messages as never }).withResponse();
      expect(res.response.headers.get("x-gatehouse-cache")).toBe("hit");
      expect(upstreamChats()).toBe(before);
    });

    it("no-cache skips the lookup but stores; no-store neither looks up nor stores", async () => {
      const body = chat(fresh("Give me a number."));
      await expectCache(a.exactKey, body, "miss");
      await expectCache(a.exactKey, body, "bypass", { "cache-control": "no-cache" });
      await expectCache(a.exactKey, body, "hit");

      const other = chat(fresh("Give me a letter."));
      await expectCache(a.exactKey, other, "bypass", { "cache-control": "no-cache" });
      await expectCache(a.exactKey, other, "hit");

      const unstored = chat(fresh("Give me a word."));
      await expectCache(a.exactKey, unstored, "bypass", { "cache-control": "no-store" });
      await expectCache(a.exactKey, unstored, "miss");
      await expectCache(a.exactKey, unstored, "bypass", { "cache-control": "no-store" });
    });
  });

  describe("semantic cache", () => {
    it("serves a neighbour at or above the threshold and misses below it", async () => {
      const tag = `${++seq}x${Date.now()}`;
      const asked = `What is your refund policy for order ${tag}`;
      const close = `what is your refund policy for order ${tag} please`;
      const far = `What is your return policy for shoes ${tag}`;
      const unnormalised = (s: string) => s.toLowerCase().trim();
      expect(cosine(unnormalised(asked), unnormalised(close))).toBeGreaterThanOrEqual(THRESHOLD);
      expect(cosine(unnormalised(asked), unnormalised(far))).toBeLessThan(THRESHOLD);

      const first = await expectCache(a.semanticKey, chat(asked), "miss");
      const firstBody = (await first.json()) as { choices: unknown };
      const embeddingsBefore = upstreamEmbeddings();
      const hit = await expectCache(a.semanticKey, chat(close), "hit");
      expect(((await hit.json()) as { choices: unknown }).choices).toEqual(firstBody.choices);
      expect(upstreamEmbeddings()).toBe(embeddingsBefore + 1);
      await expectCache(a.semanticKey, chat(far), "miss");

      const hitId = hit.headers.get("x-request-id") ?? "";
      const log = await eventually(async () => (await db.requestLog.findFirst({ where: { id: hitId } })) ?? undefined);
      const meta = log.metadata as { cache?: { kind: string; similarity: number; savedMicros: string } };
      expect(meta.cache?.kind).toBe("semantic");
      expect(meta.cache?.similarity).toBeGreaterThanOrEqual(THRESHOLD);
    });

    it("never serves a multi-turn conversation an answer given after other earlier turns", async () => {
      const tag = `${++seq}y${Date.now()}`;
      const followUp = `and how long does it take ${tag}`;
      const convo = (topic: string) => ({
        model: "cached",
        messages: [
          { role: "user", content: `Tell me about ${topic}` },
          { role: "assistant", content: `Here is what I know about ${topic}.` },
          { role: "user", content: followUp },
        ],
      });
      await expectCache(a.semanticKey, convo("refunds"), "miss");
      await expectCache(a.semanticKey, convo("refunds"), "hit");
      // Same last turn, other conversation so far: another scope.
      await expectCache(a.semanticKey, convo("shipping"), "miss");
      // A single-turn question equal to the follow-up is not served the conversation's answer either.
      await expectCache(a.semanticKey, chat(followUp), "miss");
    });

    it("never serves one tenant's neighbour to another", async () => {
      const q = `Which plans include priority support ${++seq}z${Date.now()}`;
      await expectCache(a.semanticKey, chat(q), "miss");
      await expectCache(a.semanticKey, chat(`${q}?`), "hit");
      await expectCache(b.semanticKey, chat(q), "miss");
      await expectCache(b.semanticKey, chat(`${q}?`), "hit");
    });
  });

  describe("across gateway instances", () => {
    it("serves on one instance what another stored, exact and semantic", async () => {
      const body = chat(fresh("Where is the nearest store?"));
      await expectCache(a.exactKey, body, "miss", {}, gw);
      await expectCache(a.exactKey, body, "hit", {}, gw2);

      const q = `Do you ship to Iceland ${++seq}w${Date.now()}`;
      await expectCache(a.semanticKey, chat(q), "miss", {}, gw);
      // gw2 has never seen this scope: it reads it from Redis.
      await expectCache(a.semanticKey, chat(`${q}?`), "hit", {}, gw2);
      // ...and keeps up with entries gw adds later.
      const q2 = `Do you ship to Greenland ${++seq}w${Date.now()}`;
      await expectCache(a.semanticKey, chat(q2), "miss", {}, gw);
      await expectCache(a.semanticKey, chat(`${q2}!`), "hit", {}, gw2);
    });
  });
});
