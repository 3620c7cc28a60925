import { z } from "zod";
import type { ProviderEntry, ProviderModelEntry, RouteEntry, RouteTargetEntry } from "@/lib/gateway/config/types";
import type { ProviderTarget, ProviderTargetConfig } from "@/lib/gateway/providers/types";
import { DEFAULT_BACKOFF, type BackoffOptions } from "@/lib/gateway/reliability/backoff";
import { circuitPolicyOf, type CircuitPolicy } from "@/lib/gateway/reliability/circuit-breaker";
import { log } from "@/lib/log";

/**
 * A route as the engine runs it: the snapshot's route (or a concrete model,
 * as a one-target implicit route) joined with everything an attempt needs,
 * parsed once per snapshot entry (entries are immutable and replaced whole on
 * a config change, so a WeakMap keyed by them is an exact cache).
 */

export interface PlannedTarget {
  /** Circuit-breaker key: the route target id, or `model:<modelId>` for an implicit route. */
  id: string;
  routeTargetId: string | null;
  /** `provider/model`, as logs, headers and the dashboard show it. */
  label: string;
  providerName: string;
  providerKind: ProviderTarget["kind"];
  modelId: string;
  modelName: string;
  position: number;
  weight: number;
  timeoutMs: number;
  maxRetries: number;
  policy: CircuitPolicy;
  supportsEmbeddings: boolean;
  target: ProviderTarget;
  /** Why this target can never be called as configured (an unreadable provider secret); null when fine. */
  unusable: string | null;
  /** Set per request by the switches stage: the key of the kill switch that stops this target (skipped like an open circuit). */
  killSwitch?: string;
}

/** The route's closing answer when every target failed. */
export interface StaticAnswer {
  content: string;
}

export interface RoutePlan {
  /** The name the caller used. */
  name: string;
  kind: "route" | "model";
  routeId: string | null;
  /** The route's feature (a request without one is attributed to it). */
  featureId: string | null;
  totalTimeoutMs: number;
  /** Cap on each attempt after the primary (route config `fallbackTimeoutMs`). */
  fallbackTimeoutMs: number | null;
  staticAnswer: StaticAnswer | null;
  backoff: BackoffOptions;
  /** Enabled targets in chain order (position), equal positions kept together. */
  targets: readonly PlannedTarget[];
}

/** Defaults of an implicit (concrete model) route: the same as a route target row's column defaults. */
export const IMPLICIT_ROUTE = {
  totalTimeoutMs: 60_000,
  timeoutMs: 30_000,
  maxRetries: 2,
  failureThreshold: 5,
  cooldownMs: 30_000,
} as const;

/** `routes.config`: the knobs the engine reads; other keys (canary, shadow: later issues) pass. */
export const RouteConfig = z.looseObject({
  fallbackTimeoutMs: z.number().int().min(1).optional(),
  retry: z.looseObject({ baseMs: z.number().int().min(0).optional(), capMs: z.number().int().min(0).optional() }).optional(),
});

/** `providers.config`: what the adapters understand (providers/types.ts ProviderTargetConfig). */
export const ProviderConfig = z.looseObject({
  apiVersion: z.string().min(1).optional(),
  deployment: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  defaultMaxTokens: z.number().int().min(1).optional(),
  structuredOutput: z.enum(["tool", "native"]).optional(),
});

const providerConfigs = new WeakMap<ProviderEntry, ProviderTargetConfig>();

export function providerTargetConfig(p: ProviderEntry): ProviderTargetConfig {
  let cfg = providerConfigs.get(p);
  if (!cfg) {
    const parsed = ProviderConfig.safeParse(p.config);
    if (!parsed.success) log("warn", "route.provider_config_invalid", { providerId: p.id, issue: parsed.error.issues[0]?.message });
    const d = parsed.success ? parsed.data : {};
    cfg = {
      ...(d.apiVersion ? { apiVersion: d.apiVersion } : {}),
      ...(d.deployment ? { deployment: d.deployment } : {}),
      ...(d.headers ? { headers: d.headers } : {}),
      ...(d.defaultMaxTokens ? { defaultMaxTokens: d.defaultMaxTokens } : {}),
      ...(d.structuredOutput ? { structuredOutput: d.structuredOutput } : {}),
    };
    providerConfigs.set(p, cfg);
  }
  return cfg;
}

/**
 * `routes.static_fallback` as stored: the dashboard writes `{ role, content }`;
 * a bare string, `{ text }` or a whole chat completion are understood too.
 */
export function parseStaticAnswer(value: unknown): StaticAnswer | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value.trim() ? { content: value } : null;
  if (typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.content === "string" && v.content.trim()) return { content: v.content };
  if (typeof v.text === "string" && v.text.trim()) return { content: v.text };
  if (Array.isArray(v.choices)) {
    const first = v.choices[0] as { message?: { content?: unknown } } | undefined;
    if (typeof first?.message?.content === "string") return { content: first.message.content };
  }
  return null;
}

