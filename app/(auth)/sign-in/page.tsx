import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getOidcButton } from "@/lib/auth/options";
import { getSessionUser } from "@/lib/auth/session";
import { SignInForm } from "@/components/auth/sign-in-form";
import { safeCallbackUrl } from "@/components/auth/callback-url";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignInPage({ searchParams }: Props) {
  const query = await searchParams;
  const callbackUrl = safeCallbackUrl(query.callbackUrl);
  // Already signed in (and still a valid, enabled user): go straight on.
  if (await getSessionUser()) redirect(callbackUrl);
  const error = typeof query.error === "string" ? query.error : null;
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="sidebar-brand">
          <span className="brand-mark" aria-hidden="true">
            G
          </span>
          Gatehouse
        </div>
        <h1>Sign in</h1>
        <p className="lead">Sign in to manage your tenants, keys, prompts and routes.</p>
        <SignInForm callbackUrl={callbackUrl} initialError={error} sso={getOidcButton()} />
      </div>
    </main>
  );
}
