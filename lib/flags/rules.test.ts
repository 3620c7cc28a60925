import { describe, expect, it } from "vitest";
import { validationError } from "@/lib/errors";
import {
  DEFAULT_LIFETIME_DAYS,
  FlagCondition,
  FlagDefinition,
  FlagPatch,
  FlagRule,
  FlagRules,
  flagLifetimeDays,
  isFlagStale,
  mergeFlagPatch,
} from "@/lib/flags/rules";
import * as flagSchema from "@/lib/flags/schema";

function messages(result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }): string[] {
  return (result.error?.issues ?? []).map((i) => `${i.path.map(String).join(".")}: ${i.message}`);
}

const base = { key: "new-model", kind: "release", scope: "tenant", owner: "team-support" } as const;

describe("FlagCondition", () => {
  it("accepts each operator with its own shape", () => {
    for (const c of [
      { attribute: "tenantSlug", op: "eq", value: "acme" },
      { attribute: "endUserId", op: "in", values: ["u1", "u2"] },
      { attribute: "featureKey", op: "not_in", values: ["support-reply"] },
      { attribute: "metadata", key: "plan", op: "exists" },
      { attribute: "metadata", key: "region", op: "starts_with", value: "eu-" },
      { attribute: "tenantId", op: "eq", value: "" },
    ]) {
      expect(FlagCondition.safeParse(c).success, JSON.stringify(c)).toBe(true);
    }
  });

  it("refuses the wrong shape for an operator, an unknown operator or attribute", () => {
    expect(messages(FlagCondition.safeParse({ attribute: "endUserId", op: "in", value: "u1" }))).toEqual(
      expect.arrayContaining([expect.stringContaining("values"), expect.stringContaining('Unrecognized key: "value"')]),
    );
    expect(FlagCondition.safeParse({ attribute: "endUserId", op: "in", values: [] }).error?.issues[0]?.message).toBe(
      "in / not_in need at least one value",
    );
    expect(FlagCondition.safeParse({ attribute: "endUserId", op: "matches", value: "x" }).success).toBe(false);
    expect(FlagCondition.safeParse({ attribute: "ip", op: "eq", value: "x" }).success).toBe(false);
    expect(FlagCondition.safeParse({ attribute: "endUserId", op: "starts_with", value: "" }).error?.issues[0]?.message).toBe(
      "starts_with needs a non-empty value",
    );
  });

  it("needs a key for metadata and refuses one elsewhere", () => {
    expect(messages(FlagCondition.safeParse({ attribute: "metadata", op: "exists" }))).toEqual([
      "key: a metadata condition needs a key (the metadata field to look at)",
    ]);
    expect(messages(FlagCondition.safeParse({ attribute: "tenantId", key: "x", op: "exists" }))).toEqual([
      "key: key is only for metadata conditions, not tenantId",
    ]);
  });

  it("accepts unicode values", () => {
    expect(FlagCondition.safeParse({ attribute: "metadata", key: "ville", op: "eq", value: "Zürich 東京 🎉" }).success).toBe(true);
  });
});

describe("FlagRule / FlagRules", () => {
  it("fills in defaults: no conditions (everyone), no value (true), no percentage (the flag's)", () => {
    expect(FlagRule.parse({})).toEqual({ conditions: [] });
  });

  it("takes any JSON value and a variant name", () => {
    const r = FlagRule.parse({ variant: "concise", value: { style: "concise", maxTokens: 200 }, rolloutPercent: 25 });
    expect(r.value).toEqual({ style: "concise", maxTokens: 200 });
    expect(r.variant).toBe("concise");
    expect(r.rolloutPercent).toBe(25);
  });

  it("says clearly when a rule's percentage is out of range, naming the rule", () => {
    const r = FlagRules.safeParse([{ rolloutPercent: 50 }, { rolloutPercent: 150 }]);
    expect(messages(r)).toEqual(["1.rolloutPercent: rolloutPercent must be between 0 and 100 (got 150)"]);
    expect(messages(FlagRules.safeParse([{ rolloutPercent: -5 }]))).toEqual(["0.rolloutPercent: rolloutPercent must be between 0 and 100 (got -5)"]);
    expect(messages(FlagRules.safeParse([{ rolloutPercent: 12.5 }]))).toEqual([
      "0.rolloutPercent: rolloutPercent must be a whole number between 0 and 100 (got 12.5)",
    ]);
    expect(messages(FlagRules.safeParse([{ rolloutPercent: "50" }]))).toEqual([
      '0.rolloutPercent: rolloutPercent must be a number between 0 and 100 (got "50")',
    ]);
  });

  it("refuses unknown fields (a typo must not be silently ignored)", () => {
    expect(messages(FlagRule.safeParse({ rollout: 50 }))).toEqual([': Unrecognized key: "rollout"']);
  });

  it("caps the number of rules", () => {
    expect(FlagRules.safeParse(Array.from({ length: 101 }, () => ({}))).error?.issues[0]?.message).toBe("a flag has at most 100 rules");
  });
});

