import { describe, expect, it } from "vitest";
import { buildSnapshot, type SnapshotRows } from "@/lib/gateway/config/build";
import { resolveModel, scopesAllowModel, visibleModels } from "@/lib/gateway/route/resolve";

const T = "ten_a";
const t0 = new Date("2026-01-01T00:00:00Z");
const model = (id: string, providerId: string, name: string, supportsEmbeddings = false) => ({
  id,
  tenantId: T,
  providerId,
  name,
  contextWindow: 1000,
  maxOutputTokens: 100,
  tokenizer: "o200k_base",
  supportsEmbeddings,
  enabled: true,
  createdAt: t0,
});
const target = (id: string, routeId: string, modelId: string, position: number, over: Record<string, unknown> = {}) => ({
  id,
  routeId,
  modelId,
  position,
  weight: 1,
  timeoutMs: 1000,
  maxRetries: 1,
  failureThreshold: 3,
  cooldownMs: 1000,
  circuitOverride: "none" as const,
  enabled: true,
  ...over,
});

const rows: SnapshotRows = {
  tenants: [{ id: T, slug: "acme", name: "Acme", settings: {} }],
  apiKeys: [],
  features: [
    { id: "fea_a", tenantId: T, key: "a", name: "A", config: {} },
    { id: "fea_b", tenantId: T, key: "b", name: "B", config: {} },
  ],
  providers: [{ id: "prv_1", tenantId: T, name: "p1", kind: "openai", baseUrl: "http://p1/v1", secretCiphertext: "c", config: { headers: { "x-org": "o" } }, enabled: true }],
  providerModels: [model("mdl_chat", "prv_1", "gpt"), model("mdl_emb", "prv_1", "emb", true)],
  modelPrices: [],
  routes: [
    { id: "rte_open", tenantId: T, featureId: null, alias: "open", totalTimeoutMs: 5000, staticFallback: { role: "assistant", content: "sorry" }, config: { fallbackTimeoutMs: 500 }, createdAt: t0 },
    { id: "rte_b", tenantId: T, featureId: "fea_b", alias: "b-only", totalTimeoutMs: 5000, staticFallback: null, config: {}, createdAt: t0 },
  ],
  routeTargets: [
    target("tgt_1", "rte_open", "mdl_chat", 0),
    target("tgt_off", "rte_open", "mdl_chat", 1, { enabled: false }),
    target("tgt_2", "rte_open", "mdl_emb", 2),
    target("tgt_3", "rte_b", "mdl_chat", 0),
  ],
  flags: [],
  optOuts: [],
  prompts: [],
  promptVersions: [],
  promptLabels: [],
};
const snap = buildSnapshot(rows, { version: 1, decrypt: () => "sk" });
const caller = (over: Partial<{ scopes: string[]; featureId: string | null }> = {}) => ({ tenantId: T, scopes: [], featureId: null, ...over });

describe("resolveModel", () => {
  it("a route alias: its enabled targets in order, with timeouts, static answer and provider config", () => {
    const plan = resolveModel(snap, caller(), "open", "chat");
    expect(plan).toMatchObject({ kind: "route", name: "open", totalTimeoutMs: 5000, fallbackTimeoutMs: 500, staticAnswer: { content: "sorry" } });
    expect(plan.targets.map((t) => t.id)).toEqual(["tgt_1", "tgt_2"]);
    expect(plan.targets[0]).toMatchObject({ label: "p1/gpt", timeoutMs: 1000, maxRetries: 1, policy: { failureThreshold: 3, cooldownMs: 1000 } });
    expect(plan.targets[0]?.target).toMatchObject({ kind: "openai", baseUrl: "http://p1/v1", apiKey: "sk", model: "gpt", config: { headers: { "x-org": "o" } } });
  });

  it("a concrete model: a one-target implicit route", () => {
    const plan = resolveModel(snap, caller(), "gpt", "chat");
    expect(plan).toMatchObject({ kind: "model", staticAnswer: null });
    expect(plan.targets.map((t) => t.id)).toEqual(["model:mdl_chat"]);
  });

  it("embeddings keep only the targets whose model serves them", () => {
    expect(resolveModel(snap, caller(), "open", "embeddings").targets.map((t) => t.id)).toEqual(["tgt_2"]);
    expect(() => resolveModel(snap, caller(), "gpt", "embeddings")).toThrow(/does not serve embeddings/);
  });

  it("unknown names, names outside the key's model scopes and another feature's routes are 404 model_not_found", () => {
    expect(() => resolveModel(snap, caller(), "nope", "chat")).toThrow(/The model 'nope' does not exist/);
    expect(() => resolveModel(snap, caller({ scopes: ["model:open"] }), "gpt", "chat")).toThrow(/does not exist/);
    expect(() => resolveModel(snap, caller({ featureId: "fea_a" }), "b-only", "chat")).toThrow(/does not exist/);
    expect(resolveModel(snap, caller({ featureId: "fea_b" }), "b-only", "chat").featureId).toBe("fea_b");
    expect(resolveModel(snap, caller(), "b-only", "chat").featureId).toBe("fea_b");
  });

  it("plans are cached per snapshot entry", () => {
    expect(resolveModel(snap, caller(), "open", "chat")).toBe(resolveModel(snap, caller(), "open", "chat"));
  });
});

describe("visibleModels and scopes", () => {
  it("lists what resolveModel would accept", () => {
    const ids = (c: ReturnType<typeof caller>) => visibleModels(snap, c, snap.modelList(T)).map((e) => e.id);
    expect(ids(caller())).toEqual(["open", "b-only", "gpt", "emb"]);
    expect(ids(caller({ featureId: "fea_a" }))).toEqual(["open", "gpt", "emb"]);
    expect(ids(caller({ scopes: ["chat", "model:open"] }))).toEqual(["open"]);
  });

  it("model scopes: none means all; model:* means all", () => {
    expect(scopesAllowModel([], "x")).toBe(true);
    expect(scopesAllowModel(["chat"], "x")).toBe(true);
    expect(scopesAllowModel(["model:y"], "x")).toBe(false);
    expect(scopesAllowModel(["model:*"], "x")).toBe(true);
  });
});
