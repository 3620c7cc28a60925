import type { ConfigSnapshot } from "@/lib/gateway/config";
import type { PriceEntry } from "@/lib/gateway/config/types";
import type { NormalisedUsage } from "@/lib/gateway/providers/types";

/**
 * What a call cost, in integer micro-dollars: usage x the model's price in
 * effect when the request arrived (effective-dated, from the snapshot: no
 * Postgres on the hot path). Prices are micro-dollars per million tokens.
 *
 *   uncached input   = promptTokens - cachedTokens - cacheWriteTokens   at inputPerMTok
 *   cache reads      = cachedTokens                                     at cachedInputPerMTok
 *   cache writes     = cacheWriteTokens                                 at cacheWritePerMTok
 *   output           = completionTokens (reasoning included)            at outputPerMTok
 *
 * A cached-read or cache-write price of 0 means "not configured" (the column
 * defaults to 0), so those tokens are charged at the input price: an
 * over-estimate is safer than a free lunch for budgets. The sum is rounded
 * half up to a whole micro-dollar, once, at the end.
 */

const MILLION = 1_000_000n;

export function costMicros(price: PriceEntry, usage: NormalisedUsage): bigint {
  const cached = BigInt(Math.max(0, usage.cachedTokens));
  const written = BigInt(Math.max(0, usage.cacheWriteTokens));
  const prompt = BigInt(Math.max(0, usage.promptTokens));
  const uncached = prompt - cached - written > 0n ? prompt - cached - written : 0n;
  const cachedRate = price.cachedInputPerMTokMicros > 0n ? price.cachedInputPerMTokMicros : price.inputPerMTokMicros;
  const writeRate = price.cacheWritePerMTokMicros > 0n ? price.cacheWritePerMTokMicros : price.inputPerMTokMicros;
  const total =
    uncached * price.inputPerMTokMicros +
    cached * cachedRate +
    written * writeRate +
    BigInt(Math.max(0, usage.completionTokens)) * price.outputPerMTokMicros;
  return (total + MILLION / 2n) / MILLION;
}

/** The cost of a call to `modelId` at `at`, or null when the model has no price in effect then. */
export function costOfCall(snapshot: ConfigSnapshot, modelId: string, usage: NormalisedUsage, at: Date): bigint | null {
  const price = snapshot.price(modelId, at);
  return price ? costMicros(price, usage) : null;
}

/** Micro-dollars as US dollars with six decimals (`x-gatehouse-cost-usd`): 1234n -> "0.001234". */
export function formatUsd(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MILLION;
  const frac = (abs % MILLION).toString().padStart(6, "0");
  return `${negative ? "-" : ""}${whole}.${frac}`;
}
