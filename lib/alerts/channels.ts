import { db } from "@/lib/db";
import { ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { roleCan } from "@/lib/authz/permissions";
import type { TenantCtx } from "@/lib/authz/context";
import { writeAudit } from "@/lib/audit/write";
import { Prisma } from "@/lib/generated/prisma/client";
import { previewUrl, sendAlert } from "@/lib/alerts/deliver";
import type {
  AlertChannel,
  AlertChannelTestResult,
  CreateAlertChannelInput,
  UpdateAlertChannelInput,
} from "@/lib/alerts/schema";

/**
 * Alert channels of a tenant: where budget alerts and incidents are sent
 * (workers/alert-delivery.ts). Every mutation checks `alerts:write` and
 * writes its audit row in the same transaction; the URL never leaves the
 * server (the API shows a preview).
 */

type ChannelRow = { id: string; name: string; kind: "webhook" | "slack"; url: string; enabled: boolean; createdAt: Date };

export function toAlertChannel(row: ChannelRow): AlertChannel {
  return { id: row.id, name: row.name, kind: row.kind, urlPreview: previewUrl(row.url), enabled: row.enabled, createdAt: row.createdAt.toISOString() };
}

function assertCanWrite(ctx: TenantCtx): void {
  if (!roleCan(ctx.role, "alerts:write")) throw new ForbiddenError(`Your role '${ctx.role}' does not allow alerts:write`);
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

export async function listAlertChannels(ctx: TenantCtx): Promise<AlertChannel[]> {
  const rows = await db.alertChannel.findMany({ where: { tenantId: ctx.tenantId }, orderBy: [{ name: "asc" }, { id: "asc" }] });
  return rows.map(toAlertChannel);
}

export async function createAlertChannel(ctx: TenantCtx, input: CreateAlertChannelInput): Promise<AlertChannel> {
  assertCanWrite(ctx);
  try {
    return await db.$transaction(async (tx) => {
      const row = await tx.alertChannel.create({
        data: { id: newId("alertChannel"), tenantId: ctx.tenantId, name: input.name, kind: input.kind, url: input.url, enabled: input.enabled },
      });
      const dto = toAlertChannel(row);
      await writeAudit(tx, ctx, { action: "alert_channel:create", resourceType: "alert_channel", resourceId: dto.id, after: dto });
      return dto;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`An alert channel named '${input.name}' already exists`);
    throw err;
  }
}

export async function updateAlertChannel(ctx: TenantCtx, id: string, input: UpdateAlertChannelInput): Promise<AlertChannel> {
  assertCanWrite(ctx);
  try {
    return await db.$transaction(async (tx) => {
      const row = await tx.alertChannel.findFirst({ where: { id, tenantId: ctx.tenantId } });
      if (!row) throw new NotFoundError("alert_channel", id);
      const updated = await tx.alertChannel.update({
        where: { id: row.id },
        data: { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.url !== undefined ? { url: input.url } : {}), ...(input.enabled !== undefined ? { enabled: input.enabled } : {}) },
      });
      const before = toAlertChannel(row);
      const after = toAlertChannel(updated);
      await writeAudit(tx, ctx, { action: "alert_channel:update", resourceType: "alert_channel", resourceId: id, before, after });
      return after;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`An alert channel named '${input.name ?? ""}' already exists`);
    throw err;
  }
}

export async function deleteAlertChannel(ctx: TenantCtx, id: string): Promise<AlertChannel> {
  assertCanWrite(ctx);
  return db.$transaction(async (tx) => {
    const row = await tx.alertChannel.findFirst({ where: { id, tenantId: ctx.tenantId } });
    if (!row) throw new NotFoundError("alert_channel", id);
    await tx.alertChannel.delete({ where: { id: row.id } });
    const before = toAlertChannel(row);
    await writeAudit(tx, ctx, { action: "alert_channel:delete", resourceType: "alert_channel", resourceId: id, before });
    return before;
  });
}

/** Sends a test alert now, from this process, and says what the receiver answered (audited: it reaches outside). */
export async function testAlertChannel(ctx: TenantCtx, id: string): Promise<AlertChannelTestResult> {
  assertCanWrite(ctx);
  const row = await db.alertChannel.findFirst({ where: { id, tenantId: ctx.tenantId } });
  if (!row) throw new NotFoundError("alert_channel", id);
  const result = await sendAlert(row.url, row.kind, {
    kind: "test",
    tenantId: ctx.tenantId,
    tenantSlug: ctx.tenantSlug,
    channelName: row.name,
    at: new Date().toISOString(),
  });
  await db.$transaction(async (tx) => {
    await writeAudit(tx, ctx, { action: "alert_channel:test", resourceType: "alert_channel", resourceId: id, after: result });
  });
  return result;
}
