import { describe, expect, it } from "vitest";
import { applyPatch } from "diff";
import { diffPromptVersions, stableJson, templateText } from "@/lib/prompts/diff";
import { PromptVersionDiff } from "@/lib/prompts/schema";

const v1 = {
  version: 1,
  template: [
    { role: "system", content: "You are a support agent for Acme.\nAnswer briefly and kindly." },
    { role: "user", content: "Hello, I am {{customer_name}}." },
  ],
  variables: { customer_name: { type: "string", required: true } },
  params: { model: "support-reply", temperature: 0.2, max_tokens: 256 },
  outputSchema: null,
};

const v2 = {
  version: 2,
  template: [
    { role: "system", content: "You are a support agent for Acme.\nGreet the customer by name and answer briefly." },
    { role: "user", content: "Hello, I am {{customer_name}}." },
  ],
  variables: { customer_name: { type: "string", required: true } },
  // Same values in another key order, one changed.
  params: { max_tokens: 256, temperature: 0.3, model: "support-reply" },
  outputSchema: { type: "object", properties: { answer: { type: "string" } } },
};

function sectionOf(d: PromptVersionDiff, field: string) {
  const s = d.sections.find((x) => x.field === field);
  if (!s) throw new Error(`no section ${field}`);
  return s;
}

