import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { buildSnapshot, type SnapshotRows } from "@/lib/gateway/config/build";

const T = "ten_a";
const t0 = new Date("2026-01-01T00:00:00Z");

function rows(over: Partial<SnapshotRows> = {}): SnapshotRows {
  return {
    tenants: [
      { id: T, slug: "acme", name: "Acme", settings: {} },
      { id: "ten_b", slug: "globex", name: "Globex", settings: null },
    ],
    apiKeys: [
      { id: "key_1", tenantId: T, hash: "d1", scopes: ["chat"], featureId: "fea_1", expiresAt: null, revokedAt: null },
      { id: "key_2", tenantId: T, hash: "d2", scopes: [], featureId: null, expiresAt: null, revokedAt: t0 },
    ],
    features: [{ id: "fea_1", tenantId: T, key: "support-reply", name: "Support", config: { cache: true } }],
    providers: [
      { id: "prv_1", tenantId: T, name: "primary", kind: "openai", baseUrl: "http://p1", secretCiphertext: "enc:sk-one", config: {}, enabled: true },
      { id: "prv_2", tenantId: T, name: "off", kind: "anthropic", baseUrl: "http://p2", secretCiphertext: null, config: {}, enabled: false },
      { id: "prv_3", tenantId: T, name: "broken", kind: "gemini", baseUrl: "http://p3", secretCiphertext: "garbage", config: [], enabled: true },
    ],
    providerModels: [
      model("mdl_a", "prv_1", "a-model"),
      model("mdl_h", "prv_2", "hidden"),
      model("mdl_4o", "prv_1", "gpt-4o"),
      model("mdl_4o_b", "prv_3", "gpt-4o"),
      { ...model("mdl_old", "prv_1", "old"), enabled: false },
    ],
    modelPrices: [
      price("mdl_4o", "2025-01-01T00:00:00Z", 10n),
      price("mdl_4o", "2026-06-01T00:00:00Z", 30n),
      price("mdl_4o", "2025-06-01T00:00:00Z", 20n),
    ],
    routes: [
      { id: "rte_1", tenantId: T, featureId: "fea_1", alias: "gpt-4o", totalTimeoutMs: 5000, staticFallback: { text: "sorry" }, config: {}, createdAt: t0 },
      { id: "rte_2", tenantId: T, featureId: null, alias: "support-reply", totalTimeoutMs: 60000, staticFallback: null, config: {}, createdAt: t0 },
    ],
    routeTargets: [
      target("tgt_2", "rte_2", "mdl_a", 2),
      target("tgt_1", "rte_2", "mdl_4o", 1),
      target("tgt_x", "rte_2", "mdl_missing", 3),
    ],
    flags: [
      flag("flg_g", null, "global-kill"),
      flag("flg_t", T, "tenant-kill"),
      { ...flag("flg_bad", T, "bad-rules"), rules: { not: "an array" } },
    ],
    optOuts: [{ tenantId: T, endUserId: "user-9" }],
    prompts: [{ id: "pmt_1", tenantId: T, featureId: "fea_1", name: "support-reply" }],
    promptVersions: [
      { id: "pmv_1", promptId: "pmt_1", version: 1, template: [{ role: "system", content: "v1" }], variables: {}, params: {}, outputSchema: null },
      { id: "pmv_2", promptId: "pmt_1", version: 2, template: [{ role: "system", content: "v2 {{name}}" }], variables: { name: { type: "string" } }, params: {}, outputSchema: null },
      { id: "pmv_other", promptId: "pmt_other", version: 1, template: [], variables: {}, params: {}, outputSchema: null },
    ],
    promptLabels: [
      { promptId: "pmt_1", name: "production", versionId: "pmv_1", canaryVersionId: "pmv_2", canaryPercent: 5, protected: true },
      { promptId: "pmt_1", name: "staging", versionId: "pmv_2", canaryVersionId: null, canaryPercent: 0, protected: false },
      { promptId: "pmt_1", name: "wrong", versionId: "pmv_other", canaryVersionId: null, canaryPercent: 0, protected: false },
    ],
    ...over,
  };
}

