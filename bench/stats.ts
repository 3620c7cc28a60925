/**
 * Latency percentiles from every sample (a sorted Float64Array: exact, and
 * cheap at these sizes: a 10 s phase at 1,000 req/s is 10,000 samples; a
 * saturation phase a few tens of thousands).
 */
export interface LatencySummary {
  count: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

/** A growable buffer of float samples (milliseconds). */
export class Samples {
  private buf = new Float64Array(1024);
  private n = 0;

  push(value: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = value;
  }

  get length(): number {
    return this.n;
  }

  summary(): LatencySummary | null {
    if (this.n === 0) return null;
    const sorted = this.buf.slice(0, this.n).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      count: this.n,
      minMs: round3(sorted[0] ?? 0),
      p50Ms: round3(quantile(sorted, 0.5)),
      p90Ms: round3(quantile(sorted, 0.9)),
      p99Ms: round3(quantile(sorted, 0.99)),
      p999Ms: round3(quantile(sorted, 0.999)),
      maxMs: round3(sorted[this.n - 1] ?? 0),
      meanMs: round3(sum / this.n),
    };
  }
}

/** Nearest-rank quantile of a sorted array (the value at or below which q of the samples lie). */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
