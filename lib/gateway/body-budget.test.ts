import { describe, expect, it } from "vitest";
import { BodyBudget, overloaded } from "./body-budget";

describe("BodyBudget", () => {
  it("takes bodies while they fit, refuses the one past the limit, and takes it once bytes come back", () => {
    const b = new BodyBudget(1_000);
    expect(b.take(400)).toBe(true);
    expect(b.take(400)).toBe(true);
    expect(b.take(400)).toBe(false);
    expect(b.heldBytes).toBe(800); // a refused request holds nothing
    b.give(400);
    expect(b.take(400)).toBe(true);
    expect(b.heldBytes).toBe(800);
  });

  it("lets one body take more than the limit when nothing else is held (never refuses an idle gateway)", () => {
    const b = new BodyBudget(1_000);
    expect(b.take(5_000)).toBe(true);
    expect(b.take(1)).toBe(false);
    b.give(5_000);
    expect(b.heldBytes).toBe(0);
    expect(b.take(1)).toBe(true);
  });

  it("costs nothing for a request without a body, and never goes below zero", () => {
    const b = new BodyBudget(10);
    expect(b.take(10)).toBe(true);
    expect(b.take(0)).toBe(true);
    b.give(50);
    expect(b.heldBytes).toBe(0);
  });

  it("refuses with a 503 overloaded, retry-after 1, not logged as an error", () => {
    const e = overloaded();
    expect(e.status).toBe(503);
    expect(e.headers["retry-after"]).toBe("1");
    expect(e.expected).toBe(true);
    expect(e.toBody().error).toMatchObject({ code: "overloaded", type: "server_error" });
  });
});
