import { decode, encode, type JWT } from "next-auth/jwt";
import { getEnv } from "@/lib/env";

/**
 * The next-auth session cookie, read without next/headers so the same code
 * serves server components (cookies()) and route handlers (the Request), and
 * tests can drive it with a plain Request.
 */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

export function useSecureCookies(): boolean {
  const env = getEnv();
  return env.GATEHOUSE_SECURE_COOKIES ?? env.NEXTAUTH_URL?.startsWith("https://") ?? false;
}

export function sessionCookieName(secure = useSecureCookies()): string {
  return secure ? "__Secure-next-auth.session-token" : "next-auth.session-token";
}

export function parseCookieHeader(header: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      out.set(name, decodeURIComponent(raw));
    } catch {
      out.set(name, raw);
    }
  }
  return out;
}

/** next-auth splits large cookies into `<name>.0`, `<name>.1`, ...; join them back. */
function sessionCookieValue(cookies: ReadonlyMap<string, string>): string | null {
  const name = sessionCookieName();
  const whole = cookies.get(name);
  if (whole) return whole;
  const chunks = [...cookies.entries()]
    .filter(([k]) => k.startsWith(`${name}.`) && /^\d+$/.test(k.slice(name.length + 1)))
    .sort(([a], [b]) => Number(a.slice(name.length + 1)) - Number(b.slice(name.length + 1)));
  return chunks.length ? chunks.map(([, v]) => v).join("") : null;
}

/** The decoded JWT, or null when absent, tampered with or expired. */
export async function readSessionToken(cookies: ReadonlyMap<string, string>): Promise<JWT | null> {
  const token = sessionCookieValue(cookies);
  if (!token) return null;
  try {
    return await decode({ token, secret: getEnv().NEXTAUTH_SECRET });
  } catch {
    return null;
  }
}

/** A session cookie for a user, exactly as next-auth would set it (tests, scripts). */
export async function createSessionCookie(userId: string, opts: { maxAgeSeconds?: number } = {}): Promise<string> {
  const token = await encode({
    token: { sub: userId, uid: userId },
    secret: getEnv().NEXTAUTH_SECRET,
    maxAge: opts.maxAgeSeconds ?? SESSION_MAX_AGE_SECONDS,
  });
  return `${sessionCookieName()}=${token}`;
}
