/**
 * The guard policy editor's form state and its conversion to the API's
 * `config` (lib/guards/policy.ts): numbers stay strings while editing ("" is
 * an error, never silently 0 or the default), only the modes that make sense
 * per guard are offered, and problems come back by dotted path
 * (`injection.threshold`) to show next to the field; the server's `param`
 * (`config.injection.classifier.route`) maps onto the same paths. Pure
 * (unit-tested), shared by the editor and its tests.
 */
import {
  GuardPolicyConfig,
  PiiEntity,
  type GuardMode,
  type PiiEntity as PiiEntityT,
} from "@/lib/guards/schema";

export type PolicyGuard = keyof GuardPolicyConfig;

/** `redact` is a PII mode; the other guards would treat it as `log`, so it is not offered for them. */
export const MODES: Record<PolicyGuard, readonly GuardMode[]> = {
  injection: ["off", "log", "block"],
  pii: ["off", "log", "redact", "block"],
  moderation: ["off", "log", "block"],
  schema: ["off", "log", "block"],
  tools: ["off", "log", "block"],
};

export const MODE_LABELS: Record<GuardMode, string> = { off: "Off", log: "Log only", redact: "Redact", block: "Block" };

export const PII_LABELS: Record<PiiEntityT, string> = {
  email: "E-mail",
  phone: "Phone",
  credit_card: "Payment card",
  iban: "IBAN",
  national_id: "National id",
  ip_address: "IP address",
  street_address: "Street address",
  date_of_birth: "Date of birth",
  person: "Person name",
  secret: "Secret / key",
};

export type PolicyFormState = {
  injection: {
    mode: GuardMode;
    threshold: string;
    userTurns: boolean;
    toolResults: boolean;
    contextDocs: boolean;
    classifierOn: boolean;
    classifierRoute: string;
    greyLow: string;
    timeoutMs: string;
    onError: "open" | "closed";
  };
  pii: { mode: GuardMode; allTypes: boolean; types: PiiEntityT[]; reidentify: boolean };
  moderation: {
    mode: GuardMode;
    threshold: string;
    firstSentence: boolean;
    holdBackTokens: string;
    asyncOn: boolean;
    asyncRoute: string;
    asyncThreshold: string;
  };
  schema: { mode: GuardMode; repair: boolean };
  tools: { mode: GuardMode };
};

export type PolicyFormErrors = Partial<Record<string, string>>;

/** A mode the editor does not offer for this guard (e.g. `redact` on injection, stored by the API) is shown as `log`, which is what it does. */
function offered(guard: PolicyGuard, mode: GuardMode): GuardMode {
  return MODES[guard].includes(mode) ? mode : "log";
}

export function formFromConfig(raw: GuardPolicyConfig): PolicyFormState {
  const c = GuardPolicyConfig.parse(raw);
  const cls = c.injection.classifier;
  return {
    injection: {
      mode: offered("injection", c.injection.mode),
      threshold: String(c.injection.threshold),
      userTurns: c.injection.scan.userTurns,
      toolResults: c.injection.scan.toolResults,
      contextDocs: c.injection.scan.contextDocs,
      classifierOn: cls !== null,
      classifierRoute: cls?.route ?? "",
      greyLow: String(cls?.greyLow ?? 0.25),
      timeoutMs: String(cls?.timeoutMs ?? 1500),
      onError: cls?.onError ?? "open",
    },
    pii: { mode: c.pii.mode, allTypes: c.pii.types.length === 0, types: [...c.pii.types], reidentify: c.pii.reidentify },
    moderation: {
      mode: offered("moderation", c.moderation.mode),
      threshold: String(c.moderation.threshold),
      firstSentence: c.moderation.holdBack.firstSentence,
      holdBackTokens: String(c.moderation.holdBack.tokens),
      asyncOn: c.moderation.async.enabled,
      asyncRoute: c.moderation.async.route ?? "",
      asyncThreshold: String(c.moderation.async.threshold),
    },
    schema: { mode: offered("schema", c.schema.mode), repair: c.schema.repair },
    tools: { mode: offered("tools", c.tools.mode) },
  };
}

