"use client";

import { usePathname, useRouter } from "next/navigation";
import { useId } from "react";
import { useTenant } from "@/components/tenant/tenant-context";

export type TenantOption = { slug: string; name: string; role: string };

/** Switching tenant keeps the area: /t/acme/api-keys -> /t/globex/api-keys. */
export function TenantSwitcher({ tenants }: { tenants: TenantOption[] }) {
  const { slug } = useTenant();
  const pathname = usePathname();
  const router = useRouter();
  const id = useId();
  return (
    <div className="sidebar-section">
      <label className="sidebar-label" htmlFor={id}>
        Tenant
      </label>
      <select
        id={id}
        className="tenant-select"
        value={slug}
        onChange={(e) => {
          const next = e.target.value;
          const prefix = `/t/${slug}`;
          const rest = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : "";
          // Keep only the area, not a resource id that belongs to the old tenant.
          const area = rest.split("/").filter(Boolean)[0] ?? "overview";
          router.push(`/t/${encodeURIComponent(next)}/${area}`);
        }}
      >
        {tenants.map((t) => (
          <option key={t.slug} value={t.slug}>
            {t.name}
          </option>
        ))}
      </select>
    </div>
  );
}
