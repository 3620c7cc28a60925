import type { z } from "zod";
import { ForbiddenError } from "@/lib/errors";
import type { PlatformCtx } from "@/lib/authz/context";
import { authenticate, clientIp, isSameOrigin, type Principal } from "@/lib/http/principal";
import { parseBody, parseParams, parseQuery, type Infer } from "@/lib/http/parse";
import { errorResponse, toResponse } from "@/lib/http/respond";
import { actorOf, type NextRouteHandler, type ParamsOf } from "@/lib/http/tenant-route";

export type { PlatformCtx } from "@/lib/authz/context";

export type PlatformRouteParams = Record<string, string>;

export interface PlatformHandlerArgs<B, Q, P = PlatformRouteParams> {
  ctx: PlatformCtx;
  principal: Principal;
  body: B;
  query: Q;
  params: P;
  req: Request;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The wrapper of the routes outside a tenant (/api/admin/me, /tenants,
 * platform tokens). `access: "platform_admin"` refuses everyone but platform
 * admins (users with the flag, or platform-wide admin tokens) with 403.
 */
export function platformRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(
  opts: { access: "authenticated" | "platform_admin"; body?: B; query?: Q; params?: P },
  handler: (args: PlatformHandlerArgs<Infer<B>, Infer<Q>, ParamsOf<P, PlatformRouteParams>>) => unknown,
): NextRouteHandler<PlatformRouteParams> {
  return async (req, context) => {
    const fields: Record<string, unknown> = { method: req.method, access: opts.access };
    try {
      const principal = await authenticate(req);
      const rawParams = await context.params;
      const isPlatformAdmin = principal.kind === "user" ? principal.user.isPlatformAdmin : principal.token.isPlatform;
      if (principal.kind === "user" && !SAFE_METHODS.has(req.method) && !isSameOrigin(req)) {
        throw new ForbiddenError("Cross-origin request refused");
      }
      if (opts.access === "platform_admin" && !isPlatformAdmin) throw new ForbiddenError("Only platform admins can do this");
      const ctx: PlatformCtx = {
        isPlatformAdmin,
        actor: actorOf(principal),
        userId: principal.kind === "user" ? principal.user.id : null,
        ip: clientIp(req),
      };
      const params = parseParams(rawParams, opts.params as P) as ParamsOf<P, PlatformRouteParams>;
      const query = parseQuery(req, opts.query as Q);
      const body = (await parseBody(req, opts.body as B)) as Infer<B>;
      return toResponse(await handler({ ctx, principal, body, query, params, req }));
    } catch (err) {
      return errorResponse(err, fields);
    }
  };
}
