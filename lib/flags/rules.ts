/**
 * What a flag is made of, as zod schemas: its targeting rules (the `rules`
 * JSON column) and its definition (what the control plane creates and
 * edits). Pure: no I/O, browser-safe (lib/flags/schema.ts re-exports these
 * for the dashboard's editor). Evaluation is in evaluate.ts.
 *
 * A flag's value model:
 * - disabled: everyone gets the "off" value (`false`, variant `off`).
 * - enabled, no rules: `rolloutPercent`% of end-users (sticky, bucket.ts)
 *   get the "on" value (`true`, variant `on`); 100 = everyone.
 * - enabled, with rules: the rules are tried in order; a rule applies when
 *   all its conditions match (no conditions = everyone) and the end-user
 *   falls inside the rule's `rolloutPercent` (default: the flag's). The first
 *   rule that applies gives its `value`/`variant` (default `true`/`on`).
 *   A user who matches a rule but is outside its percentage falls through to
 *   the next rule (rules are OR'ed); nobody matched = "off".
 * All percentages of one flag share one bucket per end-user, so raising a
 * percentage only ever adds users (5% -> 50% -> 100% keeps the first 5%).
 */
import { z } from "zod";
import { FlagKind as FlagKindValues, FlagScope as FlagScopeValues } from "@/lib/generated/prisma/enums";

// ---------------------------------------------------------------- values

/** A flag value: any JSON value (booleans for most flags, strings/objects for experiments). */
export type FlagValue = boolean | number | string | null | readonly FlagValue[] | { readonly [key: string]: FlagValue };

export const FlagValue: z.ZodType<FlagValue> = z.json();

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  return typeof v;
}

/**
 * An integer percentage 0..100 whose errors say what was wrong and what was
 * given: "rolloutPercent must be between 0 and 100 (got 150)".
 */
export function percentSchema(field: string) {
  return z
    .number({ error: (iss) => `${field} must be a number between 0 and 100 (got ${show(iss.input)})` })
    .int({ error: (iss) => `${field} must be a whole number between 0 and 100 (got ${show(iss.input)})` })
    .min(0, { error: (iss) => `${field} must be between 0 and 100 (got ${show(iss.input)})` })
    .max(100, { error: (iss) => `${field} must be between 0 and 100 (got ${show(iss.input)})` });
}

// ---------------------------------------------------------------- conditions

/**
 * What a condition looks at. `metadata` is the request's metadata (OpenAI
 * `metadata`, or OFREP evaluation-context attributes) and needs a `key`.
 */
export const FlagAttribute = z.enum(["tenantId", "tenantSlug", "featureId", "featureKey", "endUserId", "metadata"]);
export type FlagAttribute = z.infer<typeof FlagAttribute>;

export const FlagOperator = z.enum(["eq", "in", "not_in", "exists", "starts_with"]);
export type FlagOperator = z.infer<typeof FlagOperator>;

const conditionValue = z.string().max(512, { error: "a condition value is at most 512 characters" });
const conditionBase = {
  attribute: FlagAttribute,
  /** Metadata key; required when attribute is `metadata`, not allowed otherwise. */
  key: z.string().min(1, { error: "a metadata key cannot be empty" }).max(128).optional(),
};

/**
 * One condition. A missing attribute (absent, null or "") never matches
 * `eq`, `in`, `starts_with` or `exists`, and always matches `not_in`
 * ("not one of these" is true of nothing). Values compare as strings;
 * numbers and booleans in metadata are compared by their JSON text.
 */
