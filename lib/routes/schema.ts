import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";

export const CircuitOverride = z.enum(["none", "forced_open", "forced_closed"]);

export const RouteTarget = z.object({
  id: z.string(),
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
