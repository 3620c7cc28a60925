import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";

export const Feature = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  /** Limits, cache, static fallback and guard switches (shape filled in by later issues). */
  config: z.record(z.string(), z.unknown()),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Feature = z.infer<typeof Feature>;
