import { describe, expect, it } from "vitest";
import { bucketOf } from "@/lib/flags/bucket";
import { evaluateFlag, isOn, killSwitchFor, type FlagSource, type SwitchFlag } from "@/lib/flags/evaluate";
import type { FlagRuleInput } from "@/lib/flags/rules";
import { buildSnapshot, emptySnapshot, type SnapshotRows } from "@/lib/gateway/config/build";

type FlagInit = Partial<Omit<SwitchFlag, "rules">> & { rules?: FlagRuleInput[] | unknown };

function flag(over: FlagInit = {}): SwitchFlag {
  return Object.freeze({
    id: "flg_1",
    tenantId: "ten_a",
    key: "new-model",
    kind: "release",
    scope: "tenant",
    featureId: null,
    routeTargetId: null,
    providerId: null,
    enabled: true,
    rolloutPercent: 100,
    rules: [],
    ...over,
  });
}

const ctx = { tenantId: "ten_a", tenantSlug: "acme", featureId: "fea_1", featureKey: "support-reply", endUserId: "user-1" };

/** Users inside / outside a p% rollout of `f` (found by bucket, so the tests do not depend on particular ids). */
function usersFor(f: SwitchFlag, p: number): { inside: string; outside: string } {
  let inside: string | undefined;
  let outside: string | undefined;
  for (let i = 0; i < 10_000 && (!inside || !outside); i++) {
    const id = `user-${i}`;
    if (bucketOf(f.key, f.id, id) < p * 100) inside ??= id;
    else outside ??= id;
  }
  if (!inside || !outside) throw new Error("no users found");
  return { inside, outside };
}

