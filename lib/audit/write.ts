import type { Prisma } from "@/lib/generated/prisma/client";
import { newId } from "@/lib/ids";
import type { PlatformCtx, TenantCtx } from "@/lib/authz/context";

export type Tx = Prisma.TransactionClient;

export interface AuditEntry {
  /** `resource:verb`, e.g. "api_key:create". */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  /** Public shapes only (DTOs): never secrets, hashes or ciphertexts. */
  before?: unknown;
  after?: unknown;
  /** For platform contexts: the tenant the action concerns, if any. */
  tenantId?: string | null;
}

function isTenantCtx(ctx: TenantCtx | PlatformCtx): ctx is TenantCtx {
  return "tenantId" in ctx;
}

/** JSON-safe copy (BigInt -> string, Date -> ISO) for a Json column. */
function toJsonValue(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Prisma.InputJsonValue;
}

/**
 * Writes one audit row with `tx`, the transaction of the mutation itself: if
 * the mutation rolls back, so does its audit row, and vice versa.
 */
export async function writeAudit(tx: Tx, ctx: TenantCtx | PlatformCtx, entry: AuditEntry): Promise<void> {
  await tx.auditLog.create({
    data: {
      id: newId("audit"),
      tenantId: isTenantCtx(ctx) ? ctx.tenantId : (entry.tenantId ?? null),
      actorType: ctx.actor.type,
      actorId: ctx.actor.id,
      actorLabel: ctx.actor.label,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId ?? null,
      before: toJsonValue(entry.before),
      after: toJsonValue(entry.after),
      ip: ctx.ip ?? null,
    },
  });
}
