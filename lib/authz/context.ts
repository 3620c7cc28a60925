import type { TenantRole } from "@/lib/authz/permissions";

/** Who is acting: a signed-in user or an admin token. */
export interface Actor {
  type: "user" | "admin_token";
  id: string;
  /** Email of the user or name of the token, for the audit log. */
  label: string;
}

/** The context every tenant-scoped service function takes first. */
export interface TenantCtx {
  tenantId: string;
  tenantSlug: string;
  role: TenantRole;
  isPlatformAdmin: boolean;
  actor: Actor;
  /** Caller IP for the audit log, when known. */
  ip?: string | null;
}

/** Platform-level context (no tenant): tenant creation, platform tokens. */
export interface PlatformCtx {
  isPlatformAdmin: boolean;
  actor: Actor;
  /** The signed-in user, when the actor is a user. */
  userId: string | null;
  ip?: string | null;
}
