import { z } from "zod";
import { Id, IsoDateTime, Micros } from "@/lib/http/schema";

/**
 * Model prices (`model_prices`): effective-dated rows, micro-dollars per
 * million tokens. A price change is a new row from a chosen time; history is
 * never updated, so the cost already on request-log rows stays explainable.
 * Pure (the dashboard imports it): schemas and dollar <-> micro-dollar text.
 */

export const PRICE_STATUSES = ["scheduled", "current", "past"] as const;
export const PriceStatus = z.enum(PRICE_STATUSES);
export type PriceStatus = z.infer<typeof PriceStatus>;

export const PriceRow = z.object({
  id: z.string(),
  modelId: z.string(),
  inputPerMTokMicros: Micros,
  outputPerMTokMicros: Micros,
  cachedInputPerMTokMicros: Micros,
  cacheWritePerMTokMicros: Micros,
  effectiveFrom: IsoDateTime,
  createdAt: IsoDateTime,
  /** `current`: the row the gateway charges now; `scheduled`: from a later time; `past`: superseded. */
  status: PriceStatus,
});
export type PriceRow = z.infer<typeof PriceRow>;

export const ModelPrices = z.object({
  modelId: z.string(),
  modelName: z.string(),
  providerId: z.string(),
  providerName: z.string(),
  providerKind: z.string(),
  enabled: z.boolean(),
  current: PriceRow.nullable(),
  /** Every row, newest effectiveFrom first. */
  prices: z.array(PriceRow),
});
export type ModelPrices = z.infer<typeof ModelPrices>;

/** $1,000,000 per million tokens: far above any real price, well inside bigint and JSON. */
export const MAX_PRICE_MICROS = 1_000_000_000_000n;

const PriceMicros = z
  .string()
  .regex(/^\d{1,13}$/, "must be a non-negative integer number of micro-dollars")
  .refine((s) => !/^\d+$/.test(s) || BigInt(s) <= MAX_PRICE_MICROS, "must be at most $1,000,000 per million tokens");

export const CreatePriceInput = z.object({
  modelId: Id,
  inputPerMTokMicros: PriceMicros,
  outputPerMTokMicros: PriceMicros,
  /** 0 = not set: cached reads are then charged at the input price. */
  cachedInputPerMTokMicros: PriceMicros.default("0"),
  /** 0 = not set: cache writes are then charged at the input price. */
  cacheWritePerMTokMicros: PriceMicros.default("0"),
  /** Default now; may be in the future (scheduled), not in the past (history is never rewritten). */
  effectiveFrom: IsoDateTime.optional(),
});
export type CreatePriceInput = z.input<typeof CreatePriceInput>;
export type CreatePriceData = z.output<typeof CreatePriceInput>;

/**
 * Dollars as typed in a form ("2.50", "0.075", "15") -> micro-dollars as a
 * decimal string, exactly (no floating point); null when it is not a
 * non-negative amount with at most 6 decimals.
 */
export function dollarsToMicros(text: string): string | null {
  const m = /^\s*\$?\s*(\d{0,13})(?:\.(\d{0,6}))?\s*$/.exec(text);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) return null;
  const whole = BigInt(m[1] || "0");
  const frac = BigInt((m[2] ?? "").padEnd(6, "0"));
  return (whole * 1_000_000n + frac).toString();
}

/** Micro-dollars -> dollars with as many decimals as needed (at least 2): "2500000" -> "2.50", "75000" -> "0.075". */
export function microsToDollars(micros: string | bigint): string {
  const v = typeof micros === "bigint" ? micros : BigInt(micros);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const whole = abs / 1_000_000n;
  let frac = (abs % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  if (frac.length < 2) frac = frac.padEnd(2, "0");
  return `${neg ? "-" : ""}${whole}.${frac}`;
}