describe("evaluateFlag: on, off and rollout", () => {
  it("DISABLED: a disabled flag is off whatever its rules say", () => {
    expect(evaluateFlag(flag({ enabled: false }), ctx)).toEqual({ value: false, variant: "off", reason: "DISABLED" });
    expect(evaluateFlag(flag({ enabled: false, rules: [{ value: "x" }] }), ctx).reason).toBe("DISABLED");
    // Broken rules do not matter while the flag is off.
    expect(evaluateFlag(flag({ enabled: false, rules: "garbage" }), ctx).reason).toBe("DISABLED");
  });

  it("STATIC: no rules at 100% is on for everyone, at 0% off for everyone, without needing a user", () => {
    expect(evaluateFlag(flag(), {})).toEqual({ value: true, variant: "on", reason: "STATIC" });
    expect(evaluateFlag(flag({ rolloutPercent: 0 }), {})).toEqual({ value: false, variant: "off", reason: "STATIC" });
  });

  it("SPLIT: a percentage rollout is sticky per end-user", () => {
    const f = flag({ rolloutPercent: 30 });
    const { inside, outside } = usersFor(f, 30);
    expect(evaluateFlag(f, { endUserId: inside })).toEqual({ value: true, variant: "on", reason: "SPLIT" });
    expect(evaluateFlag(f, { endUserId: outside })).toEqual({ value: false, variant: "off", reason: "SPLIT" });
    for (let i = 0; i < 5; i++) expect(evaluateFlag(f, { endUserId: inside }).value).toBe(true);
  });

  it("puts a user whose bucket equals the threshold outside, in the flag and in a rule", () => {
    const f = flag({ id: "flg_edge", key: "edge", rolloutPercent: 20 });
    const g = flag({ id: "flg_edge", key: "edge", rules: [{ rolloutPercent: 20 }] });
    let edge: string | undefined;
    for (let i = 0; i < 200_000 && !edge; i++) if (bucketOf("edge", "flg_edge", `e-${i}`) === 2000) edge = `e-${i}`;
    expect(edge).toBeDefined();
    expect(evaluateFlag(f, { endUserId: edge! }).value).toBe(false);
    expect(evaluateFlag(g, { endUserId: edge! }).value).toBe(false);
    expect(evaluateFlag(flag({ id: "flg_edge", key: "edge", rolloutPercent: 21 }), { endUserId: edge! }).value).toBe(true);
  });

  it("serves about p% of many users and keeps them as p grows (the flag's bucketing)", () => {
    const users = Array.from({ length: 20_000 }, (_, i) => `u-${i}`);
    let previous = new Set<string>();
    for (const p of [5, 20, 50, 100]) {
      const f = flag({ rolloutPercent: p });
      const on = new Set(users.filter((u) => evaluateFlag(f, { endUserId: u }).value === true));
      expect(Math.abs(on.size / users.length - p / 100)).toBeLessThan(0.015);
      expect([...previous].filter((u) => !on.has(u))).toEqual([]);
      previous = on;
    }
  });

  it("buckets by the fallback key when there is no end-user, and says so when there is neither", () => {
    const f = flag({ rolloutPercent: 50 });
    const { inside } = usersFor(f, 50);
    expect(evaluateFlag(f, { fallbackKey: inside }).value).toBe(true);
    // The end-user wins over the fallback key.
    const { outside } = usersFor(f, 50);
    expect(evaluateFlag(f, { endUserId: outside, fallbackKey: inside }).value).toBe(false);
    // "" counts as absent.
    expect(evaluateFlag(f, { endUserId: "", fallbackKey: null })).toEqual({
      value: false,
      variant: "off",
      reason: "ERROR",
      errorCode: "TARGETING_KEY_MISSING",
      errorMessage: "a percentage rollout needs an end-user id or a fallback key",
    });
  });

  it("keeps two flags' rollouts independent (salted by flag id)", () => {
    const a = flag({ id: "flg_a", key: "same-key", rolloutPercent: 50 });
    const b = flag({ id: "flg_b", key: "same-key", rolloutPercent: 50 });
    const users = Array.from({ length: 10_000 }, (_, i) => `u-${i}`);
    const agree = users.filter((u) => evaluateFlag(a, { endUserId: u }).value === evaluateFlag(b, { endUserId: u }).value).length;
    // Independent coins agree half the time (sd 0.5%); identical bucketing would agree always.
    expect(Math.abs(agree / users.length - 0.5)).toBeLessThan(0.03);
  });
});

