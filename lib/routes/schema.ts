import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";

export const CircuitOverride = z.enum(["none", "forced_open", "forced_closed"]);

export const RouteTarget = z.object({
  id: z.string(),
  routeId: z.string(),
  position: z.number().int(),
  weight: z.number().int(),
  timeoutMs: z.number().int(),
  maxRetries: z.number().int(),
  failureThreshold: z.number().int(),
  cooldownMs: z.number().int(),
  circuitOverride: CircuitOverride,
  enabled: z.boolean(),
  model: z.object({ id: z.string(), name: z.string() }),
  provider: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
});
export type RouteTarget = z.infer<typeof RouteTarget>;

export const Route = z.object({
  id: z.string(),
  alias: z.string(),
  description: z.string(),
  featureId: z.string().nullable(),
  featureKey: z.string().nullable(),
  totalTimeoutMs: z.number().int(),
  /** Answer returned when every target failed; null = error out. */
  staticFallback: z.unknown().nullable(),
  config: z.record(z.string(), z.unknown()),
  /** Ordered by position: primary first. */
  targets: z.array(RouteTarget),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Route = z.infer<typeof Route>;

// ---------------------------------------------------------------- editing a route's chain

/** Bounds of a target's knobs (the form shows them; the server enforces them). */
export const TARGET_LIMITS = {
  position: { min: 0, max: 99 },
  weight: { min: 1, max: 1000 },
  timeoutMs: { min: 100, max: 600_000 },
  maxRetries: { min: 0, max: 10 },
  failureThreshold: { min: 1, max: 1000 },
  cooldownMs: { min: 1_000, max: 3_600_000 },
} as const;
export const MAX_TARGETS_PER_ROUTE = 10;

const int = (name: keyof typeof TARGET_LIMITS) =>
  z
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(TARGET_LIMITS[name].min, `must be at least ${TARGET_LIMITS[name].min}`)
    .max(TARGET_LIMITS[name].max, `must be at most ${TARGET_LIMITS[name].max}`);

/**
 * The answer a route returns when every target failed: an assistant message
 * (the gateway wraps it in the caller's response shape and marks the request
 * `fallback`). null on the route = error out instead.
 */
export const StaticFallback = z.object({
  role: z.literal("assistant").default("assistant"),
  content: z.string().trim().min(1, "must not be empty").max(8_000, "must be at most 8000 characters"),
});
export type StaticFallback = z.infer<typeof StaticFallback>;

/**
 * One target of the chain as the editor sends it. `id` names an existing
 * target; a target is kept (its circuit state and override stay with it)
 * as long as its model stays in the chain, else a new one is created.
 *
 * `position` orders the chain: targets at the same position form a
 * load-balanced group, each request picking among them by `weight` (the
 * others of the group are its first fallbacks). Without positions, the
 * array index is the position (a plain chain, no groups).
 */
export const RouteTargetInput = z.object({
  id: z.string().min(1).max(64).optional(),
  modelId: z.string({ error: "is required" }).min(1, "is required").max(64),
  position: int("position").optional(),
  weight: int("weight").default(1),
  timeoutMs: int("timeoutMs").default(30_000),
  maxRetries: int("maxRetries").default(2),
  failureThreshold: int("failureThreshold").default(5),
  cooldownMs: int("cooldownMs").default(30_000),
  enabled: z.boolean().default(true),
});
export type RouteTargetInput = z.input<typeof RouteTargetInput>;

/** Positions: given for every target or for none, and never decreasing along the array (the array is the chain's order). */
function checkPositions(targets: Array<{ position?: number | undefined }>, ctx: z.core.$RefinementCtx<Array<{ position?: number | undefined }>>): void {
  const given = targets.filter((t) => t.position !== undefined).length;
  if (given === 0) return;
  targets.forEach((t, i) => {
    if (t.position === undefined) {
      ctx.addIssue({ code: "custom", path: [i, "position"], message: "is required when other targets give one" });
      return;
    }
    const prev = targets[i - 1]?.position;
    if (prev !== undefined && t.position < prev) {
      ctx.addIssue({ code: "custom", path: [i, "position"], message: `must not be lower than the previous target's (${prev})` });
    }
  });
}

/** The position each target of a validated chain gets: its own, else its index. */
export function positionsOf(targets: ReadonlyArray<{ position?: number | undefined }>): number[] {
  return targets.map((t, i) => t.position ?? i);
}

/** A whole chain, in order. */
export const RouteTargetsInput = z
  .array(RouteTargetInput)
  .min(1, "a route needs at least one target")
  .max(MAX_TARGETS_PER_ROUTE, `at most ${MAX_TARGETS_PER_ROUTE} targets`)
  .superRefine(checkPositions);

/** PATCH /routes/{id}: any subset; `targets` replaces the whole chain, in order. */
export const UpdateRouteInput = z
  .object({
    description: z.string().trim().max(500, "must be at most 500 characters"),
    totalTimeoutMs: z
      .number({ error: "must be a whole number" })
      .int("must be a whole number")
      .min(TARGET_LIMITS.timeoutMs.min, `must be at least ${TARGET_LIMITS.timeoutMs.min}`)
      .max(TARGET_LIMITS.timeoutMs.max, `must be at most ${TARGET_LIMITS.timeoutMs.max}`),
    staticFallback: StaticFallback.nullable(),
    targets: RouteTargetsInput,
  })
  .partial();
export type UpdateRouteInput = z.input<typeof UpdateRouteInput>;

/** PATCH /route-targets/{id}: the admin's circuit override, or switching the target off. */
export const UpdateRouteTargetInput = z
  .object({
    circuitOverride: CircuitOverride,
    enabled: z.boolean(),
  })
  .partial();
export type UpdateRouteTargetInput = z.infer<typeof UpdateRouteTargetInput>;

// ---------------------------------------------------------------- live health of targets

export const CircuitState = z.enum(["closed", "open", "half_open"]);
export type CircuitState = z.infer<typeof CircuitState>;

/** What the breaker in Redis says about one target (shared by every gateway instance). */
export const CircuitStatus = z.object({
  state: CircuitState,
  /** Consecutive failures counted so far. */
  failures: z.number().int(),
  openedAt: IsoDateTime.nullable(),
  /** When an open circuit lets its half-open probe through. */
  openUntil: IsoDateTime.nullable(),
});
export type CircuitStatus = z.infer<typeof CircuitStatus>;

/** Attempts on the target in the recent window of the request log. */
export const RecentAttempts = z.object({
  attempts: z.number().int(),
  failures: z.number().int(),
  /** failures / attempts, null when there were none. */
  errorRate: z.number().nullable(),
});
export type RecentAttempts = z.infer<typeof RecentAttempts>;

export const RouteTargetHealth = z.object({
  targetId: z.string(),
  routeId: z.string(),
  /** "provider/model", as the request log names attempts. */
  target: z.string(),
  circuitOverride: CircuitOverride,
  /** null when Redis could not be read. */
  circuit: CircuitStatus.nullable(),
  /** What the gateway does now: the override when set, else the breaker's state. */
  effectiveState: z.enum(["closed", "open", "half_open", "forced_open", "forced_closed", "unknown"]),
  recent: RecentAttempts,
});
export type RouteTargetHealth = z.infer<typeof RouteTargetHealth>;

export const RouteTargetsHealth = z.object({
  /** The window the error rates cover. */
  windowMinutes: z.number().int(),
  /** At most this many of the newest requests in the window are read (cheap on any traffic). */
  sampleLimit: z.number().int(),
  /** How many requests were read; === sampleLimit means the window was cut short. */
  sampledRequests: z.number().int(),
  targets: z.array(RouteTargetHealth),
  checkedAt: IsoDateTime,
});
export type RouteTargetsHealth = z.infer<typeof RouteTargetsHealth>;
