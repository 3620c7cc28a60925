import { AuthenticationError } from "@/lib/errors";
import { getSessionUserFromRequest, type SessionUser } from "@/lib/auth/session";
import { findActiveAdminToken, type ActiveAdminToken } from "@/lib/admin-tokens/verify";

/** Who called the control-plane API: a session user or an admin token. */
export type Principal = { kind: "user"; user: SessionUser } | { kind: "admin_token"; token: ActiveAdminToken };

/**
 * `Authorization: Bearer gh_admin_...` wins over the session cookie. Missing,
 * unknown, revoked or expired credentials are all 401; the message tells the
 * caller what to do, not which check failed.
 */
export async function authenticate(req: Request): Promise<Principal> {
  const authz = req.headers.get("authorization");
  if (authz) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
    if (!m?.[1]) throw new AuthenticationError("Malformed Authorization header; expected 'Bearer gh_admin_...'");
    const token = await findActiveAdminToken(m[1]);
    if (!token) throw new AuthenticationError("Invalid, revoked or expired admin token");
    return { kind: "admin_token", token };
  }
  const user = await getSessionUserFromRequest(req);
  if (!user) {
    const hasCookie = /next-auth\.session-token/.test(req.headers.get("cookie") ?? "");
    throw new AuthenticationError(hasCookie ? "Your session has expired; sign in again" : "Sign in or send an admin token");
  }
  return { kind: "user", user };
}

export function clientIp(req: Request): string | null {
  const fwd = req.headers.get("x-forwarded-for");
  if (fwd) return fwd.split(",")[0]?.trim() || null;
  return req.headers.get("x-real-ip");
}

/**
 * Cookie-authenticated writes must come from our own origin (next-auth's
 * SameSite=Lax cookie already blocks most cross-site posts; this closes the rest).
 */
export function isSameOrigin(req: Request): boolean {
  const origin = req.headers.get("origin");
  if (!origin) return true;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  const hosts = [req.headers.get("x-forwarded-host"), req.headers.get("host")];
  try {
    hosts.push(new URL(req.url).host);
  } catch {
    /* relative URL: ignore */
  }
  return hosts.some((h) => h !== null && h.split(",")[0]?.trim() === originHost);
}
