import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import type { ReactNode } from "react";
import { getSessionUser } from "@/lib/auth/session";
import { NotFoundError } from "@/lib/errors";
import { getTenantAccess, listTenantsForUser } from "@/lib/tenants/access";
import { SidebarNav } from "@/components/layout/sidebar-nav";
import { TenantSwitcher } from "@/components/layout/tenant-switcher";
import { UserMenu } from "@/components/layout/user-menu";
import { QueryProvider } from "@/components/tenant/query-provider";
import { TenantProvider } from "@/components/tenant/tenant-context";

/** Set by proxy.ts: the path (and query) being rendered, for the sign-in callbackUrl. */
const PATHNAME_HEADER = "x-gatehouse-pathname";

type Props = { children: ReactNode; params: Promise<{ tenant: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { tenant } = await params;
  return { title: { default: tenant, template: `%s · ${tenant} · Gatehouse` } };
}

/**
 * The dashboard shell. Resolves the session and the caller's role in this
 * tenant on the server (the same helpers the API uses): no session -> sign-in
 * with a callbackUrl back here; unknown tenant or no membership -> not found
 * (existence is not leaked).
 */
export default async function TenantLayout({ children, params }: Props) {
  const { tenant: slug } = await params;
  const user = await getSessionUser();
  if (!user) {
    const here = (await headers()).get(PATHNAME_HEADER);
    const callbackUrl = here && here.startsWith(`/t/`) ? here : `/t/${slug}/overview`;
    redirect(`/sign-in?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  }

  let access: Awaited<ReturnType<typeof getTenantAccess>>;
  try {
    access = await getTenantAccess(user, slug);
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
  const tenants = await listTenantsForUser(user);

  return (
    <TenantProvider
      value={{ slug: access.tenant.slug, name: access.tenant.name, role: access.role, isPlatformAdmin: user.isPlatformAdmin }}
    >
      <QueryProvider>
        <div className="shell">
          <aside className="sidebar">
            <div className="sidebar-brand">
              <span className="brand-mark" aria-hidden="true">
                G
              </span>
              Gatehouse
            </div>
            <TenantSwitcher tenants={tenants.map((t) => ({ slug: t.slug, name: t.name, role: t.role }))} />
            <SidebarNav />
            <UserMenu name={user.name} email={user.email} />
          </aside>
          <main className="main">{children}</main>
        </div>
      </QueryProvider>
    </TenantProvider>
  );
}
