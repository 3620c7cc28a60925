import type { Db } from "@/lib/db";
import { newId } from "@/lib/ids";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * Opens an incident for a signal, once: while an incident with the same
 * dedupe key is open or acknowledged, that one is returned instead.
 * The matching runbook (the tenant's first runbook for the signal, by
 * title) is linked. The check and the insert run under an advisory lock on
 * (tenant, dedupe key), so two workers never open two.
 *
 * Used by the worker (signals, not people): no audit row; the incident's
 * `opened` event records it.
 */
export interface OpenIncidentInput {
  tenantId: string;
  signal: "circuit_open" | "error_spike" | "latency" | "budget" | "malformed_output" | "policy_violation" | "manual";
  severity: "low" | "medium" | "high" | "critical";
  dedupeKey: string;
  title: string;
  details: Prisma.InputJsonObject;
}

export interface OpenedIncident {
  id: string;
  title: string;
  runbookId: string | null;
  runbookTitle: string | null;
  /** False when an open incident with this key already existed. */
  opened: boolean;
}

export async function openIncidentOnce(db: Db, input: OpenIncidentInput): Promise<OpenedIncident> {
  return db.$transaction(async (tx) => {
    await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text AS locked`, `incident:${input.tenantId}:${input.dedupeKey}`);
    const existing = await tx.incident.findFirst({
      where: { tenantId: input.tenantId, dedupeKey: input.dedupeKey, status: { in: ["open", "acknowledged"] } },
      include: { runbook: { select: { title: true } } },
      orderBy: { openedAt: "desc" },
    });
    if (existing) {
      return { id: existing.id, title: existing.title, runbookId: existing.runbookId, runbookTitle: existing.runbook?.title ?? null, opened: false };
    }
    const runbook = await tx.runbook.findFirst({ where: { tenantId: input.tenantId, signal: input.signal }, orderBy: [{ title: "asc" }, { id: "asc" }], select: { id: true, title: true } });
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
    await tx.incidentEvent.create({
      data: { id: newId("incidentEvent"), tenantId: input.tenantId, incidentId: id, kind: "opened", message: input.title },
    });
    return { id, title: input.title, runbookId: runbook?.id ?? null, runbookTitle: runbook?.title ?? null, opened: true };
  });
}
