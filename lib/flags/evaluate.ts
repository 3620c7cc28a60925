/**
 * Flag evaluation and kill-switch lookup: pure functions the gateway's
 * switches stage, the route stage (per target) and the OFREP endpoint call
 * per request. No I/O.
 *
 * Cost: a flag's rules are parsed and compiled once per flag object (a
 * WeakMap keyed by the frozen snapshot entry, so a new snapshot compiles
 * afresh and the old one is collected) and results that do not depend on
 * the request are preallocated, so an evaluation allocates nothing unless
 * it hashes an end-user into a bucket (one short string). Kill switches are
 * indexed once per snapshot map (again a WeakMap), keeping only enabled
 * ones: with no switch on, the lookup is two WeakMap gets and a few empty
 * array reads.
 *
 * Semantics of rules and rollout: lib/flags/rules.ts.
 */
import { bucketOf, BUCKETS, percentToBasisPoints } from "@/lib/flags/bucket";
import { FlagRules, type FlagCondition, type FlagValue } from "@/lib/flags/rules";

// ---------------------------------------------------------------- types

/** OpenFeature's resolution reasons (the ones a server-side evaluation produces). */
export type FlagReason = "STATIC" | "TARGETING_MATCH" | "SPLIT" | "DISABLED" | "ERROR" | "DEFAULT";

/** OpenFeature's error codes that evaluation itself can produce (FLAG_NOT_FOUND and TYPE_MISMATCH are the caller's). */
export type FlagErrorCode = "PARSE_ERROR" | "TARGETING_KEY_MISSING" | "GENERAL";

export interface FlagEvaluation {
  readonly value: FlagValue;
  readonly variant: string;
  readonly reason: FlagReason;
  readonly errorCode?: FlagErrorCode;
  /** For logs and OFREP's errorDetails; never holds request data. */
  readonly errorMessage?: string;
}

/**
 * What evaluation needs of a flag. The snapshot's FlagEntry, the control
 * plane's Flag and a Prisma row all fit. Freeze it (the snapshot does) and
 * its compiled form is cached; a mutable object is compiled on every call.
 */
export interface EvaluableFlag {
  readonly id: string;
  readonly key: string;
  readonly enabled: boolean;
  readonly rolloutPercent: number;
  readonly rules: unknown;
}

/** What the request knows. Absent, null and "" all mean "not known". */
export interface FlagContext {
  readonly tenantId?: string | null;
  readonly tenantSlug?: string | null;
  readonly featureId?: string | null;
  readonly featureKey?: string | null;
  /** The end-user: targeting and sticky bucketing. */
  readonly endUserId?: string | null;
  /** Bucketing key when there is no end-user (an API key id for per-caller stickiness, a request id for per-request sampling). */
  readonly fallbackKey?: string | null;
  /** Request metadata (OpenAI `metadata`, OFREP context attributes). */
  readonly metadata?: Readonly<Record<string, unknown>> | null;
}

// ---------------------------------------------------------------- compiled form

type Matcher = (ctx: FlagContext) => boolean;

interface CompiledRule {
  readonly matchers: readonly Matcher[];
  /** Basis points; BUCKETS = everyone who matches. */
  readonly bp: number;
  readonly match: FlagEvaluation;
  readonly split: FlagEvaluation;
}

interface CompiledFlag {
  readonly key: string;
  readonly salt: string;
  readonly enabled: boolean;
  readonly bp: number;
  readonly rules: readonly CompiledRule[] | null;
  /** Set when the stored flag does not parse: every evaluation of an enabled flag returns it. */
  readonly error: FlagEvaluation | null;
}

const OFF = "off";
const ON = "on";

const RESULT = {
  disabled: freeze({ value: false, variant: OFF, reason: "DISABLED" }),
  staticOn: freeze({ value: true, variant: ON, reason: "STATIC" }),
  staticOff: freeze({ value: false, variant: OFF, reason: "STATIC" }),
  splitOn: freeze({ value: true, variant: ON, reason: "SPLIT" }),
  splitOff: freeze({ value: false, variant: OFF, reason: "SPLIT" }),
  defaultOff: freeze({ value: false, variant: OFF, reason: "DEFAULT" }),
  missingKey: freeze({
    value: false,
    variant: OFF,
    reason: "ERROR",
    errorCode: "TARGETING_KEY_MISSING",
    errorMessage: "a percentage rollout needs an end-user id or a fallback key",
  }),
} as const satisfies Record<string, FlagEvaluation>;

