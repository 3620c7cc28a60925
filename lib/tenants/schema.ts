import { z } from "zod";
import { TENANT_ROLES } from "@/lib/authz/permissions";
import { IsoDateTime } from "@/lib/http/schema";

export const TenantRole = z.enum(TENANT_ROLES);

export const TenantSlug = z
  .string()
  .trim()
  .toLowerCase()
  .min(2, "must be at least 2 characters")
  .max(40, "must be at most 40 characters")
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "must be lower-case letters, digits and dashes, not starting or ending with a dash");

/** Validated contents of `tenants.settings` (unknown keys kept for later issues). */
export const TenantSettings = z
  .object({
    /** Days request logs are kept before the retention job prunes them. */
    requestLogRetentionDays: z.number().int().min(1).max(3650).optional(),
    /** Whether prompts and completions are stored in the request log at all. */
    storeRequestBodies: z.boolean().optional(),
  })
  .loose();
export type TenantSettings = z.infer<typeof TenantSettings>;

export const Tenant = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  settings: TenantSettings,
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Tenant = z.infer<typeof Tenant>;

export const TenantListItem = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  role: TenantRole,
});
export type TenantListItem = z.infer<typeof TenantListItem>;

export const CreateTenantInput = z.object({
  slug: TenantSlug,
  name: z.string().trim().min(1, "is required").max(100),
  /** Optional: an existing user who becomes the tenant's first owner. */
  ownerEmail: z.email().optional(),
});
export type CreateTenantInput = z.infer<typeof CreateTenantInput>;

export const SessionUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  isPlatformAdmin: z.boolean(),
});

export const Me = z.object({
  /** The signed-in user; null when the caller is an admin token. */
  user: SessionUserSchema.nullable(),
  actor: z.object({ type: z.enum(["user", "admin_token"]), id: z.string(), label: z.string() }),
  tenants: z.array(TenantListItem),
});
export type Me = z.infer<typeof Me>;
