import { describe, expect, it } from "vitest";
import { ALL_PERMISSIONS, grantableRoles, isTenantRole, ROLE_PERMISSIONS, roleCan, TENANT_ROLES, type Permission } from "@/lib/authz/permissions";

const writes = (role: (typeof TENANT_ROLES)[number]) => ROLE_PERMISSIONS[role].filter((p) => !p.endsWith(":read")).sort();

describe("permissions", () => {
  it("names permissions resource:action, each once", () => {
    for (const p of ALL_PERMISSIONS) expect(p).toMatch(/^[a-z_]+:[a-z_]+$/);
    expect(new Set(ALL_PERMISSIONS).size).toBe(ALL_PERMISSIONS.length);
  });

  it("includes every permission the contract names", () => {
    const contract: Permission[] = [
      "tenant:read", "members:read", "members:write", "api_keys:read", "api_keys:write", "admin_tokens:read",
      "admin_tokens:write", "providers:read", "providers:write", "routes:read", "routes:write", "flags:read",
      "flags:write", "kill_switches:write", "prompts:read", "prompts:write", "prompts:promote", "budgets:read",
      "budgets:write", "guards:read", "guards:write", "evals:read", "evals:write", "incidents:read",
      "incidents:write", "runbooks:read", "runbooks:write", "requests:read", "feedback:write", "audit:read", "settings:write",
    ];
    expect(ALL_PERMISSIONS).toEqual(expect.arrayContaining(contract));
  });

  it("owner has everything; admin everything but ownership changes", () => {
    expect([...ROLE_PERMISSIONS.owner].sort()).toEqual([...ALL_PERMISSIONS].sort());
    expect(ALL_PERMISSIONS.filter((p) => !roleCan("admin", p))).toEqual(["owners:write"]);
  });

  it("every role reads everything", () => {
    for (const role of TENANT_ROLES) for (const p of ALL_PERMISSIONS.filter((x) => x.endsWith(":read"))) expect(roleCan(role, p)).toBe(true);
  });

  it("developer, support and viewer write exactly their areas", () => {
    expect(writes("developer")).toEqual(
      ["api_keys:write", "evals:write", "features:write", "flags:write", "prompts:promote", "prompts:write", "routes:write"].sort(),
    );
    expect(writes("support")).toEqual(["evals:write", "feedback:write"]);
    expect(writes("viewer")).toEqual([]);
    for (const role of ["developer", "support", "viewer"] as const) {
      for (const p of ["members:write", "providers:write", "admin_tokens:write", "kill_switches:write", "settings:write", "owners:write"] as const) {
        expect(roleCan(role, p), `${role} ${p}`).toBe(false);
      }
    }
  });

  it("only owners may hand out the owner role", () => {
    expect(grantableRoles("owner")).toEqual([...TENANT_ROLES]);
    expect(grantableRoles("admin")).toEqual(["admin", "developer", "support", "viewer"]);
    expect(grantableRoles("developer")).toEqual([]);
    expect(grantableRoles("viewer")).toEqual([]);
  });

  it("recognises roles", () => {
    expect(isTenantRole("support")).toBe(true);
    expect(isTenantRole("root")).toBe(false);
    expect(isTenantRole(undefined)).toBe(false);
  });
});
