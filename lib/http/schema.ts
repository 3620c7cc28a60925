import { z } from "zod";

/**
 * Wire-level building blocks shared by every domain's schema.ts (pure zod,
 * browser-safe): what the JSON API actually sends, so the UI can parse
 * responses with the same schemas the OpenAPI document is generated from.
 */

/** A timestamp as sent by the API (UTC, ISO 8601). */
export const IsoDateTime = z.iso.datetime({ offset: true });

/** Integer micro-dollars as a decimal string (BigInt on the server). */
export const Micros = z.string().regex(/^-?\d+$/, "must be an integer number of micro-dollars");

/** A prefixed id (`key_...`, `ten_...`). */
export const Id = z.string().min(3).max(64).regex(/^[a-z]+_[0-9a-z]+$/, "must be a Gatehouse id");

/** Free-form JSON stored in a Prisma Json column. */
export const JsonValue: z.ZodType<unknown> = z.unknown();

export const CursorQuery = z.object({
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type CursorQuery = z.infer<typeof CursorQuery>;

/** `{ data: [...], nextCursor }` */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}

/** `{ data: ... }` */
export function dataOf<T extends z.ZodType>(item: T) {
  return z.object({ data: item });
}

export const ErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A date-time in a request body: ISO 8601, turned into a Date. */
export const DateTimeInput = z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" }).transform((s) => new Date(s));

export const toIso = (d: Date): string => d.toISOString();
export const toIsoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** `[tenant]/.../[id]` route params. */
export const TenantIdParams = z.object({ tenant: z.string().min(1), id: z.string().min(1).max(64) });
/** `.../[id]` route params outside a tenant. */
export const IdParams = z.object({ id: z.string().min(1).max(64) });
