/**
 * The flag editor's form state and its conversion to the API's input: text
 * fields stay strings while editing ("" is "not set", never silently 0), and
 * zod issues / the server's `param` ("rules.0.conditions.1.values") come back
 * as messages by dotted path, shown next to the field. Pure (unit-tested).
 */
import type { z } from "zod";
import {
  FlagRules,
  type Flag,
  type FlagAttribute,
  type FlagCondition,
  type FlagDefinitionInput,
  type FlagOperator,
  type FlagRuleInput,
} from "@/lib/flags/schema";

export type ConditionRow = { key: string; attribute: FlagAttribute; metaKey: string; op: FlagOperator; value: string; values: string };
export type RuleRow = {
  key: string;
  id?: string;
  description: string;
  conditions: ConditionRow[];
  /** "" = the flag's percentage. */
  percent: string;
  variant: string;
  /** JSON text; "" = the default (true). */
  value: string;
};
export type FlagFormState = {
  key: string;
  kind: Flag["kind"];
  scope: Flag["scope"];
  featureId: string;
  /** A prv_/mdl_ id (providerId) or a tgt_ id (routeTargetId). */
  target: string;
  enabled: boolean;
  rolloutPercent: string;
  rules: RuleRow[];
  owner: string;
  description: string;
  /** "" = the kind's default. */
  lifetimeDays: string;
};
export type FormErrors = Partial<Record<string, string>>;

let nextKey = 0;
export const newRowKey = () => `row-${++nextKey}`;

export const ATTRIBUTE_LABELS: Record<FlagAttribute, string> = {
  endUserId: "End-user id",
  tenantSlug: "Tenant slug",
  tenantId: "Tenant id",
  featureKey: "Feature key",
  featureId: "Feature id",
  metadata: "Request metadata",
};
export const OPERATOR_LABELS: Record<FlagOperator, string> = {
  eq: "equals",
  in: "is one of",
  not_in: "is not one of",
  starts_with: "starts with",
  exists: "is set",
};

export function newCondition(): ConditionRow {
  return { key: newRowKey(), attribute: "endUserId", metaKey: "", op: "in", value: "", values: "" };
}

export function newRule(): RuleRow {
  return { key: newRowKey(), description: "", conditions: [newCondition()], percent: "", variant: "", value: "" };
}

function conditionRow(c: FlagCondition): ConditionRow {
  return {
    key: newRowKey(),
    attribute: c.attribute,
    metaKey: c.key ?? "",
    op: c.op,
    value: c.op === "eq" || c.op === "starts_with" ? c.value : "",
    values: c.op === "in" || c.op === "not_in" ? c.values.join("\n") : "",
  };
}

/** The form for a new flag (`flag` null) or an existing one. `rulesUnreadable` when the stored rules do not parse. */
export function formFromFlag(flag: Flag | null): { state: FlagFormState; rulesUnreadable: boolean } {
  if (!flag) {
    return {
      state: {
        key: "",
        kind: "release",
        scope: "tenant",
        featureId: "",
        target: "",
        enabled: false,
        rolloutPercent: "0",
        rules: [],
        owner: "",
        description: "",
        lifetimeDays: "",
      },
      rulesUnreadable: false,
    };
  }
  const rules = FlagRules.safeParse(flag.rules);
  return {
    state: {
      key: flag.key,
      kind: flag.kind,
      scope: flag.scope,
      featureId: flag.featureId ?? "",
      target: flag.routeTargetId ?? flag.providerId ?? "",
      enabled: flag.enabled,
      rolloutPercent: String(flag.rolloutPercent),
      rules: rules.success
        ? rules.data.map((r) => ({
            key: newRowKey(),
            ...(r.id ? { id: r.id } : {}),
            description: r.description ?? "",
            conditions: r.conditions.map(conditionRow),
            percent: r.rolloutPercent === undefined ? "" : String(r.rolloutPercent),
            variant: r.variant ?? "",
            value: r.value === undefined ? "" : JSON.stringify(r.value),
          }))
        : [],
      owner: flag.owner,
      description: flag.description,
      lifetimeDays: flag.expectedLifetimeDays === null ? "" : String(flag.expectedLifetimeDays),
    },
    rulesUnreadable: !rules.success,
  };
}

/** "" -> NaN so the schema says "must be a number" instead of taking 0. */
export const num = (s: string) => (s.trim() === "" ? Number.NaN : Number(s));

const splitValues = (s: string) =>
  s
    .split(/[\n,]/)
    .map((v) => v.trim())
    .filter((v) => v !== "");

function conditionInput(c: ConditionRow): Record<string, unknown> {
  const base: Record<string, unknown> = { attribute: c.attribute, op: c.op };
  if (c.attribute === "metadata") base.key = c.metaKey.trim();
  if (c.op === "eq" || c.op === "starts_with") base.value = c.value;
  if (c.op === "in" || c.op === "not_in") base.values = splitValues(c.values);
  return base;
}

/**
 * The API input for the form, or the errors that stop it being built (a rule
 * value that is not JSON). Schema checks are the caller's (FlagDefinition).
 */
export function flagInput(
  state: FlagFormState,
  targetField: (value: string) => "providerId" | "routeTargetId" | null,
): { input: FlagDefinitionInput; errors: FormErrors } {
  const errors: FormErrors = {};
  const rules = state.rules.map((r, i): FlagRuleInput => {
    const rule: Record<string, unknown> = { conditions: r.conditions.map(conditionInput) };
    if (r.id) rule.id = r.id;
    if (r.description.trim()) rule.description = r.description.trim();
    if (r.percent.trim() !== "") rule.rolloutPercent = num(r.percent);
    if (r.variant.trim()) rule.variant = r.variant.trim();
    if (r.value.trim()) {
      try {
        rule.value = JSON.parse(r.value) as unknown;
      } catch {
        errors[`rules.${i}.value`] = 'must be JSON: true, false, a number, "text" or an object';
      }
    }
    return rule as FlagRuleInput;
  });
  const field = state.scope === "target" && state.target ? targetField(state.target) : null;
  const input = {
    key: state.key.trim(),
    kind: state.kind,
    scope: state.scope,
    enabled: state.enabled,
    rolloutPercent: num(state.rolloutPercent),
    rules,
    owner: state.owner,
    description: state.description,
    expectedLifetimeDays: state.lifetimeDays.trim() === "" ? null : num(state.lifetimeDays),
    featureId: state.scope === "feature" ? state.featureId || null : null,
    routeTargetId: field === "routeTargetId" ? state.target : null,
    providerId: field === "providerId" ? state.target : null,
  } satisfies FlagDefinitionInput;
  return { input, errors };
}

/** zod issues -> first message per dotted path ("" path -> "_form"). */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[]): FormErrors {
  const out: FormErrors = {};
  for (const issue of issues) out[issue.path.map(String).join(".") || "_form"] ??= issue.message;
  return out;
}

/** A scope-target error names providerId even when the form's field is "target". */
export function errorFor(errors: FormErrors, path: string): string | undefined {
  if (path === "target") return errors.providerId ?? errors.routeTargetId;
  return errors[path];
}
