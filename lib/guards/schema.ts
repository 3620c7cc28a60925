import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";

export const GuardPolicy = z.object({
  id: z.string(),
  /** null = the tenant's default policy. */
  featureId: z.string().nullable(),
  version: z.number().int(),
  /** { injection, pii, moderation, schema } (shape filled in by the guards issue). */
  config: z.record(z.string(), z.unknown()),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type GuardPolicy = z.infer<typeof GuardPolicy>;
