"use client";

import { Badge } from "@/components/ui/badge";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { useTenant } from "@/components/tenant/tenant-context";

export function UserMenu({ name, email }: { name: string; email: string }) {
  const { role, isPlatformAdmin } = useTenant();
  return (
    <section className="sidebar-user" aria-label="Signed-in user">
      <div>
        <div className="sidebar-user-name">{name || email}</div>
        <div className="sidebar-user-email">{email}</div>
      </div>
      <div className="sidebar-user-row">
        <div className="badges">
          <Badge className="badge-role">
            <span className="sr-only">Role: </span>
            {role}
          </Badge>
          {isPlatformAdmin ? <Badge>Platform admin</Badge> : null}
        </div>
        <SignOutButton variant="sidebar" size="sm" />
      </div>
    </section>
  );
}