function freeze(e: FlagEvaluation): FlagEvaluation {
  return Object.freeze(e);
}

function attributeOf(ctx: FlagContext, c: FlagCondition): string | undefined {
  let v: unknown;
  switch (c.attribute) {
    case "tenantId":
      v = ctx.tenantId;
      break;
    case "tenantSlug":
      v = ctx.tenantSlug;
      break;
    case "featureId":
      v = ctx.featureId;
      break;
    case "featureKey":
      v = ctx.featureKey;
      break;
    case "endUserId":
      v = ctx.endUserId;
      break;
    case "metadata": {
      const m = ctx.metadata;
      v = m && c.key !== undefined && Object.hasOwn(m, c.key) ? m[c.key] : undefined;
      break;
    }
  }
  if (typeof v === "string") return v === "" ? undefined : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function compileCondition(c: FlagCondition): Matcher {
  switch (c.op) {
    case "eq": {
      const want = c.value;
      return (ctx) => attributeOf(ctx, c) === want;
    }
    case "starts_with": {
      const prefix = c.value;
      return (ctx) => attributeOf(ctx, c)?.startsWith(prefix) ?? false;
    }
    case "in": {
      const set = new Set(c.values);
      return (ctx) => {
        const v = attributeOf(ctx, c);
        return v !== undefined && set.has(v);
      };
    }
    case "not_in": {
      const set = new Set(c.values);
      return (ctx) => {
        const v = attributeOf(ctx, c);
        return v === undefined || !set.has(v);
      };
    }
    case "exists":
      return (ctx) => attributeOf(ctx, c) !== undefined;
  }
}

function compile(flag: EvaluableFlag): CompiledFlag {
  const base = { key: flag.key, salt: flag.id, enabled: flag.enabled };
  const percent = flag.rolloutPercent;
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    return { ...base, bp: 0, rules: null, error: parseError(`rolloutPercent must be between 0 and 100 (got ${String(percent)})`) };
  }
  const bp = percentToBasisPoints(percent);
  const rawRules = flag.rules ?? [];
  const parsed = FlagRules.safeParse(rawRules);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? `rules.${first.path.map(String).join(".")}: ` : "rules: ";
    return { ...base, bp, rules: null, error: parseError(`${where}${first?.message ?? "invalid"}`) };
  }
  const rules = parsed.data.map((r): CompiledRule => {
    const value: FlagValue = r.value === undefined ? true : r.value;
    const variant = r.variant ?? (value === false ? OFF : ON);
    return {
      matchers: r.conditions.map(compileCondition),
      bp: r.rolloutPercent === undefined ? bp : percentToBasisPoints(r.rolloutPercent),
      match: freeze({ value, variant, reason: "TARGETING_MATCH" }),
      split: freeze({ value, variant, reason: "SPLIT" }),
    };
  });
  return { ...base, bp, rules: rules.length > 0 ? rules : null, error: null };
}

function parseError(message: string): FlagEvaluation {
  return freeze({ value: false, variant: OFF, reason: "ERROR", errorCode: "PARSE_ERROR", errorMessage: message });
}

const compiledCache = new WeakMap<EvaluableFlag, CompiledFlag>();

function compiledOf(flag: EvaluableFlag): CompiledFlag {
  if (!Object.isFrozen(flag)) return compile(flag);
  let c = compiledCache.get(flag);
  if (!c) {
    c = compile(flag);
    compiledCache.set(flag, c);
  }
  return c;
}

function unitKeyOf(ctx: FlagContext): string | null {
  if (ctx.endUserId) return ctx.endUserId;
  if (ctx.fallbackKey) return ctx.fallbackKey;
  return null;
}

// ---------------------------------------------------------------- evaluateFlag

