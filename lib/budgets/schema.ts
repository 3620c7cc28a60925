import { z } from "zod";
import { IsoDateTime, Micros } from "@/lib/http/schema";

export const BudgetScope = z.enum(["tenant", "feature", "api_key", "end_user", "tenant_feature"]);
export const BudgetPeriod = z.enum(["day", "month", "total"]);
export const BudgetMode = z.enum(["hard", "soft"]);

export const Budget = z.object({
  id: z.string(),
  name: z.string(),
  scope: BudgetScope,
  featureId: z.string().nullable(),
  apiKeyId: z.string().nullable(),
  endUserId: z.string().nullable(),
  period: BudgetPeriod,
  /** Integer micro-dollars, as a string. */
  limitMicros: Micros,
  mode: BudgetMode,
  alertThresholds: z.array(z.number().int()),
  enabled: z.boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Budget = z.infer<typeof Budget>;

export const RateLimitScope = z.enum(["api_key", "end_user", "tenant", "feature", "ip"]);

export const RateLimit = z.object({
  id: z.string(),
  scope: RateLimitScope,
  featureId: z.string().nullable(),
  apiKeyId: z.string().nullable(),
  requestsPerMinute: z.number().int().nullable(),
  tokensPerMinute: z.number().int().nullable(),
  maxConcurrent: z.number().int().nullable(),
  enabled: z.boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type RateLimit = z.infer<typeof RateLimit>;

// ---------------------------------------------------------------- inputs (issue 5)

const PositiveMicros = z
  .union([z.string(), z.number().int()])
  .transform((v) => String(v))
  .pipe(z.string().regex(/^(?!0+$)\d{1,15}$/, "must be a whole number of micro-dollars, more than 0 (at most 15 digits)"));

const Thresholds = z
  .array(z.number().int().min(1).max(1000))
  .max(10)
  .transform((xs) => [...new Set(xs)].sort((a, b) => a - b));

const OptionalId = z.string().min(3).max(64).nullish();

/**
 * Which fields name the budget's subject, per scope:
 * - tenant: none;
 * - feature: `featureId` (that feature);
 * - tenant_feature: none (each feature of the tenant, separately);
 * - api_key: `apiKeyId` (that key), or none (each key, separately);
 * - end_user: `endUserId` (that end-user), or none (each end-user, separately).
 */
export const CreateBudgetInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    scope: BudgetScope,
    featureId: OptionalId,
    apiKeyId: OptionalId,
    endUserId: z.string().trim().min(1).max(256).nullish(),
    period: BudgetPeriod,
    limitMicros: PositiveMicros,
    mode: BudgetMode.default("hard"),
    alertThresholds: Thresholds.default([50, 80, 100]),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((b, ctx) => {
    const allowed: Record<z.infer<typeof BudgetScope>, ReadonlyArray<"featureId" | "apiKeyId" | "endUserId">> = {
      tenant: [],
      feature: ["featureId"],
      tenant_feature: [],
      api_key: ["apiKeyId"],
      end_user: ["endUserId"],
    };
    for (const f of ["featureId", "apiKeyId", "endUserId"] as const) {
      if (b[f] && !allowed[b.scope].includes(f)) ctx.addIssue({ code: "custom", path: [f], message: `not used by a ${b.scope} budget` });
    }
    if (b.scope === "feature" && !b.featureId) ctx.addIssue({ code: "custom", path: ["featureId"], message: "a feature budget names its feature (tenant_feature: each feature)" });
  });
export type CreateBudgetInput = z.infer<typeof CreateBudgetInput>;

/** The subject of a budget is fixed; everything else can change. */
export const UpdateBudgetInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    period: BudgetPeriod,
    limitMicros: PositiveMicros,
    mode: BudgetMode,
    alertThresholds: Thresholds,
    enabled: z.boolean(),
  })
  .partial()
  .strict();
export type UpdateBudgetInput = z.infer<typeof UpdateBudgetInput>;

const PerMinute = z.number().int().min(1).max(100_000_000).nullish();

/**
 * A rate limit counts per subject of its scope (each key, each end-user, the
 * tenant, each feature, each client IP). `apiKeyId` narrows an api_key limit
 * to one key; `featureId` narrows any limit to one feature's requests;
 * `maxConcurrent` is for api_key limits.
 */
export const CreateRateLimitInput = z
  .object({
    scope: RateLimitScope,
    featureId: OptionalId,
    apiKeyId: OptionalId,
    requestsPerMinute: PerMinute,
    tokensPerMinute: PerMinute,
    maxConcurrent: z.number().int().min(1).max(100_000).nullish(),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.requestsPerMinute == null && r.tokensPerMinute == null && r.maxConcurrent == null) {
      ctx.addIssue({ code: "custom", path: ["requestsPerMinute"], message: "set at least one of requestsPerMinute, tokensPerMinute, maxConcurrent" });
    }
    if (r.maxConcurrent != null && r.scope !== "api_key") ctx.addIssue({ code: "custom", path: ["maxConcurrent"], message: "only api_key limits cap concurrency" });
    if (r.apiKeyId && r.scope !== "api_key") ctx.addIssue({ code: "custom", path: ["apiKeyId"], message: "only api_key limits name a key" });
  });
export type CreateRateLimitInput = z.infer<typeof CreateRateLimitInput>;

export const UpdateRateLimitInput = z
  .object({
    requestsPerMinute: PerMinute,
    tokensPerMinute: PerMinute,
    maxConcurrent: z.number().int().min(1).max(100_000).nullish(),
    enabled: z.boolean(),
  })
  .partial()
  .strict();
export type UpdateRateLimitInput = z.infer<typeof UpdateRateLimitInput>;

/** One counter of a budget this period, live from Redis. */
export const BudgetCounterStatus = z.object({
  /** "-" for a tenant-wide counter; else the feature, key or end-user it counts. */
  subject: z.string(),
  spentMicros: Micros,
  reservedMicros: Micros,
  /** False: Redis has no counter yet this period (rebuilt from the request log at the next request). */
  seeded: z.boolean(),
});

export const BudgetStatus = z.object({
  budgetId: z.string(),
  periodKey: z.string(),
  periodStart: IsoDateTime,
  /** null for a total budget. */
  periodEnd: IsoDateTime.nullable(),
  limitMicros: Micros,
  /** The counters with the most spent first (at most 20 for budgets kept per key / end-user / feature). */
  counters: z.array(BudgetCounterStatus),
  /** True when more subjects have counters than listed. */
  truncated: z.boolean(),
});
export type BudgetStatus = z.infer<typeof BudgetStatus>;
