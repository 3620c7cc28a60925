/**
 * Measuring propagation in tests: how long after `t0` a probe first sees what
 * it waits for, and a p50/max summary of such measurements. The probes loop
 * on real requests (no sleeps); the caller asserts on the figures.
 */
export async function msUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  t0: number,
  opts: { timeoutMs?: number; what: string },
): Promise<number> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  for (;;) {
    const value = await probe();
    const now = performance.now();
    if (done(value)) return now - t0;
    if (now - t0 > timeoutMs) throw new Error(`${opts.what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
  }
}

export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Median and maximum of a set of durations, rounded to 0.1 ms. */
export function summarizeMs(xs: readonly number[]): { p50: number; max: number } {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: roundMs(sorted[Math.floor(sorted.length / 2)] ?? 0), max: roundMs(sorted.at(-1) ?? 0) };
}