function model(id: string, providerId: string, name: string): SnapshotRows["providerModels"][number] {
  return {
    id,
    tenantId: T,
    providerId,
    name,
    contextWindow: 128000,
    maxOutputTokens: 4096,
    tokenizer: "o200k_base",
    supportsEmbeddings: false,
    enabled: true,
    createdAt: t0,
  };
}

function price(modelId: string, from: string, input: bigint): SnapshotRows["modelPrices"][number] {
  return {
    modelId,
    inputPerMTokMicros: input,
    outputPerMTokMicros: input * 4n,
    cachedInputPerMTokMicros: 0n,
    cacheWritePerMTokMicros: 0n,
    effectiveFrom: new Date(from),
  };
}

function target(id: string, routeId: string, modelId: string, position: number): SnapshotRows["routeTargets"][number] {
  return {
    id,
    routeId,
    modelId,
    position,
    weight: 1,
    timeoutMs: 1000,
    maxRetries: 2,
    failureThreshold: 5,
    cooldownMs: 30000,
    circuitOverride: "none",
    enabled: true,
  };
}

function flag(id: string, tenantId: string | null, key: string): SnapshotRows["flags"][number] {
  return {
    id,
    tenantId,
    key,
    kind: "kill_switch",
    scope: tenantId ? "tenant" : "global",
    featureId: null,
    routeTargetId: null,
    providerId: null,
    enabled: true,
    rolloutPercent: 100,
    rules: [],
    updatedAt: t0,
  };
}

const decrypt = (c: string): string => {
  if (!c.startsWith("enc:")) throw new Error("bad ciphertext");
  return c.slice(4);
};

