import { Prisma } from "@/lib/generated/prisma/client";
import { ConflictError, GatehouseError, NotFoundError, toGatehouseError } from "@/lib/errors";
import { log } from "@/lib/log";

/**
 * Responses of the control-plane API: `{ data }` on success (lists with a
 * cursor: `{ data, nextCursor }`), the OpenAI-style error body on failure.
 * BigInt is serialised as a decimal string, Date as ISO 8601.
 */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** 201 with `{ data }`. */
export function created<T>(data: T): Reply {
  return new Reply(201, { data });
}

/** 200 with `{ data, nextCursor }`. */
export function paged<T>(page: Page<T>): Reply {
  return new Reply(200, { data: page.data, nextCursor: page.nextCursor });
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(toJson(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** Handler result -> Response. */
export function toResponse(result: unknown): Response {
  if (result instanceof Response) return result;
  if (result instanceof Reply) return jsonResponse(result.body, result.status);
  return jsonResponse({ data: result ?? null });
}

/** Maps storage errors the caller caused to typed errors; everything else stays unknown. */
function fromPrisma(err: unknown): GatehouseError | null {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return null;
  if (err.code === "P2002") {
    const target = (err.meta as { target?: unknown } | undefined)?.target;
    const fields = Array.isArray(target) ? target.map(String).filter((f) => f !== "tenantId" && f !== "tenant_id") : [];
    return new ConflictError(fields.length ? `A record with this ${fields.join(", ")} already exists` : "A record like this already exists", fields[0] ?? null);
  }
  if (err.code === "P2025") return new NotFoundError("record", "requested");
  return null;
}

/** Any error -> OpenAI-style body; unknown errors are logged and never leak their message. */
export function errorResponse(err: unknown, fields: Record<string, unknown> = {}): Response {
  const ge = fromPrisma(err) ?? toGatehouseError(err);
  if (ge.expected) {
    log("info", "admin_api.rejected", { ...fields, status: ge.status, code: ge.code });
  } else {
    const cause = err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { value: String(err) };
    log("error", "admin_api.failed", { ...fields, status: ge.status, code: ge.code, cause });
  }
  return jsonResponse(ge.toBody(), ge.status, ge.headers);
}
