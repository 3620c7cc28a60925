import { redirect } from "next/navigation";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { getSessionUser } from "@/lib/auth/session";
import { listTenantsForUser } from "@/lib/tenants/access";

export const dynamic = "force-dynamic";

/** `/`: the first tenant's overview when signed in, otherwise the sign-in page. */
export default async function Home() {
  const user = await getSessionUser();
  if (!user) redirect("/sign-in");
  const tenants = await listTenantsForUser(user);
  const first = tenants[0];
  if (first) redirect(`/t/${encodeURIComponent(first.slug)}/overview`);
  return (
    <main className="center-page">
      <div>
        <h1>No tenants yet</h1>
        <p>
          You are signed in as {user.email}, but you are not a member of any tenant. Ask a tenant owner to add you on their
          Members page{user.isPlatformAdmin ? ", or create a tenant through POST /api/admin/tenants" : ""}.
        </p>
        <SignOutButton />
      </div>
    </main>
  );
}
