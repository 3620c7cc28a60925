import { describe, expect, it } from "vitest";
import type { Feature } from "@/lib/features/schema";
import type { Flag } from "@/lib/flags/schema";
import { killSwitchImpact, killSwitchPanel } from "./kill-switches";

const T = "2025-01-01T00:00:00.000Z";
function flag(p: Partial<Flag> & Pick<Flag, "id" | "key" | "scope">): Flag {
  return {
    tenantId: "ten_1",
    isGlobal: false,
    kind: "kill_switch",
    featureId: null,
    routeTargetId: null,
    providerId: null,
    enabled: false,
    rolloutPercent: 100,
    rules: [],
    owner: "platform",
    description: "",
    expectedLifetimeDays: null,
    createdAt: T,
    updatedAt: T,
    ...p,
  };
}
const feature = (id: string, key: string, name: string): Feature => ({ id, key, name, description: "", config: {}, createdAt: T, updatedAt: T });
const label = () => "model sim/primary";

describe("killSwitchPanel", () => {
  it("puts the global, tenant and per-feature switches in their slots and the rest under others", () => {
    const flags = [
      flag({ id: "flg_g", key: "global-ai-kill-switch", scope: "global", tenantId: null, isGlobal: true }),
      flag({ id: "flg_t", key: "acme-ai-kill-switch", scope: "tenant", enabled: true }),
      flag({ id: "flg_t2", key: "acme-beta-users-off", scope: "tenant", rules: [{ conditions: [] }] }),
      flag({ id: "flg_f", key: "support-reply-kill-switch", scope: "feature", featureId: "ftr_1" }),
      flag({ id: "flg_p", key: "openai-off", scope: "target", providerId: "prv_1" }),
      flag({ id: "flg_r", key: "new-copy", scope: "tenant", kind: "release" }),
    ];
    const m = killSwitchPanel(flags, [feature("ftr_2", "search", "Search"), feature("ftr_1", "support-reply", "Support reply")]);
    expect(m.global.flag?.id).toBe("flg_g");
    // The plain switch (no rules, 100%) is the tenant's; the ruled one is listed with the others.
    expect(m.tenant.flag?.id).toBe("flg_t");
    expect(m.features.map((s) => [s.feature.name, s.flag?.id ?? null])).toEqual([
      ["Search", null],
      ["Support reply", "flg_f"],
    ]);
    expect(m.others.map((s) => s.flag.id).sort()).toEqual(["flg_p", "flg_t2"]);
  });

  it("has empty slots when nothing is defined", () => {
    const m = killSwitchPanel([], []);
    expect(m.global.flag).toBeNull();
    expect(m.tenant.flag).toBeNull();
    expect(m.others).toEqual([]);
  });
});

describe("killSwitchImpact", () => {
  it("names exactly what stops", () => {
    expect(killSwitchImpact({ level: "tenant", flag: null }, true, "acme", label)).toBe(
      "Every AI request of tenant acme will be refused with 503 feature_disabled, or answered with the static fallback where one is set. Every gateway instance applies this within a second.",
    );
    expect(killSwitchImpact({ level: "global", flag: null }, true, "acme", label)).toMatch(/^Every AI request of every tenant will be refused/);
    expect(killSwitchImpact({ level: "feature", feature: feature("ftr_1", "support-reply", "Support reply"), flag: null }, true, "acme", label)).toMatch(
      /^Every AI request of feature Support reply \(support-reply\) of tenant acme will be refused with 503 feature_disabled/,
    );
    expect(killSwitchImpact({ level: "tenant", flag: null }, false, "acme", label)).toBe(
      "AI requests of tenant acme will flow to the models again. Every gateway instance applies this within a second.",
    );
  });

  it("says when a switch stops only part of the traffic, and that a target switch skips the target", () => {
    const partial = flag({ id: "flg_t", key: "k", scope: "tenant", rolloutPercent: 10 });
    expect(killSwitchImpact({ level: "tenant", flag: partial }, true, "acme", label)).toMatch(/^Every AI request of tenant acme \(for 10% of end-users\) will be refused/);
    const target = flag({ id: "flg_p", key: "k", scope: "target", providerId: "mdl_1" });
    expect(killSwitchImpact({ level: "other", flag: target }, true, "acme", label)).toMatch(/^No AI request of tenant acme will be sent to model sim\/primary: routes skip it/);
  });
});
