import { describe, expect, it } from "vitest";
import { parsePriceForm, type PriceFormValues } from "./price-form";

const NOW = new Date("2026-12-07T12:00:00Z");
const base: PriceFormValues = {
  modelId: "mdl_01abc",
  inputPerMTokMicros: "2.50",
  outputPerMTokMicros: "10",
  cachedInputPerMTokMicros: "",
  cacheWritePerMTokMicros: "",
  effectiveFrom: "",
};

describe("parsePriceForm", () => {
  it("turns dollars per million tokens into exact micro-dollars; empty optional fields and start are left out", () => {
    expect(parsePriceForm(base, NOW)).toEqual({ ok: true, body: { modelId: "mdl_01abc", inputPerMTokMicros: "2500000", outputPerMTokMicros: "10000000" } });
    const full = parsePriceForm({ ...base, cachedInputPerMTokMicros: "1.25", cacheWritePerMTokMicros: "3.125", effectiveFrom: "2026-12-08T09:30:00Z" }, NOW);
    expect(full).toEqual({
      ok: true,
      body: {
        modelId: "mdl_01abc",
        inputPerMTokMicros: "2500000",
        outputPerMTokMicros: "10000000",
        cachedInputPerMTokMicros: "1250000",
        cacheWritePerMTokMicros: "3125000",
        effectiveFrom: "2026-12-08T09:30:00.000Z",
      },
    });
  });

  it("names each bad field", () => {
    const r = parsePriceForm({ ...base, modelId: "", inputPerMTokMicros: "", outputPerMTokMicros: "1.1234567", cachedInputPerMTokMicros: "-1", effectiveFrom: "2026-12-06T09:00:00Z" }, NOW);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(["cachedInputPerMTokMicros", "effectiveFrom", "inputPerMTokMicros", "modelId", "outputPerMTokMicros"]);
    expect(r.errors.effectiveFrom).toMatch(/past/);
  });

  it("refuses amounts above the schema's ceiling", () => {
    const r = parsePriceForm({ ...base, inputPerMTokMicros: "2000000" }, NOW);
    expect(r).toMatchObject({ ok: false, errors: { inputPerMTokMicros: expect.stringMatching(/at most/) } });
  });
});