describe("diffPromptVersions", () => {
  const d = diffPromptVersions(v1, v2);

  it("is plain serialisable data matching the schema the UI validates", () => {
    expect(PromptVersionDiff.parse(JSON.parse(JSON.stringify(d)))).toEqual(d);
    expect(d.from).toBe(1);
    expect(d.to).toBe(2);
    expect(d.identical).toBe(false);
    expect(d.sections.map((s) => s.field)).toEqual(["template", "variables", "params", "outputSchema"]);
  });

  it("aligns the template side by side with a changed line paired and word-level segments", () => {
    const t = sectionOf(d, "template");
    expect(t.changed).toBe(true);
    expect(t.added).toBe(1);
    expect(t.removed).toBe(1);
    expect(t.rows.map((r) => r.kind)).toEqual(["same", "same", "changed", "same", "same", "same"]);
    const changed = t.rows[2]!;
    expect(changed.left).toMatchObject({ line: 3, text: "Answer briefly and kindly." });
    expect(changed.right).toMatchObject({ line: 3, text: "Greet the customer by name and answer briefly." });
    // Segments rebuild each side's line; removed words only on the left, added only on the right.
    expect(changed.left!.segments!.map((s) => s.text).join("")).toBe(changed.left!.text);
    expect(changed.right!.segments!.map((s) => s.text).join("")).toBe(changed.right!.text);
    expect(changed.left!.segments!.some((s) => s.kind === "added")).toBe(false);
    expect(changed.right!.segments!.some((s) => s.kind === "removed")).toBe(false);
    const addedWords = changed.right!.segments!.filter((s) => s.kind === "added").map((s) => s.text).join(" ");
    for (const w of ["Greet", "customer", "name"]) expect(addedWords).toContain(w);
    expect(changed.left!.segments!.filter((s) => s.kind === "removed").map((s) => s.text).join(" ")).toContain("kindly");
    // The role headers make the template readable text.
    expect(t.rows[0]!.left!.text).toBe("### 1 system");
    expect(t.rows[4]!.right!.text).toBe("### 2 user");
  });

  it("gives unified hunks and a patch that turns the old text into the new", () => {
    const t = sectionOf(d, "template");
    expect(t.hunks).toHaveLength(1);
    expect(t.hunks[0]!.lines).toContain("-Answer briefly and kindly.");
    expect(t.hunks[0]!.lines).toContain("+Greet the customer by name and answer briefly.");
    expect(t.unified).toContain("--- v1/template");
    expect(t.unified).toContain("+++ v2/template");
    expect(applyPatch(`${templateText(v1.template)}\n`, t.unified)).toBe(`${templateText(v2.template)}\n`);
  });

  it("ignores key order in params and shows only the real change", () => {
    const p = sectionOf(d, "params");
    expect(p.changed).toBe(true);
    expect(p.rows.filter((r) => r.kind !== "same")).toEqual([
      {
        kind: "changed",
        left: { line: 4, text: '  "temperature": 0.2', segments: expect.any(Array) },
        right: { line: 4, text: '  "temperature": 0.3', segments: expect.any(Array) },
      },
    ]);
    expect(sectionOf(d, "variables").changed).toBe(false);
    expect(sectionOf(d, "variables").unified).toBe("");
    expect(sectionOf(d, "variables").hunks).toEqual([]);
  });

  it("shows an output schema that appears as all added lines", () => {
    const o = sectionOf(d, "outputSchema");
    expect(o.removed).toBe(0);
    expect(o.added).toBe(stableJson(v2.outputSchema).split("\n").length);
    expect(o.rows.every((r) => r.kind === "added" && r.left === null)).toBe(true);
    expect(o.rows[0]!.right).toEqual({ line: 1, text: "{" });
  });

  it("reports identical versions as identical", () => {
    const same = diffPromptVersions(v1, { ...v1, version: 3, params: { max_tokens: 256, model: "support-reply", temperature: 0.2 } });
    expect(same.identical).toBe(true);
    expect(same.sections.every((s) => !s.changed && s.rows.every((r) => r.kind === "same"))).toBe(true);
  });

  it("handles empty templates on either side", () => {
    const empty = { version: 1, template: [] };
    const one = { version: 2, template: [{ role: "user", content: "" }] };
    const x = diffPromptVersions(empty, one);
    // An empty message is its header alone.
    expect(sectionOf(x, "template").rows).toEqual([{ kind: "added", left: null, right: { line: 1, text: "### 1 user" } }]);
    const y = diffPromptVersions(empty, { ...empty, version: 2 });
    expect(y.identical).toBe(true);
    expect(sectionOf(y, "template").rows).toEqual([]);
  });

  it("handles added and removed messages, unequal runs and unicode", () => {
    const a = { version: 1, template: [{ role: "user", content: "línea 1\nstays\n旧い行\nold two" }] };
    const b = { version: 2, template: [{ role: "user", content: "línea 1\nstays\n新しい行 🎉" }, { role: "assistant", content: "Sure." }] };
    const t = sectionOf(diffPromptVersions(a, b), "template");
    const kinds = t.rows.map((r) => r.kind);
    expect(kinds.slice(0, 3)).toEqual(["same", "same", "same"]);
    expect(kinds).toContain("changed");
    const changed = t.rows.find((r) => r.kind === "changed")!;
    expect(changed.left?.text).toBe("旧い行");
    expect(changed.right?.text).toBe("新しい行 🎉");
    // Every line of both sides appears exactly once, in order.
    const left = t.rows.flatMap((r) => (r.left ? [r.left] : []));
    const right = t.rows.flatMap((r) => (r.right ? [r.right] : []));
    expect(left.map((c) => c.line)).toEqual(left.map((_, i) => i + 1));
    expect(right.map((c) => c.line)).toEqual(right.map((_, i) => i + 1));
    expect(left.map((c) => c.text).join("\n")).toBe(templateText(a.template));
    expect(right.map((c) => c.text).join("\n")).toBe(templateText(b.template));
    expect(t.added).toBe(right.length - 3);
    expect(t.removed).toBe(left.length - 3);
  });

  it("shows whitespace-only changes inside a line (segments always rebuild both lines)", () => {
    const a = { version: 1, template: [{ role: "user", content: "keep  two spaces" }] };
    const b = { version: 2, template: [{ role: "user", content: "keep two spaces" }] };
    const row = sectionOf(diffPromptVersions(a, b), "template").rows.find((r) => r.kind === "changed")!;
    expect(row.left!.segments!.map((s) => s.text).join("")).toBe("keep  two spaces");
    expect(row.right!.segments!.map((s) => s.text).join("")).toBe("keep two spaces");
    expect(row.left!.segments!.some((s) => s.kind === "removed")).toBe(true);
  });

  it("treats CRLF and a missing final newline as no change", () => {
    const a = { version: 1, template: [{ role: "user", content: "a\r\nb" }] };
    const b = { version: 2, template: [{ role: "user", content: "a\nb" }] };
    expect(diffPromptVersions(a, b).identical).toBe(true);
  });

  it("shows content parts and message names in the text form, and falls back to JSON for odd shapes", () => {
    expect(
      templateText([
        { role: "user", name: "ada", content: [{ type: "text", text: "one" }, { type: "text", text: "two" }] },
      ]),
    ).toBe("### 1 user (ada) · part 1\none\n\n### 1 user (ada) · part 2\ntwo");
    expect(templateText({ b: 1, a: 2 })).toBe('{\n  "a": 2,\n  "b": 1\n}');
    expect(templateText([{ content: "no role" }])).toBe('[\n  {\n    "content": "no role"\n  }\n]');
  });

  it("honours the context option", () => {
    const long = (changed: string) => ({
      version: 1,
      template: [{ role: "user", content: Array.from({ length: 20 }, (_, i) => (i === 10 ? changed : `line ${i}`)).join("\n") }],
    });
    const c0 = sectionOf(diffPromptVersions(long("x"), { ...long("y"), version: 2 }, { context: 0 }), "template");
    expect(c0.hunks[0]!.lines).toEqual(["-x", "+y"]);
    const c3 = sectionOf(diffPromptVersions(long("x"), { ...long("y"), version: 2 }), "template");
    expect(c3.hunks[0]!.lines).toHaveLength(8);
    // Side-by-side rows always cover every line.
    expect(c0.rows).toHaveLength(21);
  });
});
