/**
 * Where to go after signing in. Only same-site paths are allowed (no open
 * redirect): "/t/acme/members" stays, "https://evil.example/x" and
 * "//evil.example" become their path or "/".
 */
export function safeCallbackUrl(raw: string | string[] | null | undefined): string {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return "/";
  let path = value;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    try {
      const u = new URL(value);
      path = u.pathname + u.search;
    } catch {
      return "/";
    }
  }
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return "/";
  if (path.startsWith("/sign-in") || path.startsWith("/api/")) return "/";
  return path;
}