describe("buildSnapshot", () => {
  const snap = buildSnapshot(rows(), { version: 7, decrypt });

  it("looks keys up by digest with their tenant slug, revoked ones included", () => {
    expect(snap.version).toBe(7);
    expect(snap.keyByDigest("d1")).toMatchObject({ id: "key_1", tenantId: T, tenantSlug: "acme", featureId: "fea_1", scopes: ["chat"] });
    expect(snap.keyByDigest("d2")?.revokedAt).toEqual(t0);
    expect(snap.keyByDigest("nope")).toBeUndefined();
  });

  it("indexes tenants, features, routes and prompts per tenant", () => {
    expect(snap.tenantBySlug("globex")?.settings).toEqual({});
    expect(snap.feature(T, "support-reply")?.config).toEqual({ cache: true });
    expect(snap.feature("ten_b", "support-reply")).toBeUndefined();
    expect(snap.route("ten_b", "support-reply")).toBeUndefined();
    expect(snap.featureById("fea_1")?.key).toBe("support-reply");
  });

  it("orders a route's targets by position, joins model and provider, and skips dangling ones", () => {
    const route = snap.route(T, "support-reply");
    expect(route?.targets.map((t) => t.id)).toEqual(["tgt_1", "tgt_2"]);
    expect(route?.targets[0]?.model.name).toBe("gpt-4o");
    expect(route?.targets[0]?.provider).toMatchObject({ kind: "openai", baseUrl: "http://p1", apiKey: "sk-one" });
    expect(snap.problems.some((p) => p.includes("tgt_x"))).toBe(true);
    expect(snap.route(T, "gpt-4o")?.staticFallback).toEqual({ text: "sorry" });
  });

  it("decrypts provider secrets but never shows them in JSON, spreads or inspect", () => {
    const p = snap.provider("prv_1");
    expect(p?.apiKey).toBe("sk-one");
    expect(JSON.stringify(p)).not.toContain("sk-one");
    expect(JSON.stringify(snap.route(T, "support-reply"))).not.toContain("sk-one");
    expect(JSON.stringify({ ...p })).not.toContain("sk-one");
    expect(inspect(p, { depth: 5 })).not.toContain("sk-one");
    expect(inspect(snap.route(T, "support-reply"), { depth: 10 })).not.toContain("sk-one");
  });

  it("keeps a provider whose secret does not decrypt, flagged, and says so without the value", () => {
    const p = snap.provider("prv_3");
    expect(p?.apiKey).toBeNull();
    expect(p?.secretError).toBe(true);
    expect(p?.config).toEqual({});
    expect(snap.problems.join("\n")).toContain("prv_3");
    expect(snap.problems.join("\n")).not.toContain("garbage");
  });

  it("picks the price in effect: latest effectiveFrom <= the given time", () => {
    expect(snap.price("mdl_4o", new Date("2024-12-31T00:00:00Z"))).toBeNull();
    expect(snap.price("mdl_4o", new Date("2025-03-01T00:00:00Z"))?.inputPerMTokMicros).toBe(10n);
    expect(snap.price("mdl_4o", new Date("2025-06-01T00:00:00Z"))?.inputPerMTokMicros).toBe(20n);
    expect(snap.price("mdl_4o", new Date("2027-01-01T00:00:00Z"))?.inputPerMTokMicros).toBe(30n);
    expect(snap.price("mdl_a")).toBeNull();
  });

  it("lists usable models by name across providers, without disabled models or providers", () => {
    expect(snap.modelsNamed(T, "gpt-4o").map((m) => m.id)).toEqual(["mdl_4o", "mdl_4o_b"]);
    expect(snap.modelsNamed(T, "hidden")).toEqual([]);
    expect(snap.modelsNamed(T, "old")).toEqual([]);
    expect(snap.model("mdl_old")?.enabled).toBe(false);
  });

  it("builds GET /v1/models: aliases first, then models, each id once, aliases shadowing models", () => {
    expect(snap.modelList(T).map((m) => [m.id, m.kind, m.ownedBy])).toEqual([
      ["gpt-4o", "route", "gatehouse"],
      ["support-reply", "route", "gatehouse"],
      ["a-model", "model", "primary"],
    ]);
    expect(snap.modelList("ten_b")).toEqual([]);
    expect(snap.modelList("ten_unknown")).toEqual([]);
  });

  it("separates global and tenant flags, and treats non-array rules as none", () => {
    expect([...snap.globalFlags().keys()]).toEqual(["global-kill"]);
    expect([...snap.tenantFlags(T).keys()].sort()).toEqual(["bad-rules", "tenant-kill"]);
    expect(snap.tenantFlags(T).get("bad-rules")?.rules).toEqual([]);
    expect(snap.tenantFlags("ten_b").size).toBe(0);
  });

  it("answers opt-outs per tenant", () => {
    expect(snap.isOptedOut(T, "user-9")).toBe(true);
    expect(snap.isOptedOut("ten_b", "user-9")).toBe(false);
    expect(snap.isOptedOut(T, "user-1")).toBe(false);
  });

  it("resolves prompt labels to versions (and canaries), refusing a label on another prompt's version", () => {
    const p = snap.prompt(T, "support-reply");
    expect([...(p?.versions.keys() ?? [])]).toEqual([1, 2]);
    expect(p?.labels.get("production")).toMatchObject({ version: { id: "pmv_1" }, canaryVersion: { id: "pmv_2" }, canaryPercent: 5, protected: true });
    expect(p?.labels.get("staging")?.version.version).toBe(2);
    expect(p?.labels.has("wrong")).toBe(false);
    expect(snap.problems.some((x) => x.includes("pmt_1/wrong"))).toBe(true);
  });

  it("is immutable", () => {
    const key = snap.keyByDigest("d1");
    expect(Object.isFrozen(key)).toBe(true);
    expect(() => (key?.scopes as string[]).push("x")).toThrow();
    expect(Object.isFrozen(snap.feature(T, "support-reply")?.config)).toBe(true);
    expect(Object.isFrozen(snap.route(T, "support-reply")?.targets)).toBe(true);
    expect(Object.isFrozen(snap.modelList(T))).toBe(true);
  });

  it("counts rows per table", () => {
    expect(snap.counts).toMatchObject({ tenants: 2, apiKeys: 2, routes: 2, routeTargets: 3, flags: 3, promptVersions: 3 });
  });
});
