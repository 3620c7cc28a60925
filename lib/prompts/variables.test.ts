import { describe, expect, it } from "vitest";
import { BadRequestError, GatehouseError } from "@/lib/errors";
import { parseDeclaredVariables, validateVariables } from "@/lib/prompts/variables";

const declared = parseDeclaredVariables({
  customer_name: { type: "string", required: true },
  days: { type: "number", required: true },
  vip: { type: "boolean", required: false },
  note: { type: "string" }, // required by default
});

function errorOf(fn: () => unknown): BadRequestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestError);
    return err as BadRequestError;
  }
  throw new Error("expected a BadRequestError");
}

describe("parseDeclaredVariables", () => {
  it("fills in defaults (required: true, context: false)", () => {
    expect(parseDeclaredVariables({ a: { type: "string" } })).toEqual({ a: { type: "string", required: true, context: false } });
    expect(parseDeclaredVariables(undefined)).toEqual({});
    expect(parseDeclaredVariables(null)).toEqual({});
  });

  it("names the bad declaration (400 at save time)", () => {
    const e = errorOf(() => parseDeclaredVariables({ days: { type: "integer" } }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("variables.days.type");
    const n = errorOf(() => parseDeclaredVariables({ "1st": { type: "string" } }));
    expect(n.message).toContain("a variable name is 1-64 letters");
    expect(errorOf(() => parseDeclaredVariables({ a: { type: "string", requird: true } })).message).toContain("requird");
    expect(errorOf(() => parseDeclaredVariables([])).status).toBe(400);
  });

  it("is a 500 for a stored version (it was validated when saved)", () => {
    expect(() => parseDeclaredVariables({ a: { type: "date" } }, "stored")).toThrow(GatehouseError);
    try {
      parseDeclaredVariables({ a: { type: "date" } }, "stored");
    } catch (err) {
      expect((err as GatehouseError).status).toBe(500);
    }
  });
});

describe("validateVariables", () => {
  it("returns exactly the declared variables that were given, typed", () => {
    const v = validateVariables(declared, { customer_name: "Ada", days: 3, note: "", vip: false });
    expect({ ...v }).toEqual({ customer_name: "Ada", days: 3, note: "", vip: false });
    expect(Object.getPrototypeOf(v)).toBeNull();
  });

  it("leaves out an absent or null optional variable", () => {
    expect({ ...validateVariables(declared, { customer_name: "Ada", days: 0, note: "n" }) }).toEqual({ customer_name: "Ada", days: 0, note: "n" });
    expect("vip" in validateVariables(declared, { customer_name: "Ada", days: 0, note: "n", vip: null })).toBe(false);
  });

  it("a missing required variable: 400 naming it", () => {
    const e = errorOf(() => validateVariables(declared, { days: 1, note: "n" }));
    expect(e.status).toBe(400);
    expect(e.code).toBe("validation_failed");
    expect(e.param).toBe("prompt.variables.customer_name");
    expect(e.message).toBe("Missing prompt variable 'customer_name' (string, required)");
    expect(e.toBody().error.param).toBe("prompt.variables.customer_name");
    // null counts as missing.
    expect(errorOf(() => validateVariables(declared, { customer_name: null, days: 1, note: "n" })).param).toBe("prompt.variables.customer_name");
  });

  it("a wrongly typed variable: 400 naming it and both types", () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ customer_name: 42, days: 1, note: "n" }, "customer_name", "Prompt variable 'customer_name' must be a string, got number"],
      [{ customer_name: "A", days: "3", note: "n" }, "days", "Prompt variable 'days' must be a number, got string"],
      [{ customer_name: "A", days: 1, note: "n", vip: "yes" }, "vip", "Prompt variable 'vip' must be a boolean, got string"],
      [{ customer_name: ["A"], days: 1, note: "n" }, "customer_name", "Prompt variable 'customer_name' must be a string, got array"],
      [{ customer_name: { first: "A" }, days: 1, note: "n" }, "customer_name", "Prompt variable 'customer_name' must be a string, got object"],
      [{ customer_name: "A", days: Number.NaN, note: "n" }, "days", "Prompt variable 'days' must be a number, got a non-finite number"],
      [{ customer_name: "A", days: Infinity, note: "n" }, "days", "Prompt variable 'days' must be a number, got a non-finite number"],
      [{ customer_name: "A", days: 1, note: 7 }, "note", "Prompt variable 'note' must be a string, got number"],
    ];
    for (const [input, name, message] of cases) {
      const e = errorOf(() => validateVariables(declared, input));
      expect(e.param).toBe(`prompt.variables.${name}`);
      expect(e.message).toBe(message);
    }
  });

  it("an undeclared variable: 400 naming it and listing the declared ones", () => {
    const e = errorOf(() => validateVariables(declared, { customer_name: "A", days: 1, note: "n", custmer_name: "typo" }));
    expect(e.param).toBe("prompt.variables.custmer_name");
    expect(e.message).toBe("Unknown prompt variable 'custmer_name' (declared: customer_name, days, vip, note)");
    const none = errorOf(() => validateVariables({}, { x: 1 }));
    expect(none.message).toBe("Unknown prompt variable 'x' (this prompt declares no variables)");
  });

  it("is not fooled by inherited names", () => {
    expect(errorOf(() => validateVariables(declared, JSON.parse('{"__proto__": {"customer_name": "A"}, "days": 1, "note": "n"}'))).param).toBe(
      "prompt.variables.__proto__",
    );
    expect(errorOf(() => validateVariables({}, { toString: "x" })).param).toBe("prompt.variables.toString");
    expect({ ...validateVariables({}, {}) }).toEqual({});
  });

  it("requires an object", () => {
    for (const bad of ["x", 3, [], true]) {
      const e = errorOf(() => validateVariables(declared, bad));
      expect(e.param).toBe("prompt.variables");
    }
    // Absent variables are fine when nothing is required.
    expect({ ...validateVariables({ vip: { type: "boolean", required: false, context: false } }, undefined) }).toEqual({});
  });

  it("keeps unicode values as given", () => {
    const v = validateVariables(declared, { customer_name: "Zoë 日本 👩‍💻", days: 1, note: "\u0000tab\t" });
    expect(v.customer_name).toBe("Zoë 日本 👩‍💻");
    expect(v.note).toBe("\u0000tab\t");
  });
});
