import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";
import { IncidentSignal } from "@/lib/incidents/schema";

export const Runbook = z.object({
  id: z.string(),
  title: z.string(),
  /** The signal this runbook answers; null = general. */
  signal: IncidentSignal.nullable(),
  /** Markdown steps. */
  body: z.string(),
  /** One-click mitigations: [{ label, action, params }]. */
  mitigations: z.array(z.unknown()),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Runbook = z.infer<typeof Runbook>;
