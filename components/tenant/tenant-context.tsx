"use client";

import { createContext, useContext, type ReactNode } from "react";
import { roleCan, type Permission, type TenantRole } from "@/lib/authz/permissions";

/**
 * What the dashboard shell knows about the current tenant and the signed-in
 * user's role in it (resolved on the server by getTenantAccess). Buttons use
 * useCan() - the same roleCan() check the server makes - so a role never sees
 * an action it may not take; the server still enforces it.
 */
export type TenantInfo = {
  slug: string;
  name: string;
  role: TenantRole;
  isPlatformAdmin: boolean;
};

const TenantContext = createContext<TenantInfo | null>(null);

export function TenantProvider({ value, children }: { value: TenantInfo; children: ReactNode }) {
  return <TenantContext.Provider value={value}>{children}</TenantContext.Provider>;
}

export function useTenant(): TenantInfo {
  const value = useContext(TenantContext);
  if (!value) throw new Error("useTenant() outside <TenantProvider>");
  return value;
}

export function useCan(permission: Permission): boolean {
  return roleCan(useTenant().role, permission);
}