export const FlagCondition = z
  .discriminatedUnion("op", [
    z.strictObject({ ...conditionBase, op: z.literal("eq"), value: conditionValue }),
    z.strictObject({ ...conditionBase, op: z.literal("starts_with"), value: conditionValue.min(1, { error: "starts_with needs a non-empty value" }) }),
    z.strictObject({
      ...conditionBase,
      op: z.literal(["in", "not_in"]),
      values: z
        .array(conditionValue)
        .min(1, { error: "in / not_in need at least one value" })
        .max(10_000, { error: "in / not_in take at most 10,000 values" }),
    }),
    z.strictObject({ ...conditionBase, op: z.literal("exists") }),
  ])
  .superRefine((c, ctx) => {
    if (c.attribute === "metadata" && c.key === undefined)
      ctx.addIssue({ code: "custom", path: ["key"], message: "a metadata condition needs a key (the metadata field to look at)" });
    if (c.attribute !== "metadata" && c.key !== undefined)
      ctx.addIssue({ code: "custom", path: ["key"], message: `key is only for metadata conditions, not ${c.attribute}` });
  });
export type FlagCondition = z.infer<typeof FlagCondition>;

// ---------------------------------------------------------------- rules

export const FlagRule = z.strictObject({
  /** Optional stable id for the editor and the audit log. */
  id: z.string().min(1).max(64).optional(),
  description: z.string().max(500).optional(),
  /** All must match; none = everyone. */
  conditions: z.array(FlagCondition).max(50, { error: "a rule has at most 50 conditions" }).default([]),
  /** Variant name reported with the value (default `on`, or `off` when value is false). */
  variant: z.string().min(1).max(64).optional(),
  /** Value served when the rule applies (default true). */
  value: FlagValue.optional(),
  /** Share of matching end-users (sticky) the rule applies to; default: the flag's rolloutPercent. */
  rolloutPercent: percentSchema("rolloutPercent").optional(),
});
export type FlagRule = z.infer<typeof FlagRule>;
export type FlagRuleInput = z.input<typeof FlagRule>;

export const FlagRules = z.array(FlagRule).max(100, { error: "a flag has at most 100 rules" });
export type FlagRules = z.infer<typeof FlagRules>;

// ---------------------------------------------------------------- definition

// The same enums as FlagKind / FlagScope in lib/flags/schema.ts (both from the Prisma schema).
const Kind = z.enum(FlagKindValues);
type FlagKind = z.infer<typeof Kind>;
const Scope = z.enum(FlagScopeValues);
type FlagScope = z.infer<typeof Scope>;

/** Letters, digits, `.`, `_`, `-`; starts with a letter or digit (it appears in OFREP URLs). */
export const FlagKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
    error: "a flag key is 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit",
  });

const refId = z.string().min(1).max(64).nullable();

const definitionShape = {
  key: FlagKey,
  kind: Kind,
  scope: Scope,
  enabled: z.boolean(),
  rolloutPercent: percentSchema("rolloutPercent"),
  rules: FlagRules,
  owner: z.string().trim().min(1, { error: "every flag has an owner (a team or a person)" }).max(200),
  description: z.string().max(2000),
  /** Days after creation when the flag counts as stale; null = the kind's default (DEFAULT_LIFETIME_DAYS). */
  expectedLifetimeDays: z
    .number()
    .int({ error: "expectedLifetimeDays must be a whole number of days" })
    .min(1, { error: "expectedLifetimeDays must be at least 1" })
    .max(3650, { error: "expectedLifetimeDays must be at most 3650 (10 years)" })
    .nullable(),
  /** scope feature: the feature it applies to. */
  featureId: refId,
  /** scope target: a route target. */
  routeTargetId: refId,
  /** scope target: a provider id (`prv_...`) or a provider model id (`mdl_...`). */
  providerId: refId,
};

type DefinitionFields = {
  kind?: FlagKind;
  scope?: FlagScope;
  rules?: FlagRules;
  featureId?: string | null;
  routeTargetId?: string | null;
  providerId?: string | null;
};

