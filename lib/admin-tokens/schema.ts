import { z } from "zod";
import { DateTimeInput, IsoDateTime } from "@/lib/http/schema";
import { TenantRole } from "@/lib/tenants/schema";

export const AdminTokenStatus = z.enum(["active", "revoked", "expired"]);

export const AdminToken = z.object({
  id: z.string(),
  name: z.string(),
  /** "gh_admin_ab12": enough to recognise the token, never the secret. */
  prefix: z.string(),
  /** null for platform-wide tokens. */
  tenantId: z.string().nullable(),
  role: TenantRole,
  isPlatform: z.boolean(),
  expiresAt: IsoDateTime.nullable(),
  revokedAt: IsoDateTime.nullable(),
  lastUsedAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  status: AdminTokenStatus,
});
export type AdminToken = z.infer<typeof AdminToken>;

export const CreateAdminTokenInput = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  role: TenantRole,
  expiresAt: DateTimeInput.nullable().optional(),
});
export type CreateAdminTokenInput = z.infer<typeof CreateAdminTokenInput>;

export const CreatePlatformAdminTokenInput = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  expiresAt: DateTimeInput.nullable().optional(),
});
export type CreatePlatformAdminTokenInput = z.infer<typeof CreatePlatformAdminTokenInput>;

/** The only response that ever carries the secret. */
export const CreatedAdminToken = z.object({ token: AdminToken, secret: z.string() });
export type CreatedAdminToken = z.infer<typeof CreatedAdminToken>;
