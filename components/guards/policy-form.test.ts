import { describe, expect, it } from "vitest";
import { DEFAULT_GUARD_POLICY, GuardPolicyConfig } from "@/lib/guards/schema";
import { configFromForm, formFromConfig, formPathOfParam, MODES } from "./policy-form";
import { highlightSegments } from "./highlight";
import { toolForm, toolInput } from "./tool-form";

describe("guard policy form", () => {
  it("round-trips the default and a fully set policy", () => {
    expect(configFromForm(formFromConfig(DEFAULT_GUARD_POLICY))).toEqual({ config: DEFAULT_GUARD_POLICY, errors: {} });
    const full = GuardPolicyConfig.parse({
      injection: { mode: "log", threshold: 0.7, scan: { userTurns: true, toolResults: false, contextDocs: true }, classifier: { route: "prompt-guard", greyLow: 0.3, timeoutMs: 800, onError: "closed" } },
      pii: { mode: "block", types: ["iban", "email"], reidentify: false },
      moderation: { mode: "block", threshold: 0.4, holdBack: { firstSentence: false, tokens: 32 }, async: { enabled: true, route: "mod", threshold: 0.8 } },
      schema: { mode: "log", repair: false },
      tools: { mode: "off" },
    });
    const { config, errors } = configFromForm(formFromConfig(full));
    expect(errors).toEqual({});
    // Kinds come back in the schema's order.
    expect(config).toEqual({ ...full, pii: { ...full.pii, types: ["email", "iban"] } });
  });

  it("offers redact only for PII and shows a stored redact elsewhere as log", () => {
    expect(MODES.pii).toContain("redact");
    for (const g of ["injection", "moderation", "schema", "tools"] as const) expect(MODES[g]).not.toContain("redact");
    const s = formFromConfig(GuardPolicyConfig.parse({ injection: { mode: "redact" } }));
    expect(s.injection.mode).toBe("log");
  });

  it("reports bad numbers, a missing route, an empty grey zone and empty choices by path", () => {
    const s = formFromConfig(DEFAULT_GUARD_POLICY);
    s.injection.threshold = "";
    s.moderation.threshold = "1.5";
    s.moderation.holdBackTokens = "3.5";
    s.moderation.asyncOn = true;
    s.pii.allTypes = false;
    const { config, errors } = configFromForm(s);
    expect(config).toBeNull();
    expect(errors).toEqual({
      "injection.threshold": "must be a number",
      "moderation.threshold": "must be between 0 and 1",
      "moderation.holdBack.tokens": "must be a whole number",
      "moderation.async.route": expect.stringContaining("required"),
      "pii.types": expect.stringContaining("at least one"),
    });

    const c = formFromConfig(DEFAULT_GUARD_POLICY);
    c.injection.classifierOn = true;
    c.injection.greyLow = "0.6";
    c.injection.timeoutMs = "10";
    c.injection.userTurns = c.injection.toolResults = c.injection.contextDocs = false;
    expect(configFromForm(c).errors).toEqual({
      "injection.classifier.route": expect.stringContaining("required"),
      "injection.classifier.greyLow": expect.stringContaining("below the threshold"),
      "injection.classifier.timeoutMs": "must be between 50 and 30000",
      "injection.scan": expect.stringContaining("at least one"),
    });
  });

  it("maps the server's param onto the form's paths", () => {
    expect(formPathOfParam("config.moderation.async.route")).toBe("moderation.async.route");
    expect(formPathOfParam("featureId")).toBeNull();
    expect(formPathOfParam(null)).toBeNull();
  });
});

describe("highlighted spans", () => {
  it("splits a text into plain and typed segments, clamping and merging overlaps", () => {
    const text = "Mail jane@example.com or call +44 20 7946 0958.";
    const segs = highlightSegments(text, [
      { start: 30, end: 46, type: "phone" },
      { start: 5, end: 21, type: "email" },
      { start: 10, end: 15, type: "person" },
      { start: 40, end: 999, type: "x" },
    ]);
    expect(segs.map((s) => [s.text, s.type])).toEqual([
      ["Mail ", null],
      ["jane@example.com", "email"],
      [" or call ", null],
      ["+44 20 7946 0958", "phone"],
      [".", "x"],
    ]);
    expect(segs.map((s) => s.text).join("")).toBe(text);
    expect(highlightSegments("abc", [])).toEqual([{ text: "abc", type: null, start: 0 }]);
  });
});

describe("tool form", () => {
  it("turns the form into create and update inputs", () => {
    const s = { ...toolForm(null), name: "delete_order", description: "Deletes", irreversible: true, requiredRole: " admin " };
    const { create, update, errors } = toolInput(s, "ftr_1");
    expect(errors).toEqual({});
    expect(create).toEqual({ featureId: "ftr_1", name: "delete_order", description: "Deletes", parameters: { type: "object", properties: {} }, irreversible: true, requiredRole: "admin" });
    expect(update.requiredRole).toBe("admin");
    expect(toolInput({ ...s, requiredRole: "" }, null).update.requiredRole).toBeNull();
  });

  it("rejects a bad name and parameters that are not a JSON object", () => {
    expect(toolInput({ ...toolForm(null), name: "bad name", parameters: "[1]" }, null).errors).toEqual({
      name: expect.stringContaining("letters"),
      parameters: expect.stringContaining("JSON object"),
    });
    expect(toolInput({ ...toolForm(null), name: "ok", parameters: "{oops" }, null).errors).toEqual({ parameters: "must be valid JSON" });
  });
});
