/**
 * Each row's share of its load-balanced group (enabled rows at the same
 * position, by weight): null for a target alone at its position.
 */
export function groupShares(rows: ReadonlyArray<{ position: number; weight: number; enabled: boolean }>): Array<number | null> {
  const totals = new Map<number, { weight: number; size: number }>();
  for (const r of rows) {
    const g = totals.get(r.position) ?? { weight: 0, size: 0 };
    totals.set(r.position, { weight: g.weight + (r.enabled && r.weight > 0 ? r.weight : 0), size: g.size + 1 });
  }
  return rows.map((r) => {
    const g = totals.get(r.position);
    if (!g || g.size < 2 || !Number.isFinite(r.position)) return null;
    return r.enabled && g.weight > 0 && r.weight > 0 ? r.weight / g.weight : 0;
  });
}
