import type { UsageGranularity, UsagePoint } from "@/lib/usage/schema";

/** Chart rows: one per bucket of the range (empty buckets as zeros), one column per group. */

const BUCKET_MS: Record<UsageGranularity, number> = { hour: 3_600_000, day: 24 * 3_600_000 };

export function bucketsOf(granularity: UsageGranularity, from: string, to: string): number[] {
  const size = BUCKET_MS[granularity];
  const start = Math.floor(new Date(from).getTime() / size) * size;
  const end = new Date(to).getTime();
  const out: number[] = [];
  for (let t = start; t < end && out.length < 2_000; t += size) out.push(t);
  return out;
}

export const OTHER = "Other";

/** The `max` groups with the highest cost (the rest are summed as "Other"). */
export function topKeys(points: readonly UsagePoint[], max: number): string[] {
  const cost = new Map<string, bigint>();
  for (const p of points) cost.set(p.key, (cost.get(p.key) ?? 0n) + BigInt(p.costMicros));
  return [...cost.entries()].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0].localeCompare(b[0]))).slice(0, max).map(([k]) => k);
}

export type ChartRow = { t: number } & Record<string, number>;

/** Rows for `metric` (dollars for cost, counts for tokens), keyed by group. */
export function pivot(
  points: readonly UsagePoint[],
  buckets: readonly number[],
  keys: readonly string[],
  metric: (p: UsagePoint) => number,
): { rows: ChartRow[]; columns: string[] } {
  const kept = new Set(keys);
  const hasOther = points.some((p) => !kept.has(p.key));
  const columns = hasOther ? [...keys, OTHER] : [...keys];
  const byBucket = new Map<number, ChartRow>();
  for (const t of buckets) {
    const row: ChartRow = { t } as ChartRow;
    for (const c of columns) row[c] = 0;
    byBucket.set(t, row);
  }
  for (const p of points) {
    const t = new Date(p.bucketStart).getTime();
    const row = byBucket.get(t);
    if (!row) continue;
    const col = kept.has(p.key) ? p.key : OTHER;
    row[col] = (row[col] ?? 0) + metric(p);
  }
  return { rows: [...byBucket.values()], columns };
}

export function microsToDollars(micros: string): number {
  return Number(BigInt(micros)) / 1_000_000;
}
