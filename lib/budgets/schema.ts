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
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type RateLimit = z.infer<typeof RateLimit>;