describe("FlagDefinition", () => {
  it("fills in defaults", () => {
    expect(FlagDefinition.parse(base)).toEqual({
      ...base,
      enabled: false,
      rolloutPercent: 100,
      rules: [],
      description: "",
      expectedLifetimeDays: null,
      featureId: null,
      routeTargetId: null,
      providerId: null,
    });
  });

  it("refuses an out-of-range rollout percentage with a clear message, and the control plane's 400 names the field", () => {
    const r = FlagDefinition.safeParse({ ...base, rolloutPercent: 101 });
    expect(messages(r)).toEqual(["rolloutPercent: rolloutPercent must be between 0 and 100 (got 101)"]);
    const err = validationError(r.error!.issues);
    expect(err.status).toBe(400);
    expect(err.param).toBe("rolloutPercent");
    expect(err.message).toBe("rolloutPercent: rolloutPercent must be between 0 and 100 (got 101)");
  });

  it("requires an owner and a well-formed key", () => {
    expect(messages(FlagDefinition.safeParse({ ...base, owner: "  " }))).toEqual(["owner: every flag has an owner (a team or a person)"]);
    expect(messages(FlagDefinition.safeParse({ ...base, key: "has space" }))[0]).toContain("a flag key is 1-100 letters");
    expect(FlagDefinition.safeParse({ ...base, key: "-leading" }).success).toBe(false);
    expect(FlagDefinition.safeParse({ ...base, key: "a:b" }).success).toBe(false); // ':' separates the bucketing input
    expect(FlagDefinition.safeParse({ ...base, key: "checkout.v2_beta-1" }).success).toBe(true);
  });

  it("checks kind and scope", () => {
    expect(FlagDefinition.safeParse({ ...base, kind: "kill-switch" }).success).toBe(false);
    expect(FlagDefinition.safeParse({ ...base, scope: "route" }).success).toBe(false);
  });

  it("ties each scope to the ids it needs", () => {
    expect(messages(FlagDefinition.safeParse({ ...base, scope: "feature" }))).toEqual(["featureId: a flag of scope feature needs a featureId"]);
    expect(FlagDefinition.safeParse({ ...base, scope: "feature", featureId: "fea_1" }).success).toBe(true);
    expect(messages(FlagDefinition.safeParse({ ...base, scope: "tenant", featureId: "fea_1" }))).toEqual([
      "featureId: featureId does not apply to a flag of scope tenant",
    ]);
    expect(messages(FlagDefinition.safeParse({ ...base, scope: "target" }))[0]).toContain("exactly one of routeTargetId or providerId");
    expect(FlagDefinition.safeParse({ ...base, scope: "target", routeTargetId: "tgt_1", providerId: "prv_1" }).success).toBe(false);
    expect(FlagDefinition.safeParse({ ...base, scope: "target", providerId: "mdl_1" }).success).toBe(true);
    expect(FlagDefinition.safeParse({ ...base, scope: "target", routeTargetId: "tgt_1" }).success).toBe(true);
    expect(messages(FlagDefinition.safeParse({ ...base, scope: "segment" }))).toEqual([
      "rules: a flag of scope segment needs at least one rule (the segment)",
    ]);
    expect(
      FlagDefinition.safeParse({ ...base, scope: "segment", rules: [{ conditions: [{ attribute: "metadata", key: "plan", op: "eq", value: "free" }] }] })
        .success,
    ).toBe(true);
  });

  it("keeps kill switch values boolean", () => {
    const ks = { ...base, kind: "kill_switch" } as const;
    expect(messages(FlagDefinition.safeParse({ ...ks, rules: [{ value: "off" }] }))).toEqual([
      "rules.0.value: a kill switch rule's value is true (killed) or false",
    ]);
    expect(FlagDefinition.safeParse({ ...ks, rules: [{ value: false }, {}] }).success).toBe(true);
  });

  it("checks expectedLifetimeDays", () => {
    expect(messages(FlagDefinition.safeParse({ ...base, expectedLifetimeDays: 0 }))).toEqual(["expectedLifetimeDays: expectedLifetimeDays must be at least 1"]);
    expect(FlagDefinition.safeParse({ ...base, expectedLifetimeDays: 30 }).success).toBe(true);
  });

  it("refuses unknown fields", () => {
    expect(FlagDefinition.safeParse({ ...base, tenantId: "ten_1" }).success).toBe(false);
  });
});

