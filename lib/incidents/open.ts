import type { Db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { newId } from "@/lib/ids";

/**
 * Opens an incident for a signal, once: while an incident with the same
 * dedupe key (same signal + subject) is open or acknowledged, that one is
 * returned instead (and, with `appendToOpen`, the new signal is added to it
 * as an event). The matching runbook (the tenant's first runbook for the
 * signal, by title) is linked. The check and the insert run under an
 * advisory lock on (tenant, dedupe key), so two workers never open two.
 *
 * Called by workers (the system, not a member): the incident, its `opened`
 * event and the audit row (actor `system`) are written in one transaction.
 */
export interface OpenIncidentInput {
  tenantId: string;
  signal: "circuit_open" | "error_spike" | "latency" | "budget" | "malformed_output" | "policy_violation" | "manual";
  severity: "low" | "medium" | "high" | "critical";
  title: string;
  dedupeKey: string;
  /** Ids and figures only: never prompts, answers or personal data. */
  details: Prisma.InputJsonObject;
  /** The event line (`Response req_... flagged: violence 0.92`); the title when absent. */
  message?: string;
  /** Who raised it, for the audit row (`moderation worker`). */
  actorLabel?: string;
  /** When one is already open, add `message` to it as a `signal` event. */
  appendToOpen?: boolean;
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
  const message = input.message ?? input.title;
  return db.$transaction(async (tx) => {
    await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text AS locked`, `incident:${input.tenantId}:${input.dedupeKey}`);
    const existing = await tx.incident.findFirst({
      where: { tenantId: input.tenantId, dedupeKey: input.dedupeKey, status: { in: ["open", "acknowledged"] } },
      include: { runbook: { select: { title: true } } },
      orderBy: { openedAt: "desc" },
    });
    if (existing) {
      if (input.appendToOpen) {
        await tx.incidentEvent.create({ data: { id: newId("incidentEvent"), tenantId: input.tenantId, incidentId: existing.id, kind: "signal", message } });
      }
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
    await tx.incidentEvent.create({ data: { id: newId("incidentEvent"), tenantId: input.tenantId, incidentId: id, kind: "opened", message } });
    await tx.auditLog.create({
      data: {
        id: newId("audit"),
        tenantId: input.tenantId,
        actorType: "system",
        actorLabel: input.actorLabel ?? "worker",
        action: "incident:open",
        resourceType: "incident",
        resourceId: id,
        after: { signal: input.signal, dedupeKey: input.dedupeKey, severity: input.severity },
      },
    });
    return { id, title: input.title, runbookId: runbook?.id ?? null, runbookTitle: runbook?.title ?? null, opened: true };
  });
}

/** The moderation worker's form: a new signal on an open incident is added to it as an event. */
export async function openOrAppendIncident(db: Db, input: OpenIncidentInput): Promise<{ incidentId: string; opened: boolean }> {
  const r = await openIncidentOnce(db, { ...input, appendToOpen: true });
  return { incidentId: r.id, opened: r.opened };
}
