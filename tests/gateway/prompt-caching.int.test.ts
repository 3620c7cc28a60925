/**
 * Provider prompt caching and prices through a running gateway to the
 * simulator: Anthropic `cache_control` passed through (from /v1/messages and
 * from OpenAI-format requests), a feature's long system prompt marked
 * cacheable for Anthropic targets only, OpenAI's prompt-cache fields passed
 * through, cache reads and writes priced at their own rates, and every
 * request-log row (chat, messages, embeddings) carrying its cost in integer
 * micro-dollars, computed with the price in effect, which a new price changes
 * for later requests only.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { costMicros } from "@/lib/gateway/cost";
import type { PriceEntry } from "@/lib/gateway/config/types";
import type { NormalisedUsage } from "@/lib/gateway/providers/types";
import { newId } from "@/lib/ids";
import { createPrice } from "@/lib/prices/service";
import { ctxFor } from "@/lib/testing/factories";
import { addFeature, addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import type { Child } from "@/lib/testing/spawn";
import { eventually, postJson, problemLines, startGateway, startSim, startWorker, type GatewayHandle, type SimHandle } from "./harness";

let db: Db;
let sim: SimHandle;
let gw: GatewayHandle;
let worker: Child;
let t: TestTenant;
const modelIds = new Map<string, string>();

// Long enough for the simulator's 1,024-token cache minimum (it counts characters / 4).
const SYSTEM = "You are the support assistant of Example Books. Be precise and kind; cite the order number. ".repeat(60);

const PRICES: Record<string, Omit<PriceEntry, "modelId" | "effectiveFrom">> = {
  "pc-gpt": { inputPerMTokMicros: 2_500_000n, outputPerMTokMicros: 10_000_000n, cachedInputPerMTokMicros: 1_250_000n, cacheWritePerMTokMicros: 0n },
  "pc-claude": { inputPerMTokMicros: 3_000_000n, outputPerMTokMicros: 15_000_000n, cachedInputPerMTokMicros: 300_000n, cacheWritePerMTokMicros: 3_750_000n },
  "pc-embed": { inputPerMTokMicros: 20_000n, outputPerMTokMicros: 0n, cachedInputPerMTokMicros: 0n, cacheWritePerMTokMicros: 0n },
};

function expectedCost(model: string, usage: NormalisedUsage): bigint {
  return costMicros({ ...PRICES[model]!, modelId: modelIds.get(model)!, effectiveFrom: new Date(0) }, usage);
}

beforeAll(async () => {
  db = createDb();
  sim = await startSim();
  t = await createTestTenant(db, "pcache");
  const oa = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
  const an = await addSimProvider(db, t.tenantId, { name: "sim-anthropic", kind: "anthropic", simUrl: sim.url });
  for (const [name, provider, embeddings] of [["pc-gpt", oa, false], ["pc-claude", an, false], ["pc-embed", oa, true]] as const) {
    const id = await addModel(db, t.tenantId, provider, name, { supportsEmbeddings: embeddings });
    modelIds.set(name, id);
    await db.modelPrice.create({ data: { id: newId("modelPrice"), tenantId: t.tenantId, modelId: id, ...PRICES[name]!, effectiveFrom: new Date(0) } });
  }
  await addRoute(db, t.tenantId, { alias: "claude", targets: [{ modelId: modelIds.get("pc-claude")! }] });
  await addRoute(db, t.tenantId, { alias: "gpt", targets: [{ modelId: modelIds.get("pc-gpt")! }] });
  const featureId = await addFeature(db, t.tenantId, "cached-system");
  await db.feature.update({ where: { id: featureId }, data: { config: { cache: { promptCaching: { markSystemPrompt: true, minChars: 1_000 } } } } });
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
  model: string;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costMicros: bigint;
  metadata: { cacheWriteTokens?: number };
}

async function logRow(res: Response): Promise<LogRow> {
  const id = res.headers.get("x-request-id");
  if (!id) throw new Error("no request id");
  return (await eventually(async () => (await db.requestLog.findFirst({ where: { id } })) ?? undefined, { what: `request_logs ${id}` })) as unknown as LogRow;
}

const openaiHeaders = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${t.key}`, ...extra });
const anthropicHeaders = { "x-api-key": "", "anthropic-version": "2023-06-01" };

interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

const fromAnthropic = (u: AnthropicUsage): NormalisedUsage => ({
  promptTokens: u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens,
  completionTokens: u.output_tokens,
  cachedTokens: u.cache_read_input_tokens,
  cacheWriteTokens: u.cache_creation_input_tokens,
  reasoningTokens: 0,
});

describe("Anthropic prompt caching", () => {
  it("passes /v1/messages cache_control through, and prices the cache write, then the cache read", async () => {
    const body = { model: "claude", max_tokens: 50, system: [{ type: "text", text: SYSTEM, cache_control: { type: "ephemeral" } }], messages: [{ role: "user", content: "Where is order 1?" }] };
    const headers = { ...anthropicHeaders, "x-api-key": t.key };

    const first = await postJson(`${gw.url}/v1/messages`, body, headers);
    expect(first.status).toBe(200);
    const firstUsage = ((await first.json()) as { usage: AnthropicUsage }).usage;
    const received = sim.sim.requests({ model: "pc-claude" })[0]?.body as { system: unknown };
    expect(received.system).toEqual([{ type: "text", text: SYSTEM, cache_control: { type: "ephemeral" } }]);
    expect(firstUsage.cache_creation_input_tokens).toBeGreaterThan(1_000);
    expect(firstUsage.cache_read_input_tokens).toBe(0);
    const firstRow = await logRow(first);
    expect(firstRow).toMatchObject({ cachedTokens: 0, metadata: { cacheWriteTokens: firstUsage.cache_creation_input_tokens } });
    expect(firstRow.costMicros).toBe(expectedCost("pc-claude", fromAnthropic(firstUsage)));

    const second = await postJson(`${gw.url}/v1/messages`, { ...body, messages: [{ role: "user", content: "And order 2?" }] }, headers);
    const secondUsage = ((await second.json()) as { usage: AnthropicUsage }).usage;
    expect(secondUsage.cache_read_input_tokens).toBe(firstUsage.cache_creation_input_tokens);
    expect(secondUsage.cache_creation_input_tokens).toBe(0);
    const secondRow = await logRow(second);
    expect(secondRow.cachedTokens).toBe(secondUsage.cache_read_input_tokens);
    expect(secondRow.promptTokens).toBe(fromAnthropic(secondUsage).promptTokens);
    expect(secondRow.costMicros).toBe(expectedCost("pc-claude", fromAnthropic(secondUsage)));
    // Reading the prefix costs a tenth of the input price, writing it 125%: the second call is far cheaper.
    expect(secondRow.costMicros * 5n).toBeLessThan(firstRow.costMicros);
  });

  it("passes cache_control from an OpenAI-format request served by the Anthropic adapter", async () => {
    const res = await postJson(
      `${gw.url}/v1/chat/completions`,
      { model: "claude", messages: [{ role: "system", content: [{ type: "text", text: SYSTEM, cache_control: { type: "ephemeral" } }] }, { role: "user", content: "Hi" }] },
      openaiHeaders(),
    );
    expect(res.status).toBe(200);
    const usage = ((await res.json()) as { usage: { prompt_tokens_details: { cache_write_tokens?: number } } }).usage;
    expect(usage.prompt_tokens_details.cache_write_tokens).toBeGreaterThan(1_000);
    expect((sim.sim.requests({ model: "pc-claude" })[0]?.body as { system: unknown }).system).toEqual([{ type: "text", text: SYSTEM, cache_control: { type: "ephemeral" } }]);
  });

  it("marks a feature's long system prompt cacheable for Anthropic, and leaves OpenAI requests as sent", async () => {
    const messages = [{ role: "system", content: SYSTEM }, { role: "user", content: "Hi" }];
    const headers = openaiHeaders({ "x-gatehouse-feature": "cached-system" });
    expect((await postJson(`${gw.url}/v1/chat/completions`, { model: "claude", messages }, headers)).status).toBe(200);
    expect((sim.sim.requests({ model: "pc-claude" })[0]?.body as { system: unknown }).system).toEqual([{ type: "text", text: SYSTEM, cache_control: { type: "ephemeral" } }]);

    expect((await postJson(`${gw.url}/v1/chat/completions`, { model: "gpt", messages }, headers)).status).toBe(200);
    expect((sim.sim.requests({ model: "pc-gpt" })[0]?.body as { messages: unknown }).messages).toEqual(messages);

    // Without the feature nothing is marked.
    sim.sim.reset();
    expect((await postJson(`${gw.url}/v1/chat/completions`, { model: "claude", messages }, openaiHeaders())).status).toBe(200);
    expect((sim.sim.requests({ model: "pc-claude" })[0]?.body as { system: unknown }).system).toEqual([{ type: "text", text: SYSTEM }]);
  });
});

describe("OpenAI prompt caching", () => {
  it("passes prompt_cache_key and prompt_cache_retention through and prices cached tokens at the cached rate", async () => {
    const ask = (q: string) =>
      postJson(
        `${gw.url}/v1/chat/completions`,
        { model: "gpt", prompt_cache_key: "support-v1", prompt_cache_retention: "24h", messages: [{ role: "system", content: SYSTEM }, { role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }, { role: "user", content: q }] },
        openaiHeaders(),
      );
    const first = await ask("Where is order 1?");
    expect(first.status).toBe(200);
    const received = sim.sim.requests({ model: "pc-gpt" })[0]?.body as Record<string, unknown>;
    expect(received).toMatchObject({ prompt_cache_key: "support-v1", prompt_cache_retention: "24h" });
    const firstRow = await logRow(first);
    expect(firstRow.cachedTokens).toBe(0);

    // Only the last message differs: the simulator caches the rest (OpenAI's automatic caching).
    const second = await ask("Where is order 2?");
    const usage = ((await second.json()) as { usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } } }).usage;
    expect(usage.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(1_024);
    const row = await logRow(second);
    expect(row.cachedTokens).toBe(usage.prompt_tokens_details.cached_tokens);
    expect(row.costMicros).toBe(
      expectedCost("pc-gpt", { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: usage.prompt_tokens_details.cached_tokens, cacheWriteTokens: 0, reasoningTokens: 0 }),
    );
    expect(row.costMicros).toBeLessThan(firstRow.costMicros);
  });
});

describe("cost on every request-log row", () => {
  it("prices embeddings, and a new price applies to later requests only", async () => {
    const first = await postJson(`${gw.url}/v1/embeddings`, { model: "pc-embed", input: ["a first sentence to embed", "a second one"] }, openaiHeaders());
    expect(first.status).toBe(200);
    const usage = ((await first.json()) as { usage: { prompt_tokens: number } }).usage;
    const row = await logRow(first);
    expect(row.promptTokens).toBe(usage.prompt_tokens);
    expect(row.costMicros).toBe(expectedCost("pc-embed", { promptTokens: usage.prompt_tokens, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }));

    // A price 1,000x higher from now: the next request costs more, the earlier row keeps its cost.
    await createPrice(ctxFor({ id: t.tenantId, slug: t.slug }, "owner"), { modelId: modelIds.get("pc-embed")!, inputPerMTokMicros: "20000000", outputPerMTokMicros: "0", cachedInputPerMTokMicros: "0", cacheWritePerMTokMicros: "0" });
    const later = await eventually(async () => {
      const res = await postJson(`${gw.url}/v1/embeddings`, { model: "pc-embed", input: ["a first sentence to embed", "a second one"] }, openaiHeaders());
      const r = await logRow(res);
      return r.costMicros > row.costMicros ? r : undefined;
    }, { what: "the new price in the gateway" });
    expect(later.costMicros).toBe(costMicros({ ...PRICES["pc-embed"]!, inputPerMTokMicros: 20_000_000n, modelId: "", effectiveFrom: new Date(0) }, { promptTokens: later.promptTokens, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }));
    expect((await db.requestLog.findFirstOrThrow({ where: { id: first.headers.get("x-request-id") ?? "" } })).costMicros).toBe(row.costMicros);
  });

  it("left no error-level lines in the gateway's log", () => {
    expect(problemLines(gw.child)).toEqual([]);
  });
});