describe("FlagPatch / mergeFlagPatch", () => {
  it("applies no defaults to a patch and refuses a key change", () => {
    expect(FlagPatch.parse({ enabled: true })).toEqual({ enabled: true });
    expect(FlagPatch.safeParse({ key: "other" }).success).toBe(false);
    expect(messages(FlagPatch.safeParse({ rolloutPercent: 250 }))).toEqual(["rolloutPercent: rolloutPercent must be between 0 and 100 (got 250)"]);
  });

  it("re-checks the merged flag as a whole", () => {
    const existing = FlagDefinition.parse({ ...base, rolloutPercent: 5 });
    expect(mergeFlagPatch(existing, { rolloutPercent: 50 }).rolloutPercent).toBe(50);
    expect(() => mergeFlagPatch(existing, { scope: "feature" })).toThrow(/featureId/);
    expect(mergeFlagPatch(existing, { scope: "feature", featureId: "fea_1" }).scope).toBe("feature");
  });
});

describe("staleness", () => {
  const created = new Date("2026-01-01T00:00:00Z");
  const day = 86_400_000;

  it("uses the kind's default lifetime when the flag sets none", () => {
    expect(DEFAULT_LIFETIME_DAYS.release).toBe(40);
    expect(flagLifetimeDays({ kind: "operational", expectedLifetimeDays: null })).toBe(7);
    expect(flagLifetimeDays({ kind: "release", expectedLifetimeDays: 90 })).toBe(90);
    expect(flagLifetimeDays({ kind: "kill_switch", expectedLifetimeDays: null })).toBeNull();
  });

  it("marks a flag stale once it is older than its lifetime", () => {
    const flag = { kind: "release" as const, expectedLifetimeDays: 30, createdAt: created };
    expect(isFlagStale(flag, new Date(created.getTime() + 30 * day))).toBe(false);
    expect(isFlagStale(flag, new Date(created.getTime() + 30 * day + 1))).toBe(true);
    expect(isFlagStale({ ...flag, createdAt: created.toISOString() }, new Date(created.getTime() + 31 * day))).toBe(true);
  });

  it("never marks kill switches and permission flags without a lifetime stale", () => {
    const years = new Date(created.getTime() + 3650 * day);
    expect(isFlagStale({ kind: "kill_switch", expectedLifetimeDays: null, createdAt: created }, years)).toBe(false);
    expect(isFlagStale({ kind: "permission", expectedLifetimeDays: null, createdAt: created }, years)).toBe(false);
    // ...unless they are given one.
    expect(isFlagStale({ kind: "kill_switch", expectedLifetimeDays: 10, createdAt: created }, years)).toBe(true);
  });
});

describe("lib/flags/schema.ts", () => {
  it("re-exports the rule schemas for the dashboard and keeps its own exports", () => {
    expect(flagSchema.FlagDefinition).toBe(FlagDefinition);
    expect(flagSchema.FlagRules).toBe(FlagRules);
    expect(flagSchema.FlagKind.options).toEqual(["kill_switch", "release", "experiment", "operational", "permission"]);
    expect(flagSchema.Flag.shape.rolloutPercent).toBeDefined();
  });
});
