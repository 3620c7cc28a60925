import { describe, expect, it } from "vitest";
import { createRedactor } from "@/lib/guards/redact";
import { detectPii } from "@/lib/guards/pii";

describe("createRedactor", () => {
  it("replaces findings with stable placeholders and puts the values back", () => {
    const r = createRedactor();
    const t1 = "Mail bob@example.com or call +44 20 7946 0958.";
    const red1 = r.redact(t1, detectPii(t1));
    expect(red1).toBe("Mail [EMAIL_1] or call [PHONE_1].");
    const t2 = "Again: bob@example.com, and alice@example.org";
    const red2 = r.redact(t2, detectPii(t2));
    expect(red2).toBe("Again: [EMAIL_1], and [EMAIL_2]");
    expect(r.reidentify(red1)).toBe(t1);
    expect(r.reidentify(red2)).toBe(t2);
    expect(r.reidentify("I wrote to [EMAIL_2] and [EMAIL_1]; [EMAIL_9] is unknown")).toBe("I wrote to alice@example.org and bob@example.com; [EMAIL_9] is unknown");
  });

  it("summarises kinds and counts only, never values", () => {
    const r = createRedactor();
    const t = "bob@example.com, bob@example.com, 4111 1111 1111 1111";
    r.redact(t, detectPii(t));
    expect(r.summary()).toEqual(expect.arrayContaining([{ type: "email", count: 2 }, { type: "credit_card", count: 1 }]));
    expect(JSON.stringify(r.summary())).not.toContain("bob");
  });

  it("ignores overlapping or stale findings", () => {
    const r = createRedactor();
    const out = r.redact("abc def", [
      { start: 0, end: 3, type: "person", value: "abc", score: 1 },
      { start: 2, end: 5, type: "person", value: "c d", score: 1 },
      { start: 6, end: 99, type: "person", value: "x", score: 1 },
    ]);
    expect(out).toBe("[PERSON_1] def");
  });

  it("re-identifies a stream whose placeholders are split across chunks", () => {
    const r = createRedactor();
    const t = "Mail bob@example.com or alice@example.org";
    const redacted = r.redact(t, detectPii(t));
    expect(redacted).toBe("Mail [EMAIL_1] or [EMAIL_2]");
    // every way of cutting the redacted answer into two or three chunks gives back the original
    for (let a = 0; a <= redacted.length; a++) {
      for (let b = a; b <= redacted.length; b += 3) {
        const s = r.reidentifyStream();
        const out = s.push(redacted.slice(0, a)) + s.push(redacted.slice(a, b)) + s.push(redacted.slice(b)) + s.flush();
        expect(out).toBe(t);
      }
    }
  });

  it("streams text with brackets that are not placeholders without holding it forever", () => {
    const r = createRedactor();
    r.redact("x bob@example.com", detectPii("x bob@example.com"));
    const s = r.reidentifyStream();
    expect(s.push("see [note] and [")).toBe("see [note] and ");
    expect(s.push("1] done")).toBe("[1] done");
    expect(s.push("[EMAIL_")).toBe("");
    expect(s.flush()).toBe("[EMAIL_");
  });
});

describe("redactJsonForLog", () => {
  it("redacts every string of a nested value with one set of placeholders and caps the depth", async () => {
    const { redactJsonForLog } = await import("@/lib/guards/redact");
    const { detectPii } = await import("@/lib/guards/pii");
    const value = { a: "mail bob@example.org", b: ["again bob@example.org", { c: "other ann@example.net" }], n: 3, t: true, z: null };
    const out = redactJsonForLog(value, (t) => detectPii(t)) as { a: string; b: [string, { c: string }]; n: number };
    expect(out.a).toBe("mail [EMAIL_1]");
    expect(out.b[0]).toBe("again [EMAIL_1]");
    expect(out.b[1].c).toBe("other [EMAIL_2]");
    expect(out).toMatchObject({ n: 3, t: true, z: null });
    let deep: unknown = "x@example.com";
    for (let i = 0; i < 1000; i++) deep = [deep];
    expect(JSON.stringify(redactJsonForLog(deep, (t) => detectPii(t)))).not.toContain("x@example.com");
  });
});
