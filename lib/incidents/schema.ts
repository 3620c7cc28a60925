import { z } from "zod";
import { CursorQuery, IsoDateTime } from "@/lib/http/schema";

export const IncidentSignal = z.enum(["circuit_open", "error_spike", "latency", "budget", "malformed_output", "policy_violation", "manual"]);
export const IncidentStatus = z.enum(["open", "acknowledged", "resolved"]);
export const Severity = z.enum(["low", "medium", "high", "critical"]);

export const Incident = z.object({
  id: z.string(),
  title: z.string(),
  signal: IncidentSignal,
  severity: Severity,
  status: IncidentStatus,
  dedupeKey: z.string(),
  runbookId: z.string().nullable(),
  runbookTitle: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  openedAt: IsoDateTime,
  acknowledgedAt: IsoDateTime.nullable(),
  resolvedAt: IsoDateTime.nullable(),
});
export type Incident = z.infer<typeof Incident>;

export const ListIncidentsQuery = CursorQuery.extend({ status: IncidentStatus.optional() });
export type ListIncidentsQuery = z.infer<typeof ListIncidentsQuery>;
