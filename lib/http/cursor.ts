import { BadRequestError } from "@/lib/errors";

/**
 * Keyset cursors for lists ordered by (createdAt desc, id desc): opaque
 * base64url of `<iso time>|<id>`. Works with the (tenant_id, created_at desc)
 * indexes; no OFFSET.
 */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(pos: CursorPosition): string {
  return Buffer.from(`${pos.createdAt.toISOString()}|${pos.id}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string, param = "cursor"): CursorPosition {
  const raw = Buffer.from(cursor, "base64url").toString("utf8");
  const bar = raw.indexOf("|");
  const createdAt = new Date(bar > 0 ? raw.slice(0, bar) : "invalid");
  const id = raw.slice(bar + 1);
  if (bar <= 0 || Number.isNaN(createdAt.getTime()) || !id) throw new BadRequestError("Invalid cursor", param, "validation_failed");
  return { createdAt, id };
}

/**
 * Prisma `where` for rows strictly after the cursor in (createdAt desc, id desc) order.
 * The redundant `<= createdAt` bound is what an index range scan (and partition
 * pruning) can use; the OR alone makes Postgres walk every newer row first
 * (75 ms instead of 0.2 ms half-way down a million request logs).
 */
export function afterCursor(cursor: string | undefined | null, field: "createdAt" | "openedAt" = "createdAt") {
  if (!cursor) return {};
  const pos = decodeCursor(cursor);
  return {
    AND: [{ [field]: { lte: pos.createdAt } }, { OR: [{ [field]: { lt: pos.createdAt } }, { [field]: pos.createdAt, id: { lt: pos.id } }] }],
  };
}

/** Fetch `limit + 1` rows, then call this to split off the next cursor. */
export function toPage<T extends { id: string }, U>(rows: T[], limit: number, timeOf: (row: T) => Date, map: (row: T) => U) {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  const last = slice[slice.length - 1];
  return {
    data: slice.map(map),
    nextCursor: more && last ? encodeCursor({ createdAt: timeOf(last), id: last.id }) : null,
  };
}