describe("evaluateFlag: targeting rules", () => {
  it("TARGETING_MATCH: the first matching rule gives its value and variant", () => {
    const f = flag({
      kind: "experiment",
      rules: [
        { conditions: [{ attribute: "tenantSlug", op: "eq", value: "globex" }], variant: "terse", value: "terse" },
        { conditions: [{ attribute: "featureKey", op: "in", values: ["support-reply", "summarise"] }], variant: "kind", value: "kind" },
        { variant: "plain", value: "plain" },
      ],
    });
    expect(evaluateFlag(f, ctx)).toEqual({ value: "kind", variant: "kind", reason: "TARGETING_MATCH" });
    expect(evaluateFlag(f, { ...ctx, tenantSlug: "globex" })).toMatchObject({ value: "terse", variant: "terse" });
    expect(evaluateFlag(f, { ...ctx, featureKey: "other" })).toMatchObject({ value: "plain", variant: "plain" });
  });

  it("DEFAULT: rules exist and none matches: off", () => {
    const f = flag({ rules: [{ conditions: [{ attribute: "tenantSlug", op: "eq", value: "globex" }] }] });
    expect(evaluateFlag(f, ctx)).toEqual({ value: false, variant: "off", reason: "DEFAULT" });
  });

  it("needs every condition of a rule to match", () => {
    const f = flag({
      rules: [
        {
          conditions: [
            { attribute: "tenantId", op: "eq", value: "ten_a" },
            { attribute: "endUserId", op: "starts_with", value: "beta-" },
          ],
        },
      ],
    });
    expect(evaluateFlag(f, { ...ctx, endUserId: "beta-7" }).value).toBe(true);
    expect(evaluateFlag(f, { ...ctx, endUserId: "user-7" }).value).toBe(false);
    expect(evaluateFlag(f, { ...ctx, tenantId: "ten_b", endUserId: "beta-7" }).value).toBe(false);
  });

  it("implements each operator, with absent attributes matching only not_in", () => {
    const one = (c: FlagRuleInput["conditions"]) => flag({ rules: [{ conditions: c }] });
    const cases: Array<[FlagRuleInput["conditions"], Record<string, unknown>, boolean]> = [
      [[{ attribute: "endUserId", op: "eq", value: "u1" }], { endUserId: "u1" }, true],
      [[{ attribute: "endUserId", op: "eq", value: "u1" }], { endUserId: "U1" }, false],
      [[{ attribute: "endUserId", op: "eq", value: "u1" }], {}, false],
      [[{ attribute: "endUserId", op: "in", values: ["u1", "u2"] }], { endUserId: "u2" }, true],
      [[{ attribute: "endUserId", op: "in", values: ["u1", "u2"] }], { endUserId: "u3" }, false],
      [[{ attribute: "endUserId", op: "in", values: ["u1"] }], {}, false],
      [[{ attribute: "endUserId", op: "not_in", values: ["u1"] }], { endUserId: "u3" }, true],
      [[{ attribute: "endUserId", op: "not_in", values: ["u1"] }], { endUserId: "u1" }, false],
      [[{ attribute: "endUserId", op: "not_in", values: ["u1"] }], {}, true],
      [[{ attribute: "endUserId", op: "exists" }], { endUserId: "u1" }, true],
      [[{ attribute: "endUserId", op: "exists" }], { endUserId: "" }, false],
      [[{ attribute: "endUserId", op: "exists" }], { endUserId: null }, false],
      [[{ attribute: "tenantSlug", op: "starts_with", value: "ac" }], { tenantSlug: "acme" }, true],
      [[{ attribute: "tenantSlug", op: "starts_with", value: "ac" }], { tenantSlug: "globex" }, false],
      [[{ attribute: "featureId", op: "eq", value: "fea_1" }], { featureId: "fea_1" }, true],
    ];
    for (const [conditions, context, expected] of cases) {
      const f = one(conditions);
      expect(evaluateFlag(f, context).value, `${JSON.stringify(conditions)} on ${JSON.stringify(context)}`).toBe(expected);
    }
  });

  it("matches request metadata by key; numbers and booleans by their text; objects never", () => {
    const rule = (op: "eq" | "exists", value?: string) =>
      flag({ rules: [{ conditions: [op === "exists" ? { attribute: "metadata", key: "plan", op } : { attribute: "metadata", key: "plan", op, value: value ?? "" }] }] });
    expect(evaluateFlag(rule("eq", "pro"), { metadata: { plan: "pro" } }).value).toBe(true);
    expect(evaluateFlag(rule("eq", "pro"), { metadata: { plan: "free" } }).value).toBe(false);
    expect(evaluateFlag(rule("eq", "3"), { metadata: { plan: 3 } }).value).toBe(true);
    expect(evaluateFlag(rule("eq", "true"), { metadata: { plan: true } }).value).toBe(true);
    expect(evaluateFlag(rule("exists"), { metadata: { plan: { tier: 1 } } }).value).toBe(false);
    expect(evaluateFlag(rule("exists"), { metadata: {} }).value).toBe(false);
    expect(evaluateFlag(rule("exists"), { metadata: null }).value).toBe(false);
    expect(evaluateFlag(rule("exists"), {}).value).toBe(false);
  });

  it("does not read inherited properties as metadata", () => {
    const f = flag({ rules: [{ conditions: [{ attribute: "metadata", key: "toString", op: "exists" }] }] });
    expect(evaluateFlag(f, { metadata: {} }).value).toBe(false);
    expect(evaluateFlag(f, { metadata: { toString: "x" } }).value).toBe(true);
  });

  it("compares unicode exactly", () => {
    const f = flag({ rules: [{ conditions: [{ attribute: "metadata", key: "city", op: "in", values: ["Zürich", "東京"] }] }] });
    expect(evaluateFlag(f, { metadata: { city: "東京" } }).value).toBe(true);
    expect(evaluateFlag(f, { metadata: { city: "Zurich" } }).value).toBe(false);
    // NFC vs NFD are different strings: no silent normalisation.
    expect(evaluateFlag(f, { metadata: { city: "Zu\u0308rich" } }).value).toBe(false);
  });

  it("applies a rule's own percentage (SPLIT), else the flag's", () => {
    const f = flag({ rolloutPercent: 100, rules: [{ conditions: [{ attribute: "tenantSlug", op: "eq", value: "acme" }], rolloutPercent: 20 }] });
    const { inside, outside } = usersFor(f, 20);
    expect(evaluateFlag(f, { ...ctx, endUserId: inside })).toEqual({ value: true, variant: "on", reason: "SPLIT" });
    expect(evaluateFlag(f, { ...ctx, endUserId: outside })).toEqual({ value: false, variant: "off", reason: "SPLIT" });

    const g = flag({ rolloutPercent: 20, rules: [{ conditions: [{ attribute: "tenantSlug", op: "eq", value: "acme" }] }] });
    expect(evaluateFlag(g, { ...ctx, endUserId: inside }).reason).toBe("SPLIT");
    expect(evaluateFlag(g, { ...ctx, endUserId: outside }).value).toBe(false);
  });

  it("lets a user outside one rule's percentage fall through to the next rule (rules are OR'ed)", () => {
    const f = flag({
      rules: [
        { conditions: [{ attribute: "tenantSlug", op: "eq", value: "acme" }], rolloutPercent: 10, variant: "canary", value: "canary" },
        { variant: "stable", value: "stable" },
      ],
    });
    const { inside, outside } = usersFor(f, 10);
    expect(evaluateFlag(f, { ...ctx, endUserId: inside })).toEqual({ value: "canary", variant: "canary", reason: "SPLIT" });
    expect(evaluateFlag(f, { ...ctx, endUserId: outside })).toEqual({ value: "stable", variant: "stable", reason: "TARGETING_MATCH" });
  });

  it("skips a 0% rule and reports DEFAULT, not SPLIT", () => {
    const f = flag({ rules: [{ rolloutPercent: 0 }] });
    expect(evaluateFlag(f, ctx)).toEqual({ value: false, variant: "off", reason: "DEFAULT" });
  });

  it("reports a missing bucketing key only when nothing else matched", () => {
    const f = flag({ rules: [{ rolloutPercent: 10 }, { conditions: [{ attribute: "tenantSlug", op: "eq", value: "acme" }], value: "fallback" }] });
    expect(evaluateFlag(f, { tenantSlug: "acme" })).toMatchObject({ value: "fallback", reason: "TARGETING_MATCH" });
    expect(evaluateFlag(f, { tenantSlug: "globex" })).toMatchObject({ reason: "ERROR", errorCode: "TARGETING_KEY_MISSING", value: false });
  });

  it("names a rule that serves false 'off' unless it says otherwise", () => {
    expect(evaluateFlag(flag({ rules: [{ value: false }] }), ctx)).toEqual({ value: false, variant: "off", reason: "TARGETING_MATCH" });
    expect(evaluateFlag(flag({ rules: [{ value: 42 }] }), ctx)).toEqual({ value: 42, variant: "on", reason: "TARGETING_MATCH" });
  });
});

