/**
 * The kill-switch panel's model: which flag is the global switch, the
 * tenant's switch and each feature's switch, and what flipping one stops, in
 * words (the confirmation names exactly that). Pure, so it is unit-tested.
 */
import type { Feature } from "@/lib/features/schema";
import type { Flag } from "@/lib/flags/schema";

export type KillSwitchSlot =
  | { level: "global"; flag: Flag | null }
  | { level: "tenant"; flag: Flag | null }
  | { level: "feature"; feature: Feature; flag: Flag | null }
  | { level: "other"; flag: Flag };

export type KillSwitchPanelModel = {
  global: KillSwitchSlot & { level: "global" };
  tenant: KillSwitchSlot & { level: "tenant" };
  features: Array<KillSwitchSlot & { level: "feature" }>;
  /** Provider, model, route-target and segment switches, and extra switches at a level that already has one. */
  others: Array<KillSwitchSlot & { level: "other" }>;
};

const isKill = (f: Flag) => f.kind === "kill_switch";
/** A plain switch stops everything at its level; one with rules or a partial rollout stops only part of it. */
const isPlain = (f: Flag) => f.rules.length === 0 && f.rolloutPercent === 100;
const plainFirst = (a: Flag, b: Flag) => Number(isPlain(b)) - Number(isPlain(a)) || a.key.localeCompare(b.key);

export function killSwitchPanel(flags: readonly Flag[], features: readonly Feature[]): KillSwitchPanelModel {
  const kill = flags.filter(isKill);
  const used = new Set<string>();
  const take = (candidates: Flag[]): Flag | null => {
    const f = [...candidates].sort(plainFirst)[0] ?? null;
    if (f) used.add(f.id);
    return f;
  };
  const global = take(kill.filter((f) => f.isGlobal && f.scope === "global"));
  const tenant = take(kill.filter((f) => !f.isGlobal && f.scope === "tenant"));
  const featureSlots = [...features]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((feature) => ({ level: "feature" as const, feature, flag: take(kill.filter((f) => !f.isGlobal && f.scope === "feature" && f.featureId === feature.id)) }));
  return {
    global: { level: "global", flag: global },
    tenant: { level: "tenant", flag: tenant },
    features: featureSlots,
    others: kill.filter((f) => !used.has(f.id)).map((flag) => ({ level: "other" as const, flag })),
  };
}

export const FALLBACK_CLAUSE = "refused with 503 feature_disabled, or answered with the static fallback where one is set";

/** "tenant acme", "feature Support reply (support-reply)", "every tenant". */
export function killSwitchSubject(slot: KillSwitchSlot, tenantSlug: string, targetLabel: (f: Flag) => string): string {
  switch (slot.level) {
    case "global":
      return "every tenant";
    case "tenant":
      return `tenant ${tenantSlug}`;
    case "feature":
      return `feature ${slot.feature.name} (${slot.feature.key}) of tenant ${tenantSlug}`;
    case "other":
      return slot.flag.scope === "target" ? targetLabel(slot.flag) : `tenant ${tenantSlug}`;
  }
}

/**
 * What turning the switch on (or off) does, as the confirmation says it:
 * "Every AI request of tenant acme will be refused with 503 feature_disabled,
 * or answered with the static fallback where one is set."
 */
export function killSwitchImpact(slot: KillSwitchSlot, turnOn: boolean, tenantSlug: string, targetLabel: (f: Flag) => string): string {
  const subject = killSwitchSubject(slot, tenantSlug, targetLabel);
  const segment = slot.level === "other" && slot.flag.scope === "segment";
  const partial = slot.flag && !isPlain(slot.flag) ? partialNote(slot.flag, !segment) : "";
  if (slot.level === "other" && slot.flag.scope === "target") {
    return turnOn
      ? `No AI request of tenant ${tenantSlug} will be sent to ${subject}${partial}: routes skip it and go on to their next target; a request with nothing left to try is ${FALLBACK_CLAUSE}. Every gateway instance applies this within a second.`
      : `Requests of tenant ${tenantSlug} may be sent to ${subject} again. Every gateway instance applies this within a second.`;
  }
  const who = segment ? `AI request of tenant ${tenantSlug} matching this switch's rules` : `AI request of ${subject}`;
  return turnOn
    ? `Every ${who}${partial} will be ${FALLBACK_CLAUSE}. Every gateway instance applies this within a second.`
    : `${capitalise(who.replace(/^AI request/, "AI requests"))} will flow to the models again. Every gateway instance applies this within a second.`;
}

function partialNote(flag: Flag, withRules: boolean): string {
  const parts: string[] = [];
  if (withRules && flag.rules.length) parts.push(`matching its ${flag.rules.length === 1 ? "rule" : `${flag.rules.length} rules`}`);
  if (flag.rolloutPercent < 100) parts.push(`for ${flag.rolloutPercent}% of end-users`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
