import type { AuthOptions, Profile, User } from "next-auth";
import type { Provider } from "next-auth/providers/index";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { verifyAgainstDummy, verifyPassword } from "@/lib/auth/password";
import { SESSION_MAX_AGE_SECONDS, useSecureCookies } from "@/lib/auth/session-token";

/**
 * next-auth v4 options: JWT sessions, email + password (argon2id) and, when
 * OIDC_ISSUER/OIDC_CLIENT_ID/OIDC_CLIENT_SECRET are set, one OIDC provider
 * (id "oidc") that only signs in EXISTING users whose email the IdP says is
 * verified. The JWT carries only the user id; lib/auth/session.ts re-loads
 * the user row on every request, so a disabled user is out at once.
 */

declare module "next-auth" {
  interface Session {
    user: { id: string; email: string; name: string; isPlatformAdmin: boolean };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    /** Gatehouse user id (for OIDC sign-ins this is NOT the IdP subject). */
    uid?: string;
    isPlatformAdmin?: boolean;
  }
}

export const INVALID_CREDENTIALS = "Invalid email or password";

const CredentialsInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  password: z.string().min(1).max(1024),
});

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

async function findUserByEmail(email: string) {
  return db.user.findFirst({ where: { email: { equals: normaliseEmail(email), mode: "insensitive" } } });
}

/**
 * The Credentials check, exported so tests drive exactly what next-auth runs.
 * Returns null on ANY failure (unknown email, wrong password, disabled user,
 * malformed input); next-auth then shows one generic message.
 */
export async function authorizeCredentials(credentials: Record<string, unknown> | undefined): Promise<User | null> {
  const parsed = CredentialsInput.safeParse(credentials ?? {});
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const user = await findUserByEmail(email);
  if (!user || !user.passwordHash || user.disabled) {
    await verifyAgainstDummy(password);
    log("info", "auth.sign_in_failed", { reason: "unknown_or_disabled" });
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password))) {
    log("info", "auth.sign_in_failed", { userId: user.id, reason: "password" });
    return null;
  }
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  log("info", "auth.sign_in", { userId: user.id, provider: "credentials" });
  return { id: user.id, email: user.email, name: user.name };
}

interface OidcProfile extends Profile {
  sub?: string;
  email?: string;
  email_verified?: boolean | string;
  name?: string;
  preferred_username?: string;
}

function oidcSettings(): { issuer: string; clientId: string; clientSecret: string; name: string } | null {
  const { OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_NAME } = process.env;
  if (!OIDC_ISSUER || !OIDC_CLIENT_ID || !OIDC_CLIENT_SECRET) return null;
  return { issuer: OIDC_ISSUER.replace(/\/+$/, ""), clientId: OIDC_CLIENT_ID, clientSecret: OIDC_CLIENT_SECRET, name: OIDC_NAME || "Single sign-on" };
}

/** For the sign-in page: whether to show the SSO button, and its label. */
export function getOidcButton(): { id: "oidc"; name: string } | null {
  const s = oidcSettings();
  return s ? { id: "oidc", name: s.name } : null;
}

function buildProviders(): Provider[] {
  const providers: Provider[] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      authorize: (credentials) => authorizeCredentials(credentials),
    }),
  ];
  const oidc = oidcSettings();
  if (oidc) {
    providers.push({
      id: "oidc",
      name: oidc.name,
      type: "oauth",
      wellKnown: `${oidc.issuer}/.well-known/openid-configuration`,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      profile(profile: OidcProfile) {
        return {
          id: profile.sub ?? "",
          email: profile.email ?? null,
          name: profile.name ?? profile.preferred_username ?? profile.email ?? null,
        };
      },
    });
  }
  return providers;
}

function isVerified(profile: OidcProfile | undefined): boolean {
  const v = profile?.email_verified;
  return v === true || v === "true";
}

/**
 * OIDC sign-in links to an existing, enabled user by a VERIFIED email only;
 * nobody is created on the fly (an owner adds members first).
 */
export async function allowOidcSignIn(profile: OidcProfile | undefined): Promise<string | null> {
  if (!profile?.email || !isVerified(profile)) {
    log("info", "auth.sign_in_failed", { provider: "oidc", reason: "email_not_verified" });
    return null;
  }
  const user = await findUserByEmail(profile.email);
  if (!user || user.disabled) {
    log("info", "auth.sign_in_failed", { provider: "oidc", reason: "no_such_user" });
    return null;
  }
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  log("info", "auth.sign_in", { userId: user.id, provider: "oidc" });
  return user.id;
}

export const authOptions: AuthOptions = {
  get secret() {
    return getEnv().NEXTAUTH_SECRET;
  },
  get providers() {
    return buildProviders();
  },
  get useSecureCookies() {
    return useSecureCookies();
  },
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS, updateAge: 60 * 60 },
  jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/sign-in", error: "/sign-in" },
  callbacks: {
    async signIn({ account, profile }) {
      if (account?.provider === "oidc") return (await allowOidcSignIn(profile as OidcProfile | undefined)) !== null;
      return account?.provider === "credentials";
    },
    async jwt({ token, user, account, profile }) {
      if (account && user) {
        if (account.provider === "oidc") {
          const p = profile as OidcProfile | undefined;
          const dbUser = p?.email ? await findUserByEmail(p.email) : null;
          if (!dbUser) return { ...token, uid: undefined };
          token.uid = dbUser.id;
          token.sub = dbUser.id;
          token.email = dbUser.email;
          token.name = dbUser.name;
          token.isPlatformAdmin = dbUser.isPlatformAdmin;
        } else {
          const dbUser = await db.user.findUnique({ where: { id: user.id } });
          token.uid = user.id;
          token.isPlatformAdmin = dbUser?.isPlatformAdmin ?? false;
        }
      }
      return token;
    },
    async session({ session, token }) {
      session.user = {
        id: token.uid ?? "",
        email: token.email ?? "",
        name: token.name ?? "",
        isPlatformAdmin: token.isPlatformAdmin ?? false,
      };
      return session;
    },
  },
  logger: {
    error: (code, metadata) => log("warn", "auth.next_auth_error", { code, message: metadata instanceof Error ? metadata.message : undefined }),
    warn: (code) => log("warn", "auth.next_auth_warning", { code }),
    debug: () => {},
  },
};