function plannedTarget(
  id: string,
  routeTargetId: string | null,
  model: ProviderModelEntry,
  knobs: { position: number; weight: number; timeoutMs: number; maxRetries: number; failureThreshold: number; cooldownMs: number; circuitOverride: RouteTargetEntry["circuitOverride"] },
): PlannedTarget {
  const provider = model.provider;
  return {
    id,
    routeTargetId,
    label: `${provider.name}/${model.name}`,
    providerName: provider.name,
    providerKind: provider.kind,
    modelId: model.id,
    modelName: model.name,
    position: knobs.position,
    weight: Math.max(1, knobs.weight),
    timeoutMs: knobs.timeoutMs,
    maxRetries: Math.max(0, knobs.maxRetries),
    policy: circuitPolicyOf(knobs),
    supportsEmbeddings: model.supportsEmbeddings,
    target: { kind: provider.kind, baseUrl: provider.baseUrl, apiKey: provider.apiKey, model: model.name, config: providerTargetConfig(provider) },
    unusable: provider.secretError ? `the secret of provider '${provider.name}' cannot be decrypted` : null,
  };
}

const routePlans = new WeakMap<RouteEntry, RoutePlan>();

/** The plan of a route alias (cached per snapshot entry). Disabled targets, models and providers are left out. */
export function planForRoute(route: RouteEntry): RoutePlan {
  let plan = routePlans.get(route);
  if (plan) return plan;
  const cfg = RouteConfig.safeParse(route.config);
  if (!cfg.success) log("warn", "route.config_invalid", { routeId: route.id, issue: cfg.error.issues[0]?.message });
  const config = cfg.success ? cfg.data : {};
  const targets = route.targets
    .filter((t) => t.enabled && t.model.enabled && t.provider.enabled)
    .map((t) => plannedTarget(t.id, t.id, t.model, t));
  plan = Object.freeze({
    name: route.alias,
    kind: "route" as const,
    routeId: route.id,
    featureId: route.featureId,
    totalTimeoutMs: route.totalTimeoutMs,
    fallbackTimeoutMs: config.fallbackTimeoutMs ?? null,
    staticAnswer: parseStaticAnswer(route.staticFallback),
    backoff: { baseMs: config.retry?.baseMs ?? DEFAULT_BACKOFF.baseMs, capMs: config.retry?.capMs ?? DEFAULT_BACKOFF.capMs },
    targets: Object.freeze(targets),
  });
  routePlans.set(route, plan);
  return plan;
}

const modelPlans = new WeakMap<ProviderModelEntry, RoutePlan>();

/** A concrete model the key may use, as a one-target route with the default knobs. */
export function planForModel(model: ProviderModelEntry): RoutePlan {
  let plan = modelPlans.get(model);
  if (plan) return plan;
  const target = plannedTarget(`model:${model.id}`, null, model, {
    position: 0,
    weight: 1,
    timeoutMs: IMPLICIT_ROUTE.timeoutMs,
    maxRetries: IMPLICIT_ROUTE.maxRetries,
    failureThreshold: IMPLICIT_ROUTE.failureThreshold,
    cooldownMs: IMPLICIT_ROUTE.cooldownMs,
    circuitOverride: "none",
  });
  plan = Object.freeze({
    name: model.name,
    kind: "model" as const,
    routeId: null,
    featureId: null,
    totalTimeoutMs: IMPLICIT_ROUTE.totalTimeoutMs,
    fallbackTimeoutMs: null,
    staticAnswer: null,
    backoff: DEFAULT_BACKOFF,
    targets: Object.freeze([target]),
  });
  modelPlans.set(model, plan);
  return plan;
}

/**
 * The order of one request's attempts: by position, and among the targets of
 * one position (a load-balanced group) a weighted random order (each pick
 * proportional to weight among those left), so traffic spreads by weight and
 * the rest of the group are the first fallbacks, before the next position.
 * The engine skips a target whose circuit is open or that a kill switch stops
 * and goes on to the next in this order, so the others of its group share its
 * traffic by their weights. `random` is injectable for tests.
 */
export function orderTargets<T extends { position: number; weight: number }>(targets: readonly T[], random: () => number = Math.random): T[] {
  const out: T[] = [];
  let i = 0;
  while (i < targets.length) {
    const first = targets[i];
    if (!first) break;
    let j = i + 1;
    while (j < targets.length && targets[j]?.position === first.position) j++;
    if (j - i === 1) out.push(first);
    else {
      const group = targets.slice(i, j);
      while (group.length > 0) {
        const total = group.reduce((s, t) => s + Math.max(1, t.weight), 0);
        let r = random() * total;
        let k = 0;
        for (; k < group.length - 1; k++) {
          r -= Math.max(1, group[k]?.weight ?? 1);
          if (r < 0) break;
        }
        const [picked] = group.splice(k, 1);
        if (picked) out.push(picked);
      }
    }
    i = j;
  }
  return out;
}
