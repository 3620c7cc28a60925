import type { Db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { newId } from "@/lib/ids";

/**
 * Opens an incident for a signal, or adds to the one already open for the same
 * subject (`dedupeKey`: same signal + subject while open = same incident).
 * Called by workers (the system, not a member): the incident, its event and
 * the audit row (actor `system`) are written in one transaction.
 */
export interface OpenIncidentInput {
  tenantId: string;
  signal: "circuit_open" | "error_spike" | "latency" | "budget" | "malformed_output" | "policy_violation" | "manual";
  severity: "low" | "medium" | "high" | "critical";
  title: string;
  dedupeKey: string;
  /** Ids and figures only: never prompts, answers or personal data. */
  details: Record<string, Prisma.InputJsonValue>;
  /** The event line (`Response req_... flagged: violence 0.92`). */
  message: string;
}

export async function openOrAppendIncident(db: Db, input: OpenIncidentInput): Promise<{ incidentId: string; opened: boolean }> {
  return db.$transaction(async (tx) => {
    const open = await tx.incident.findFirst({
      where: { tenantId: input.tenantId, dedupeKey: input.dedupeKey, status: { in: ["open", "acknowledged"] } },
      select: { id: true },
      orderBy: { openedAt: "desc" },
    });
    if (open) {
      await tx.incidentEvent.create({ data: { id: newId("incidentEvent"), tenantId: input.tenantId, incidentId: open.id, kind: "signal", message: input.message } });
      return { incidentId: open.id, opened: false };
    }
    const runbook = await tx.runbook.findFirst({ where: { tenantId: input.tenantId, signal: input.signal }, select: { id: true }, orderBy: { createdAt: "asc" } });
    const id = newId("incident");
    await tx.incident.create({
      data: {
        id,
        tenantId: input.tenantId,
        title: input.title,
        signal: input.signal,
        severity: input.severity,
        dedupeKey: input.dedupeKey,
        runbookId: runbook?.id ?? null,
        details: input.details,
      },
    });
    await tx.incidentEvent.create({ data: { id: newId("incidentEvent"), tenantId: input.tenantId, incidentId: id, kind: "opened", message: input.message } });
    await tx.auditLog.create({
      data: {
        id: newId("audit"),
        tenantId: input.tenantId,
        actorType: "system",
        actorLabel: "moderation worker",
        action: "incident:open",
        resourceType: "incident",
        resourceId: id,
        after: { signal: input.signal, dedupeKey: input.dedupeKey, severity: input.severity },
      },
    });
    return { incidentId: id, opened: true };
  });
}
