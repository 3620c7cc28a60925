import { describe, expect, it } from "vitest";
import { FlagDefinition, type Flag } from "@/lib/flags/schema";
import { flagInput, formFromFlag, issuesToErrors, newCondition, newRule } from "./flag-form";

const T = "2025-01-01T00:00:00.000Z";
const target = (v: string) => (v.startsWith("tgt_") ? "routeTargetId" : "providerId") as "routeTargetId" | "providerId";

describe("flag form", () => {
  it("round-trips a flag with rules through the form into a valid definition", () => {
    const flag: Flag = {
      id: "flg_1",
      tenantId: "ten_1",
      isGlobal: false,
      key: "new-copy",
      kind: "release",
      scope: "feature",
      featureId: "ftr_1",
      routeTargetId: null,
      providerId: null,
      enabled: true,
      rolloutPercent: 20,
      rules: [
        { id: "r1", conditions: [{ attribute: "endUserId", op: "in", values: ["u1", "u2"] }], rolloutPercent: 100 },
        { conditions: [{ attribute: "metadata", key: "plan", op: "eq", value: "pro" }], value: "blue", variant: "blue" },
      ],
      owner: "team-a",
      description: "d",
      expectedLifetimeDays: 30,
      createdAt: T,
      updatedAt: T,
    };
    const { state, rulesUnreadable } = formFromFlag(flag);
    expect(rulesUnreadable).toBe(false);
    const { input, errors } = flagInput(state, target);
    expect(errors).toEqual({});
    const parsed = FlagDefinition.parse(input);
    expect(parsed.rules).toEqual(flag.rules.map((r) => ({ ...(r as object) })));
    expect(parsed).toMatchObject({ key: "new-copy", scope: "feature", featureId: "ftr_1", rolloutPercent: 20, expectedLifetimeDays: 30 });
  });

  it("reports an out-of-range percentage, an empty value list and bad JSON by path", () => {
    const { state } = formFromFlag(null);
    const rule = newRule();
    rule.percent = "150";
    rule.value = "{oops";
    rule.conditions = [{ ...newCondition(), op: "in", values: " , " }];
    const { input, errors } = flagInput({ ...state, key: "k", owner: "me", rolloutPercent: "-1", rules: [rule] }, target);
    expect(errors).toEqual({ "rules.0.value": expect.stringContaining("must be JSON") });
    const parsed = FlagDefinition.safeParse(input);
    expect(parsed.success).toBe(false);
    const byPath = parsed.success ? {} : issuesToErrors(parsed.error.issues);
    expect(byPath.rolloutPercent).toBe("rolloutPercent must be between 0 and 100 (got -1)");
    expect(byPath["rules.0.rolloutPercent"]).toBe("rolloutPercent must be between 0 and 100 (got 150)");
    expect(byPath["rules.0.conditions.0.values"]).toBe("in / not_in need at least one value");
  });

  it("an empty percentage is an error, not 0; a target goes to the right field", () => {
    const { state } = formFromFlag(null);
    const a = flagInput({ ...state, key: "k", owner: "me", rolloutPercent: "" }, target);
    expect(FlagDefinition.safeParse(a.input).success).toBe(false);
    const b = flagInput({ ...state, key: "k", owner: "me", scope: "target", target: "tgt_9" }, target);
    expect(b.input).toMatchObject({ routeTargetId: "tgt_9", providerId: null, featureId: null });
  });
});
