"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { roleCan } from "@/lib/authz/permissions";
import { useTenant } from "@/components/tenant/tenant-context";
import { NAV_GROUPS } from "./nav-items";

export function SidebarNav() {
  const { slug, role } = useTenant();
  const pathname = usePathname();
  const base = `/t/${slug}`;
  return (
    <nav className="nav" aria-label="Dashboard">
      {NAV_GROUPS.map((group) => {
        const items = group.items.filter((item) => roleCan(role, item.permission));
        if (items.length === 0) return null;
        return (
          <div key={group.label ?? "main"}>
            {group.label ? <div className="nav-group-label">{group.label}</div> : null}
            {items.map((item) => {
              const href = `${base}/${item.segment}`;
              const active = pathname === href || pathname.startsWith(`${href}/`);
              return (
                <Link key={item.segment} href={href} aria-current={active ? "page" : undefined}>
                  {item.label}
                </Link>
              );
            })}
          </div>
        );
      })}
    </nav>
  );
}
