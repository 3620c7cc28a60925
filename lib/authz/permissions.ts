/**
 * RBAC as data: role -> permission list. PURE (no server imports): the server
 * checks these in lib/http/tenant-route.ts and the dashboard uses the same
 * `roleCan` to hide what a role cannot do.
 */

export const TENANT_ROLES = ["owner", "admin", "developer", "support", "viewer"] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

export const ALL_PERMISSIONS = [
  "tenant:read",
  "members:read",
  "members:write",
  /** Grant or take away the owner role (owners only). */
  "owners:write",
  "api_keys:read",
  "api_keys:write",
  "admin_tokens:read",
  "admin_tokens:write",
  "providers:read",
  "providers:write",
  "routes:read",
  "routes:write",
  "features:read",
  "features:write",
  "flags:read",
  "flags:write",
  "kill_switches:write",
  "prompts:read",
  "prompts:write",
  "prompts:promote",
  "budgets:read",
  "budgets:write",
  "guards:read",
  "guards:write",
  "evals:read",
  "evals:write",
  "incidents:read",
  "incidents:write",
  "runbooks:read",
  "runbooks:write",
  "alerts:read",
  "alerts:write",
  "requests:read",
  "feedback:write",
  "audit:read",
  "settings:write",
] as const;

export type Permission = (typeof ALL_PERMISSIONS)[number];

const READS = ALL_PERMISSIONS.filter((p) => p.endsWith(":read"));

export const ROLE_PERMISSIONS: Record<TenantRole, readonly Permission[]> = {
  owner: ALL_PERMISSIONS,
  admin: ALL_PERMISSIONS.filter((p) => p !== "owners:write"),
  developer: [
    ...READS,
    "api_keys:write",
    "routes:write",
    "features:write",
    "flags:write",
    "prompts:write",
    "prompts:promote",
    "evals:write",
  ],
  support: [...READS, "feedback:write", "evals:write"],
  viewer: READS,
};

const lookup: Record<TenantRole, ReadonlySet<Permission>> = {
  owner: new Set(ROLE_PERMISSIONS.owner),
  admin: new Set(ROLE_PERMISSIONS.admin),
  developer: new Set(ROLE_PERMISSIONS.developer),
  support: new Set(ROLE_PERMISSIONS.support),
  viewer: new Set(ROLE_PERMISSIONS.viewer),
};

export function roleCan(role: TenantRole, permission: Permission): boolean {
  return lookup[role].has(permission);
}

export function isTenantRole(value: unknown): value is TenantRole {
  return typeof value === "string" && (TENANT_ROLES as readonly string[]).includes(value);
}

/** Roles `actor` may hand out (to a member or an admin token): owner only with owners:write. */
export function grantableRoles(actor: TenantRole): TenantRole[] {
  if (!roleCan(actor, "members:write") && !roleCan(actor, "admin_tokens:write")) return [];
  return TENANT_ROLES.filter((r) => r !== "owner" || roleCan(actor, "owners:write"));
}
