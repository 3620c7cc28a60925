/** Prisma Json column -> plain object (anything else -> {}). */
export function asRecord(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Prisma Json column -> array (anything else -> []). */
export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function isoOrNull(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}
