/** Display helpers shared by the dashboard tables. Dates arrive as ISO strings, money as micro-dollar strings. */

const dateTime = new Intl.DateTimeFormat("en-GB", {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

export function formatDateTime(value: string | Date | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return "—";
  return dateTime.format(d);
}

/** Micro-dollars (string or number or bigint) as dollars: "$12.34", small values with more precision. */
export function formatMicros(value: string | number | bigint | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  let micros: bigint;
  try {
    micros = BigInt(value);
  } catch {
    return "—";
  }
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / 1_000_000n;
  const frac = (abs % 1_000_000n).toString().padStart(6, "0");
  const decimals = whole === 0n && abs !== 0n && abs < 10_000n ? frac.replace(/0+$/, "").padEnd(2, "0") : frac.slice(0, 2);
  return `${negative ? "-" : ""}$${whole.toLocaleString("en-US")}.${decimals}`;
}

export function formatNumber(value: number | string | bigint | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n.toLocaleString("en-US") : String(value);
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value} ms`;
}

export function formatJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** A datetime-local input value (UTC) -> ISO string, or null when empty/invalid. */
export function localInputToIso(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
