import { NextResponse, type NextRequest } from "next/server";

/**
 * Passes the requested path to server components (layouts cannot read it), so
 * the dashboard shell can send a signed-out visitor to
 * /sign-in?callbackUrl=<the page they asked for>. No auth decisions here: the
 * shell and the API check the session themselves.
 */
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set("x-gatehouse-pathname", request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  matcher: ["/t/:path*"],
};