function num(errors: PolicyFormErrors, path: string, text: string, opts: { min: number; max: number; int?: boolean }): number {
  const t = text.trim();
  const n = t === "" ? Number.NaN : Number(t);
  if (!Number.isFinite(n)) errors[path] = "must be a number";
  else if (opts.int && !Number.isInteger(n)) errors[path] = "must be a whole number";
  else if (n < opts.min || n > opts.max) errors[path] = `must be between ${opts.min} and ${opts.max}`;
  return n;
}

/** The form as the API's `config`, or the problems by path (then `config` is null). */
export function configFromForm(s: PolicyFormState): { config: GuardPolicyConfig | null; errors: PolicyFormErrors } {
  const errors: PolicyFormErrors = {};
  const i = s.injection;
  const threshold = num(errors, "injection.threshold", i.threshold, { min: 0, max: 1 });
  let classifier: GuardPolicyConfig["injection"]["classifier"] = null;
  if (i.classifierOn) {
    const route = i.classifierRoute.trim();
    if (!route) errors["injection.classifier.route"] = "is required when the classifier is on";
    const greyLow = num(errors, "injection.classifier.greyLow", i.greyLow, { min: 0, max: 1 });
    if (!errors["injection.classifier.greyLow"] && !errors["injection.threshold"] && greyLow >= threshold) {
      errors["injection.classifier.greyLow"] = "must be below the threshold (the grey zone is [grey low, threshold))";
    }
    const timeoutMs = num(errors, "injection.classifier.timeoutMs", i.timeoutMs, { min: 50, max: 30_000, int: true });
    classifier = { route, greyLow, timeoutMs, onError: i.onError };
  }
  if (i.mode !== "off" && !i.userTurns && !i.toolResults && !i.contextDocs) errors["injection.scan"] = "pick at least one place to scan, or turn the guard off";

  const p = s.pii;
  if (!p.allTypes && p.types.length === 0) errors["pii.types"] = "pick at least one kind, or detect all kinds";

  const m = s.moderation;
  const modThreshold = num(errors, "moderation.threshold", m.threshold, { min: 0, max: 1 });
  const tokens = num(errors, "moderation.holdBack.tokens", m.holdBackTokens, { min: 0, max: 512, int: true });
  const asyncThreshold = num(errors, "moderation.async.threshold", m.asyncThreshold, { min: 0, max: 1 });
  const asyncRoute = m.asyncRoute.trim();
  if (m.asyncOn && !asyncRoute) errors["moderation.async.route"] = "is required for async moderation";

  if (Object.keys(errors).length > 0) return { config: null, errors };
  const candidate = {
    injection: { mode: i.mode, threshold, scan: { userTurns: i.userTurns, toolResults: i.toolResults, contextDocs: i.contextDocs }, classifier },
    pii: { mode: p.mode, types: p.allTypes ? [] : PiiEntity.options.filter((t) => p.types.includes(t)), reidentify: p.reidentify },
    moderation: {
      mode: m.mode,
      threshold: modThreshold,
      holdBack: { firstSentence: m.firstSentence, tokens },
      async: { enabled: m.asyncOn, route: asyncRoute || null, threshold: asyncThreshold },
    },
    schema: { mode: s.schema.mode, repair: s.schema.repair },
    tools: { mode: s.tools.mode },
  };
  const parsed = GuardPolicyConfig.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors[issue.path.join(".")] ??= issue.message;
    return { config: null, errors };
  }
  return { config: parsed.data, errors };
}

/** The server names the field as `config.injection.classifier.route`: the form's path, or null for a form-level error. */
export function formPathOfParam(param: string | null | undefined): string | null {
  if (!param?.startsWith("config.")) return null;
  return param.slice("config.".length);
}