/**
 * The flag's value for this request, with OpenFeature's reason:
 * - DISABLED: the flag is off (value false, variant `off`).
 * - STATIC: no rules and 0% or 100%: the same value for everyone.
 * - SPLIT: a percentage decided (in: the rule's / flag's value; out: false).
 * - TARGETING_MATCH: a rule's conditions matched at 100%.
 * - DEFAULT: rules exist and none matched (false).
 * - ERROR: PARSE_ERROR (stored rules or percentage invalid; value false),
 *   TARGETING_KEY_MISSING (a percentage had to decide but the context has
 *   neither end-user id nor fallback key, and nothing else matched).
 */
export function evaluateFlag(flag: EvaluableFlag, ctx: FlagContext): FlagEvaluation {
  const c = compiledOf(flag);
  if (!c.enabled) return RESULT.disabled;
  if (c.error) return c.error;

  const rules = c.rules;
  if (rules === null) {
    if (c.bp >= BUCKETS) return RESULT.staticOn;
    if (c.bp <= 0) return RESULT.staticOff;
    const unit = unitKeyOf(ctx);
    if (unit === null) return RESULT.missingKey;
    return bucketOf(c.key, c.salt, unit) < c.bp ? RESULT.splitOn : RESULT.splitOff;
  }

  let split = false;
  let missingKey = false;
  let bucket = -1;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as CompiledRule;
    let all = true;
    for (let j = 0; j < rule.matchers.length; j++) {
      if (!(rule.matchers[j] as Matcher)(ctx)) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    if (rule.bp >= BUCKETS) return rule.match;
    if (rule.bp <= 0) continue;
    if (bucket < 0) {
      const unit = unitKeyOf(ctx);
      if (unit === null) {
        missingKey = true;
        continue;
      }
      bucket = bucketOf(c.key, c.salt, unit);
    }
    if (bucket < rule.bp) return rule.split;
    split = true;
  }
  if (missingKey) return RESULT.missingKey;
  return split ? RESULT.splitOff : RESULT.defaultOff;
}

/** True when the evaluation serves a truthy "on" value (boolean flags: value === true). */
export function isOn(e: FlagEvaluation): boolean {
  return e.value === true;
}

// ---------------------------------------------------------------- kill switches

/**
 * What killSwitchFor reads flags from. The gateway's ConfigSnapshot has
 * exactly these two methods, so it can be passed as is.
 */
export interface FlagSource<F extends SwitchFlag = SwitchFlag> {
  /** Platform-wide flags (tenantId null), by key. */
  globalFlags(): ReadonlyMap<string, F>;
  /** The tenant's flags, by key. */
  tenantFlags(tenantId: string): ReadonlyMap<string, F>;
}

export interface SwitchFlag extends EvaluableFlag {
  readonly tenantId: string | null;
  readonly kind: string;
  readonly scope: string;
  readonly featureId: string | null;
  readonly routeTargetId: string | null;
  readonly providerId: string | null;
}

export interface KillSwitchContext extends FlagContext {
  readonly tenantId: string;
  /** The feature (an API key's or a route's); feature kill switches are matched by id. */
  readonly featureId?: string | null;
  /** Per attempt in the route stage: the target's provider, model and route target. */
  readonly providerId?: string | null;
  readonly modelId?: string | null;
  readonly routeTargetId?: string | null;
}

/** Which level fired: global > tenant (and tenant-wide segment) > feature > provider / model / route target. */
export type KillSwitchScope = "global" | "tenant" | "segment" | "feature" | "provider" | "model" | "target";

export interface KillSwitchHit {
  readonly flagKey: string;
  readonly flagId: string;
  readonly scope: KillSwitchScope;
  /** The evaluation reason (STATIC for a plain switch; TARGETING_MATCH / SPLIT for a ruled one; ERROR: failed closed). */
  readonly reason: FlagReason;
}

interface KillIndex<F extends SwitchFlag> {
  readonly wide: readonly F[];
  readonly byFeature: ReadonlyMap<string, readonly F[]>;
  /** By provider or model id (the providerId column names either). */
  readonly byProvider: ReadonlyMap<string, readonly F[]>;
  readonly byTarget: ReadonlyMap<string, readonly F[]>;
}

const indexCache = new WeakMap<ReadonlyMap<string, SwitchFlag>, KillIndex<SwitchFlag>>();

function push<F>(map: Map<string, F[]>, key: string, f: F): void {
  const list = map.get(key);
  if (list) list.push(f);
  else map.set(key, [f]);
}

