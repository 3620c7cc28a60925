/**
 * Dollars typed in a form <-> integer micro-dollars (strings, as the API
 * takes them). Pure: no float arithmetic, so "0.1" is exactly 100000.
 */

/** "12.5", "$1,000", "0.000001" -> micro-dollars as a string; null when it is not an amount (or has more than 6 decimals). */
export function dollarsToMicros(input: string): string | null {
  const clean = input.trim().replace(/^\$/, "").replace(/,/g, "");
  const m = /^(\d{1,9})(?:\.(\d{0,6}))?$/.exec(clean) ?? /^()\.(\d{1,6})$/.exec(clean);
  if (!m) return null;
  const whole = BigInt(m[1] || "0");
  const frac = BigInt((m[2] ?? "").padEnd(6, "0") || "0");
  return (whole * 1_000_000n + frac).toString();
}

/** Micro-dollars -> the amount as typed in a form ("12.5", "0.000001"). */
export function microsToDollars(micros: string): string {
  const v = BigInt(micros);
  const whole = v / 1_000_000n;
  const frac = (v % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** Share of the limit used (spent + reserved), 0..1+ (may exceed 1 for a soft budget). */
export function usedShare(spent: string, reserved: string, limit: string): number {
  const l = BigInt(limit);
  if (l <= 0n) return 0;
  // basis points, integer-exact, then to a fraction
  return Number(((BigInt(spent) + BigInt(reserved)) * 10_000n) / l) / 10_000;
}

/** "50, 80,100" -> [50, 80, 100]; null when an entry is not a whole percentage. */
export function parseThresholds(input: string): number[] | null {
  const parts = input.split(/[\s,]+/).filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    const n = Number(p.replace(/%$/, ""));
    if (!Number.isInteger(n) || n < 1 || n > 1000) return null;
    out.push(n);
  }
  return out;
}