describe("evaluateFlag: stored data that does not parse", () => {
  it("ERROR / PARSE_ERROR for bad rules, naming where, and never throws", () => {
    const e = evaluateFlag(flag({ rules: [{ conditions: [{ attribute: "metadata", op: "eq", value: "x" }] }] }), ctx);
    expect(e).toMatchObject({ value: false, variant: "off", reason: "ERROR", errorCode: "PARSE_ERROR" });
    expect(e.errorMessage).toBe("rules.0.conditions.0.key: a metadata condition needs a key (the metadata field to look at)");
    expect(evaluateFlag(flag({ rules: { not: "an array" } }), ctx)).toMatchObject({ reason: "ERROR", errorCode: "PARSE_ERROR" });
    expect(evaluateFlag(flag({ rules: null }), ctx)).toMatchObject({ reason: "STATIC", value: true }); // null = no rules
  });

  it("ERROR / PARSE_ERROR for an out-of-range stored percentage", () => {
    expect(evaluateFlag(flag({ rolloutPercent: 150 }), ctx)).toMatchObject({
      reason: "ERROR",
      errorCode: "PARSE_ERROR",
      errorMessage: "rolloutPercent must be between 0 and 100 (got 150)",
    });
    expect(evaluateFlag(flag({ rules: [{ rolloutPercent: -1 }] }), ctx).errorMessage).toBe(
      "rules.0.rolloutPercent: rolloutPercent must be between 0 and 100 (got -1)",
    );
  });
});