/**
 * The enabled kill switches of one flag map, by what they name (sorted by
 * key, so the same switch wins every time). Global-map flags count only as
 * global switches; a tenant flag's level comes from the id it names.
 */
function buildIndex<F extends SwitchFlag>(flags: ReadonlyMap<string, F>, global: boolean): KillIndex<F> {
  const wide: F[] = [];
  const byFeature = new Map<string, F[]>();
  const byProvider = new Map<string, F[]>();
  const byTarget = new Map<string, F[]>();
  // Plain switches before segment-scoped (ruled) ones, then by key.
  const sorted = [...flags.values()]
    .filter((f) => f.kind === "kill_switch" && f.enabled)
    .sort((a, b) => Number(a.scope === "segment") - Number(b.scope === "segment") || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const f of sorted) {
    if (global) {
      if (!f.featureId && !f.providerId && !f.routeTargetId) wide.push(f);
    } else if (f.routeTargetId) push(byTarget, f.routeTargetId, f);
    else if (f.providerId) push(byProvider, f.providerId, f);
    else if (f.featureId) push(byFeature, f.featureId, f);
    else wide.push(f);
  }
  return { wide, byFeature, byProvider, byTarget };
}

function indexOf<F extends SwitchFlag>(flags: ReadonlyMap<string, F>, global: boolean): KillIndex<F> {
  let idx = indexCache.get(flags) as KillIndex<F> | undefined;
  if (!idx) {
    idx = buildIndex(flags, global);
    indexCache.set(flags, idx);
  }
  return idx;
}

/** Killed when the switch evaluates to true, or when an enabled switch's rules do not parse (fail closed). */
function fired(f: SwitchFlag, ctx: KillSwitchContext): FlagEvaluation | null {
  const e = evaluateFlag(f, ctx);
  if (e.value === true) return e;
  if (e.reason === "ERROR" && e.errorCode === "PARSE_ERROR") return e;
  return null;
}

const scopeGlobal = (): KillSwitchScope => "global";
const scopeTenant = (f: SwitchFlag): KillSwitchScope => (f.scope === "segment" ? "segment" : "tenant");
const scopeFeature = (): KillSwitchScope => "feature";
const scopeProvider = (): KillSwitchScope => "provider";
const scopeModel = (): KillSwitchScope => "model";
const scopeTarget = (): KillSwitchScope => "target";

function first(list: readonly SwitchFlag[] | undefined, ctx: KillSwitchContext, scope: (f: SwitchFlag) => KillSwitchScope): KillSwitchHit | null {
  if (!list) return null;
  for (let i = 0; i < list.length; i++) {
    const f = list[i] as SwitchFlag;
    const e = fired(f, ctx);
    if (e) return { flagKey: f.key, flagId: f.id, scope: scope(f), reason: e.reason };
  }
  return null;
}

/**
 * The kill switch that stops this request (or this attempt), or null.
 * Checked in order: global, tenant (plain, then segment-scoped ones with
 * rules), feature, then provider / model / route target (only when the
 * context names them: the route stage calls this per target and skips a
 * killed one). A kill switch is "on" (= killed) when enabled, subject to its
 * rules and rollout percentage, evaluated like any flag.
 */
export function killSwitchFor<F extends SwitchFlag>(source: FlagSource<F>, ctx: KillSwitchContext): KillSwitchHit | null {
  const g = indexOf(source.globalFlags(), true);
  const hit = first(g.wide, ctx, scopeGlobal);
  if (hit) return hit;

  const t = indexOf(source.tenantFlags(ctx.tenantId), false);
  const tenantHit = first(t.wide, ctx, scopeTenant);
  if (tenantHit) return tenantHit;

  if (ctx.featureId) {
    const h = first(t.byFeature.get(ctx.featureId), ctx, scopeFeature);
    if (h) return h;
  }
  if (ctx.providerId) {
    const h = first(t.byProvider.get(ctx.providerId), ctx, scopeProvider);
    if (h) return h;
  }
  if (ctx.modelId) {
    const h = first(t.byProvider.get(ctx.modelId), ctx, scopeModel);
    if (h) return h;
  }
  if (ctx.routeTargetId) {
    const h = first(t.byTarget.get(ctx.routeTargetId), ctx, scopeTarget);
    if (h) return h;
  }
  return null;
}
