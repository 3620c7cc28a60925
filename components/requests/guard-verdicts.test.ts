import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { GuardVerdicts } from "./guard-verdicts";
import { HighlightedText } from "@/components/guards/guard-test-box";

describe("request detail: guard verdicts (server render)", () => {
  it("shows guard, verdict, score, latency, spans as kind @ position and redactions by kind, never a stored value", () => {
    const html = renderToStaticMarkup(
      createElement(GuardVerdicts, {
        verdicts: [
          { guard: "injection", verdict: "block", score: 0.93, latencyMs: 0.42, spans: [{ start: 0, end: 31, type: "override" }], detail: { mode: "block", rules: ["ignore-previous"] }, stage: "input" },
          // A stray field holding a value (an older or buggy writer) is never rendered.
          { guard: "pii", verdict: "redact", score: 1, latencyMs: 0.1, spans: [{ start: 12, end: 21, type: "email" }], stage: "input", text: "jane@example.com" },
          { nonsense: "4111 1111 1111 1111" },
        ],
        redactions: [{ type: "email", count: 1, where: ["messages[1]"], value: "jane@example.com" }],
      }),
    );
    expect(html).toContain("injection");
    expect(html).toContain("block");
    expect(html).toContain("0.93");
    expect(html).toContain("override @ 0–31");
    expect(html).toContain("email @ 12–21");
    expect(html).toContain("ignore-previous");
    expect(html).toContain("messages[1]");
    expect(html).toContain("1 stored entries could not be read");
    expect(html).not.toContain("jane@example.com");
    expect(html).not.toContain("4111");
  });

  it("says so when there are no verdicts or redactions", () => {
    const html = renderToStaticMarkup(createElement(GuardVerdicts, { verdicts: [], redactions: [] }));
    expect(html).toContain("No guard verdicts.");
    expect(html).toContain("Nothing was redacted.");
  });
});

describe("test box: highlighted spans (server render)", () => {
  it("marks each span with its kind over it", () => {
    const html = renderToStaticMarkup(createElement(HighlightedText, { text: "Mail jane@example.com now", spans: [{ start: 5, end: 21, type: "email" }], label: "pii spans" }));
    expect(html).toMatch(/<mark data-span-type="email"[^>]*>.*EMAIL.*jane@example\.com<\/mark>/);
    expect(html).toContain("Mail ");
    expect(html).toContain(" now");
  });
});