describe("evaluateFlag: compiled once per frozen flag", () => {
  it("returns the same preallocated result object for a frozen flag (no allocation per call)", () => {
    const f = flag({ rules: [{ conditions: [{ attribute: "tenantSlug", op: "eq", value: "acme" }] }] });
    const a = evaluateFlag(f, ctx);
    const b = evaluateFlag(f, { ...ctx, endUserId: "someone-else" });
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it("re-reads a mutable flag on every call (the control plane may pass one it is editing)", () => {
    const f = { id: "flg_m", key: "mutable", enabled: true, rolloutPercent: 100, rules: [] as unknown[] };
    expect(evaluateFlag(f, ctx).value).toBe(true);
    f.enabled = false;
    expect(evaluateFlag(f, ctx).reason).toBe("DISABLED");
    f.enabled = true;
    f.rules = [{ conditions: [{ attribute: "tenantSlug", op: "eq", value: "globex" }] }];
    expect(evaluateFlag(f, ctx).reason).toBe("DEFAULT");
  });

  it("isOn is true only for the value true", () => {
    expect(isOn({ value: true, variant: "on", reason: "STATIC" })).toBe(true);
    expect(isOn({ value: "yes", variant: "on", reason: "STATIC" })).toBe(false);
  });
});

// ---------------------------------------------------------------- kill switches

function source(globals: SwitchFlag[], tenants: Record<string, SwitchFlag[]>): FlagSource {
  const g = new Map(globals.map((f) => [f.key, f]));
  const t = new Map(Object.entries(tenants).map(([id, list]) => [id, new Map(list.map((f) => [f.key, f]))]));
  const empty = new Map<string, SwitchFlag>();
  return { globalFlags: () => g, tenantFlags: (id) => t.get(id) ?? empty };
}

const ks = (over: FlagInit) => flag({ kind: "kill_switch", enabled: true, ...over });

describe("killSwitchFor", () => {
  const kctx = { tenantId: "ten_a", featureId: "fea_1", providerId: "prv_1", modelId: "mdl_1", routeTargetId: "tgt_1", endUserId: "user-1" };

  it("returns null when nothing is switched off (disabled switches and other kinds do not count)", () => {
    const s = source([ks({ id: "flg_g", key: "global-ai-kill-switch", tenantId: null, scope: "global", enabled: false })], {
      ten_a: [ks({ id: "flg_t", key: "acme-ai-kill-switch", enabled: false }), flag({ id: "flg_r", key: "release-on", kind: "release" })],
    });
    expect(killSwitchFor(s, kctx)).toBeNull();
  });

  it("fires at each level, and the higher level wins: global > tenant > feature > provider > model > target", () => {
    const all = {
      global: ks({ id: "flg_g", key: "global", tenantId: null, scope: "global" }),
      tenant: ks({ id: "flg_t", key: "tenant" }),
      feature: ks({ id: "flg_f", key: "feature", scope: "feature", featureId: "fea_1" }),
      provider: ks({ id: "flg_p", key: "provider", scope: "target", providerId: "prv_1" }),
      model: ks({ id: "flg_m", key: "model", scope: "target", providerId: "mdl_1" }),
      target: ks({ id: "flg_x", key: "target", scope: "target", routeTargetId: "tgt_1" }),
    };
    const order = ["global", "tenant", "feature", "provider", "model", "target"] as const;
    for (let i = 0; i < order.length; i++) {
      const present = order.slice(i);
      const globals = present.includes("global") ? [all.global] : [];
      const tenantFlags = present.filter((l) => l !== "global").map((l) => all[l]);
      const hit = killSwitchFor(source(globals, { ten_a: tenantFlags }), kctx);
      expect(hit, `with ${present.join(", ")}`).toEqual({ flagKey: order[i], flagId: all[order[i]!].id, scope: order[i], reason: "STATIC" });
    }
  });

  it("matches feature, provider, model and target switches only for the ids they name", () => {
    const s = source([], {
      ten_a: [
        ks({ id: "flg_f", key: "f", scope: "feature", featureId: "fea_2" }),
        ks({ id: "flg_p", key: "p", scope: "target", providerId: "prv_2" }),
        ks({ id: "flg_x", key: "x", scope: "target", routeTargetId: "tgt_2" }),
      ],
    });
    expect(killSwitchFor(s, kctx)).toBeNull();
    expect(killSwitchFor(s, { ...kctx, featureId: "fea_2" })?.flagKey).toBe("f");
    expect(killSwitchFor(s, { ...kctx, providerId: "prv_2" })?.scope).toBe("provider");
    expect(killSwitchFor(s, { ...kctx, modelId: "prv_2", providerId: null })?.scope).toBe("model");
    expect(killSwitchFor(s, { ...kctx, routeTargetId: "tgt_2" })?.scope).toBe("target");
    // The request-level check (no provider/model/target in the context) ignores target switches.
    expect(killSwitchFor(s, { tenantId: "ten_a", featureId: "fea_1" })).toBeNull();
  });

  it("keeps tenants apart", () => {
    const s = source([], { ten_b: [ks({ id: "flg_b", key: "globex-kill", tenantId: "ten_b" })] });
    expect(killSwitchFor(s, kctx)).toBeNull();
    expect(killSwitchFor(s, { ...kctx, tenantId: "ten_b" })?.flagKey).toBe("globex-kill");
  });

  it("applies a switch's rules: a segment switch kills only the users it targets", () => {
    const seg = ks({
      id: "flg_s",
      key: "free-plan-off",
      scope: "segment",
      rules: [{ conditions: [{ attribute: "metadata", key: "plan", op: "eq", value: "free" }] }],
    });
    const s = source([], { ten_a: [seg] });
    expect(killSwitchFor(s, { ...kctx, metadata: { plan: "free" } })).toEqual({
      flagKey: "free-plan-off",
      flagId: "flg_s",
      scope: "segment",
      reason: "TARGETING_MATCH",
    });
    expect(killSwitchFor(s, { ...kctx, metadata: { plan: "pro" } })).toBeNull();
  });

  it("can shed a percentage of traffic (sticky by end-user)", () => {
    const shed = ks({ id: "flg_shed", key: "shed-half", rolloutPercent: 50 });
    const s = source([], { ten_a: [shed] });
    const { inside, outside } = usersFor(shed, 50);
    expect(killSwitchFor(s, { ...kctx, endUserId: inside })?.reason).toBe("SPLIT");
    expect(killSwitchFor(s, { ...kctx, endUserId: outside })).toBeNull();
  });

  it("fails closed: an enabled switch whose stored rules do not parse kills", () => {
    const s = source([], { ten_a: [ks({ id: "flg_bad", key: "broken", rules: { nonsense: true } })] });
    expect(killSwitchFor(s, kctx)).toEqual({ flagKey: "broken", flagId: "flg_bad", scope: "tenant", reason: "ERROR" });
  });

  it("picks the same switch every time when several fire at one level (plain before segment, then by key)", () => {
    const s = source([], {
      ten_a: [ks({ id: "flg_z", key: "zz", scope: "segment", rules: [{}] }), ks({ id: "flg_b", key: "bb" }), ks({ id: "flg_a", key: "aa" })],
    });
    expect(killSwitchFor(s, kctx)?.flagKey).toBe("aa");
  });

  it("reads the gateway's ConfigSnapshot directly (the seed's global and tenant switches)", () => {
    const t0 = new Date("2026-01-01T00:00:00Z");
    const row = (id: string, tenantId: string | null, key: string, scope: "global" | "tenant" | "feature", enabled: boolean, featureId: string | null = null) => ({
      id,
      tenantId,
      key,
      kind: "kill_switch" as const,
      scope,
      featureId,
      routeTargetId: null,
      providerId: null,
      enabled,
      rolloutPercent: 100,
      rules: [],
      updatedAt: t0,
    });
    const rows = (globalOn: boolean, tenantOn: boolean, featureOn: boolean): SnapshotRows => {
      const empty = emptySnapshot();
      expect(empty.counts.flags).toBe(0);
      return {
        tenants: [
          { id: "ten_a", slug: "acme", name: "Acme", settings: {} },
          { id: "ten_b", slug: "globex", name: "Globex", settings: {} },
        ],
        apiKeys: [],
        features: [{ id: "fea_1", tenantId: "ten_a", key: "support-reply", name: "Support", config: {} }],
        providers: [],
        providerModels: [],
        modelPrices: [],
        routes: [],
        routeTargets: [],
        flags: [
          row("flg_g", null, "global-ai-kill-switch", "global", globalOn),
          row("flg_t", "ten_a", "acme-ai-kill-switch", "tenant", tenantOn),
          row("flg_f", "ten_a", "support-reply-off", "feature", featureOn, "fea_1"),
        ],
        optOuts: [],
        prompts: [],
        promptVersions: [],
        promptLabels: [],
      };
    };
    const build = (g: boolean, t: boolean, f: boolean) => buildSnapshot(rows(g, t, f), { version: 1, decrypt: () => "" });
    const req = { tenantId: "ten_a", featureId: "fea_1", endUserId: "u" };

    expect(killSwitchFor(build(false, false, false), req)).toBeNull();
    expect(killSwitchFor(build(false, false, true), req)).toMatchObject({ flagKey: "support-reply-off", scope: "feature" });
    expect(killSwitchFor(build(false, true, true), req)).toMatchObject({ flagKey: "acme-ai-kill-switch", scope: "tenant" });
    expect(killSwitchFor(build(true, true, true), req)).toMatchObject({ flagKey: "global-ai-kill-switch", scope: "global" });
    // The tenant switch of acme does not touch globex; the global one does.
    expect(killSwitchFor(build(false, true, true), { tenantId: "ten_b" })).toBeNull();
    expect(killSwitchFor(build(true, false, false), { tenantId: "ten_b" })?.scope).toBe("global");
    // A new snapshot (the flip propagated) is indexed afresh.
    const before = build(false, false, false);
    expect(killSwitchFor(before, req)).toBeNull();
    expect(killSwitchFor(build(false, true, false), req)?.flagKey).toBe("acme-ai-kill-switch");
    expect(killSwitchFor(before, req)).toBeNull();
  });
});
