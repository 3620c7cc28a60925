import { z } from "zod";
import { CursorQuery, IsoDateTime, JsonValue } from "@/lib/http/schema";

export const AuditLogEntry = z.object({
  id: z.string(),
  tenantId: z.string().nullable(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actorLabel: z.string(),
  action: z.string(),
  resourceType: z.string(),
  resourceId: z.string().nullable(),
  before: JsonValue.nullable(),
  after: JsonValue.nullable(),
  ip: z.string().nullable(),
  createdAt: IsoDateTime,
});
export type AuditLogEntry = z.infer<typeof AuditLogEntry>;

export const ListAuditLogQuery = CursorQuery.extend({
  action: z.string().max(100).optional(),
  resourceType: z.string().max(100).optional(),
  resourceId: z.string().max(100).optional(),
});
export type ListAuditLogQuery = z.infer<typeof ListAuditLogQuery>;
