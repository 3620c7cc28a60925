import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";
import { IncidentSignal, Severity } from "@/lib/incidents/schema";

export const AlertRule = z.object({
  id: z.string(),
  name: z.string(),
  signal: IncidentSignal,
  /** { metric, op, value, windowSec, featureId? } */
  condition: z.record(z.string(), z.unknown()),
  severity: Severity,
  enabled: z.boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type AlertRule = z.infer<typeof AlertRule>;
