import { db } from "@/lib/db";
import { parseCookieHeader, readSessionToken } from "@/lib/auth/session-token";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
}

/** Re-loads the user row, so a disabled or deleted user is signed out at once. */
export async function loadSessionUser(userId: string | undefined): Promise<SessionUser | null> {
  if (!userId) return null;
  const user = await db.user.findUnique({ where: { id: userId } });
  if (!user || user.disabled) return null;
  return { id: user.id, email: user.email, name: user.name, isPlatformAdmin: user.isPlatformAdmin };
}

/** The user of a Request's session cookie (route handlers); null when absent or expired. */
export async function getSessionUserFromRequest(req: Request): Promise<SessionUser | null> {
  const token = await readSessionToken(parseCookieHeader(req.headers.get("cookie")));
  return loadSessionUser(token?.uid ?? token?.sub);
}

/**
 * The signed-in user in server components, server actions and route handlers
 * (reads the cookie through next/headers); null when signed out or expired.
 */
export async function getSessionUser(): Promise<SessionUser | null> {
  const { cookies } = await import("next/headers");
  const jar = await cookies();
  const map = new Map(jar.getAll().map((c) => [c.name, c.value] as const));
  const token = await readSessionToken(map);
  return loadSessionUser(token?.uid ?? token?.sub);
}