/** Scope and kind consistency (shared by create and by a merged update). */
function checkDefinition(d: DefinitionFields, ctx: z.RefinementCtx): void {
  const scope = d.scope;
  const has = (v: string | null | undefined) => v !== null && v !== undefined;
  const forbid = (field: "featureId" | "routeTargetId" | "providerId") => {
    if (has(d[field])) ctx.addIssue({ code: "custom", path: [field], message: `${field} does not apply to a flag of scope ${scope}` });
  };
  if (scope === "global" || scope === "tenant" || scope === "segment") {
    forbid("featureId");
    forbid("routeTargetId");
    forbid("providerId");
  }
  if (scope === "feature") {
    if (!has(d.featureId)) ctx.addIssue({ code: "custom", path: ["featureId"], message: "a flag of scope feature needs a featureId" });
    forbid("routeTargetId");
    forbid("providerId");
  }
  if (scope === "target") {
    forbid("featureId");
    const n = Number(has(d.routeTargetId)) + Number(has(d.providerId));
    if (n !== 1)
      ctx.addIssue({
        code: "custom",
        path: ["providerId"],
        message: "a flag of scope target names exactly one of routeTargetId or providerId (a provider or a model id)",
      });
  }
  if (scope === "segment" && (d.rules?.length ?? 0) === 0)
    ctx.addIssue({ code: "custom", path: ["rules"], message: "a flag of scope segment needs at least one rule (the segment)" });
  if (d.kind === "kill_switch") {
    d.rules?.forEach((r, i) => {
      if (r.value !== undefined && typeof r.value !== "boolean")
        ctx.addIssue({ code: "custom", path: ["rules", i, "value"], message: "a kill switch rule's value is true (killed) or false" });
    });
  }
}

/** A flag as created: defaults filled in, scope and kind checked. */
export const FlagDefinition = z
  .strictObject({
    ...definitionShape,
    enabled: definitionShape.enabled.default(false),
    rolloutPercent: definitionShape.rolloutPercent.default(100),
    rules: definitionShape.rules.default([]),
    description: definitionShape.description.default(""),
    expectedLifetimeDays: definitionShape.expectedLifetimeDays.default(null),
    featureId: refId.default(null),
    routeTargetId: refId.default(null),
    providerId: refId.default(null),
  })
  .superRefine(checkDefinition);
export type FlagDefinition = z.infer<typeof FlagDefinition>;
export type FlagDefinitionInput = z.input<typeof FlagDefinition>;

/**
 * A partial update (PATCH). The key cannot change. Cross-field checks need
 * the whole flag: the service validates `FlagDefinition` over the merged
 * result (`mergeFlagPatch`).
 */
export const FlagPatch = z.strictObject(definitionShape).omit({ key: true }).partial();
export type FlagPatch = z.infer<typeof FlagPatch>;

/** existing + patch, re-validated as a whole (throws ZodError naming the field). */
export function mergeFlagPatch(existing: FlagDefinitionInput, patch: FlagPatch): FlagDefinition {
  const merged: Record<string, unknown> = { ...existing };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) merged[k] = v;
  return FlagDefinition.parse(merged);
}

// ---------------------------------------------------------------- staleness

/**
 * Expected lifetime per kind when a flag sets none (Unleash's defaults):
 * release and experiment flags are temporary, operational ones shorter
 * still; kill switches and permission flags are meant to stay (null: never stale).
 */
export const DEFAULT_LIFETIME_DAYS: Readonly<Record<FlagKind, number | null>> = Object.freeze({
  release: 40,
  experiment: 40,
  operational: 7,
  kill_switch: null,
  permission: null,
});

const DAY_MS = 86_400_000;

/** The lifetime in days that applies to this flag; null = never stale. */
export function flagLifetimeDays(flag: { kind: FlagKind; expectedLifetimeDays: number | null }): number | null {
  return flag.expectedLifetimeDays ?? DEFAULT_LIFETIME_DAYS[flag.kind];
}

/** True once the flag is older than its expected lifetime (strictly: on the last day it is still fresh). */
export function isFlagStale(
  flag: { kind: FlagKind; expectedLifetimeDays: number | null; createdAt: Date | string },
  now: Date = new Date(),
): boolean {
  const days = flagLifetimeDays(flag);
  if (days === null) return false;
  const created = typeof flag.createdAt === "string" ? Date.parse(flag.createdAt) : flag.createdAt.getTime();
  if (Number.isNaN(created)) return false;
  return now.getTime() - created > days * DAY_MS;
}
