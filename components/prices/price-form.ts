import { CreatePriceInput, dollarsToMicros, type CreatePriceInput as CreatePriceBody } from "@/lib/prices/schema";

/**
 * The add-price form: amounts typed in dollars per million tokens ("2.50"),
 * sent as integer micro-dollars (exact, no floating point); an empty start
 * time means now. Field names are the API's, so a server error that names
 * its `param` lands under the right input. Pure, unit-tested.
 */

export const PRICE_FIELDS = ["modelId", "inputPerMTokMicros", "outputPerMTokMicros", "cachedInputPerMTokMicros", "cacheWritePerMTokMicros", "effectiveFrom"] as const;
export type PriceField = (typeof PRICE_FIELDS)[number];

export type PriceFormValues = Record<PriceField, string>;

export type PriceFormResult = { ok: true; body: CreatePriceBody } | { ok: false; errors: Partial<Record<PriceField, string>> };

const AMOUNT_ERROR = "must be an amount in dollars with at most 6 decimals, like 2.50";

export function parsePriceForm(values: PriceFormValues, now: Date = new Date()): PriceFormResult {
  const errors: Partial<Record<PriceField, string>> = {};
  if (!values.modelId) errors.modelId = "is required";

  const amount = (field: PriceField, required: boolean): string | undefined => {
    const text = values[field].trim();
    if (!text) {
      if (required) errors[field] = "is required";
      return undefined;
    }
    const micros = dollarsToMicros(text);
    if (micros === null) errors[field] = AMOUNT_ERROR;
    return micros ?? undefined;
  };
  const input = amount("inputPerMTokMicros", true);
  const output = amount("outputPerMTokMicros", true);
  const cached = amount("cachedInputPerMTokMicros", false);
  const write = amount("cacheWritePerMTokMicros", false);

  let effectiveFrom: string | undefined;
  if (values.effectiveFrom.trim()) {
    // <input type="datetime-local">: the browser's local time.
    const at = new Date(values.effectiveFrom);
    if (Number.isNaN(at.getTime())) errors.effectiveFrom = "must be a date and time";
    else if (at.getTime() < now.getTime() - 60_000) errors.effectiveFrom = "must not be in the past (history is never rewritten); leave it empty for now";
    else effectiveFrom = at.toISOString();
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const body: CreatePriceBody = {
    modelId: values.modelId,
    inputPerMTokMicros: input ?? "0",
    outputPerMTokMicros: output ?? "0",
    ...(cached !== undefined ? { cachedInputPerMTokMicros: cached } : {}),
    ...(write !== undefined ? { cacheWritePerMTokMicros: write } : {}),
    ...(effectiveFrom ? { effectiveFrom } : {}),
  };
  const parsed = CreatePriceInput.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? "modelId") as PriceField;
      errors[key] ??= issue.message;
    }
    return { ok: false, errors };
  }
  return { ok: true, body };
}
