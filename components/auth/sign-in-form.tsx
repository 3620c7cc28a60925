"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";

const INVALID = "Invalid email or password";

/** next-auth error codes (?error=...) worth a sentence of their own. */
function describeError(code: string): string {
  switch (code) {
    case "CredentialsSignin":
      return INVALID;
    case "SessionRequired":
      return "Your session has ended. Sign in again to continue.";
    case "AccessDenied":
      return "Your account is not allowed to sign in. Ask a tenant owner or a platform admin.";
    case "OAuthSignin":
    case "OAuthCallback":
    case "OAuthAccountNotLinked":
    case "Callback":
      return "Single sign-on did not complete. Try again, or sign in with your email and password.";
    default:
      return "Sign-in failed. Try again.";
  }
}

export type SsoProvider = { id: string; name: string };

/** `sso` is the OIDC provider when one is configured (the server reads it from the auth options). */
export function SignInForm({
  callbackUrl,
  initialError,
  sso,
}: {
  callbackUrl: string;
  initialError: string | null;
  sso: SsoProvider | null;
}) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(initialError ? describeError(initialError) : null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!email.trim() || !password) {
      setError("Enter your email and password.");
      return;
    }
    setPending(true);
    setError(null);
    try {
      const res = await signIn("credentials", { email: email.trim(), password, redirect: false, callbackUrl });
      if (!res || res.error || !res.ok) {
        setError(res?.error && res.error !== "CredentialsSignin" ? describeError(res.error) : INVALID);
        setPending(false);
        return;
      }
      // A full load, so the server shell renders with the new session cookie.
      window.location.assign(callbackUrl);
    } catch {
      setError("Could not reach the server. Check your connection and try again.");
      setPending(false);
    }
  }

  return (
    <div>
      <form className="form" onSubmit={onSubmit} noValidate aria-describedby={error ? "sign-in-error" : undefined}>
        {error ? (
          <div id="sign-in-error" className="alert alert-error" role="alert">
            {error}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            className="input"
            autoComplete="username"
            autoFocus
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            className="input"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <Button type="submit" variant="primary" className="btn-block" pending={pending} pendingLabel="Signing in…">
          Sign in
        </Button>
      </form>
      {sso ? (
        <>
          <div className="divider">or</div>
          <Button className="btn-block" onClick={() => void signIn(sso.id, { callbackUrl })}>
            Continue with {sso.name}
          </Button>
        </>
      ) : null}
    </div>
  );
}
