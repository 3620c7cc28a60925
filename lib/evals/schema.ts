import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";

export const GoldenSet = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  featureId: z.string().nullable(),
  caseCount: z.number().int(),
  createdAt: IsoDateTime,
});
export type GoldenSet = z.infer<typeof GoldenSet>;

export const EvalStatus = z.enum(["queued", "running", "succeeded", "failed"]);

export const EvalRun = z.object({
  id: z.string(),
  goldenSetId: z.string(),
  goldenSetName: z.string(),
  promptVersionId: z.string().nullable(),
  status: EvalStatus,
  summary: z.record(z.string(), z.unknown()),
  createdById: z.string().nullable(),
  createdAt: IsoDateTime,
  startedAt: IsoDateTime.nullable(),
  finishedAt: IsoDateTime.nullable(),
});
export type EvalRun = z.infer<typeof EvalRun>;
