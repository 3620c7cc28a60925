import type { z } from "zod";
import { db } from "@/lib/db";
import { ForbiddenError, NotFoundError } from "@/lib/errors";
import { roleCan, type Permission } from "@/lib/authz/permissions";
import type { TenantCtx } from "@/lib/authz/context";
import { getTenantAccess, type TenantAccess } from "@/lib/tenants/access";
import { authenticate, clientIp, isSameOrigin, type Principal } from "@/lib/http/principal";
import { parseBody, parseParams, parseQuery, type Infer } from "@/lib/http/parse";
import { errorResponse, toResponse } from "@/lib/http/respond";

export type { TenantCtx } from "@/lib/authz/context";

/** Dynamic segments of a tenant route: `[tenant]` plus any others (`[id]`). */
export type TenantRouteParams = { tenant: string } & Record<string, string>;

/** Route params after the optional `params` schema (default: the raw segments). */
export type ParamsOf<P, Default> = P extends z.ZodType ? z.output<P> : Default;

export interface TenantHandlerArgs<B, Q, P = TenantRouteParams> {
  ctx: TenantCtx;
  body: B;
  query: Q;
  params: P;
  req: Request;
}

export type NextRouteHandler<P> = (req: Request, context: { params: Promise<P> }) => Promise<Response>;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The tenant named in the URL and the caller's role in it (404 when the caller may not see it). */
export async function resolveTenantAccess(principal: Principal, slug: string): Promise<TenantAccess & { isPlatformAdmin: boolean }> {
  if (principal.kind === "user") {
    return { ...(await getTenantAccess(principal.user, slug)), isPlatformAdmin: principal.user.isPlatformAdmin };
  }
  const tenant = await db.tenant.findUnique({ where: { slug }, select: { id: true, slug: true, name: true } });
  const { token } = principal;
  if (!tenant || (!token.isPlatform && token.tenantId !== tenant.id)) throw new NotFoundError("tenant", slug);
  return { tenant, role: token.isPlatform ? "owner" : token.role, isPlatformAdmin: token.isPlatform };
}

export function actorOf(principal: Principal): TenantCtx["actor"] {
  return principal.kind === "user"
    ? { type: "user", id: principal.user.id, label: principal.user.email }
    : { type: "admin_token", id: principal.token.id, label: principal.token.name };
}

/**
 * The one wrapper of /api/admin/tenants/[tenant]/**: authenticate (session
 * cookie or admin token), resolve the tenant from the URL, check the declared
 * permission, parse query and body with zod, call the handler, serialise
 * `{ data }`. Handlers read as parse, call, respond.
 */
export function tenantRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(
  opts: { permission: Permission; body?: B; query?: Q; params?: P },
  handler: (args: TenantHandlerArgs<Infer<B>, Infer<Q>, ParamsOf<P, TenantRouteParams>>) => unknown,
): NextRouteHandler<TenantRouteParams> {
  return async (req, context) => {
    const fields: Record<string, unknown> = { method: req.method, permission: opts.permission };
    try {
      const principal = await authenticate(req);
      const rawParams = await context.params;
      const access = await resolveTenantAccess(principal, rawParams.tenant);
      fields.tenantId = access.tenant.id;
      if (principal.kind === "user" && !SAFE_METHODS.has(req.method) && !isSameOrigin(req)) {
        throw new ForbiddenError("Cross-origin request refused");
      }
      if (!roleCan(access.role, opts.permission)) {
        throw new ForbiddenError(`Your role '${access.role}' does not allow ${opts.permission}`);
      }
      const ctx: TenantCtx = {
        tenantId: access.tenant.id,
        tenantSlug: access.tenant.slug,
        role: access.role,
        isPlatformAdmin: access.isPlatformAdmin,
        actor: actorOf(principal),
        ip: clientIp(req),
      };
      const params = parseParams(rawParams, opts.params as P) as ParamsOf<P, TenantRouteParams>;
      const query = parseQuery(req, opts.query as Q);
      const body = (await parseBody(req, opts.body as B)) as Infer<B>;
      return toResponse(await handler({ ctx, body, query, params, req }));
    } catch (err) {
      return errorResponse(err, fields);
    }
  };
}
