import { describe, expect, it } from "vitest";
import { alertBody, alertText, previewUrl } from "@/lib/alerts/deliver";
import type { AlertEvent } from "@/lib/alerts/schema";

const threshold: AlertEvent = {
  kind: "budget_threshold",
  tenantId: "ten_1",
  tenantSlug: "acme",
  budgetId: "bdg_1",
  budgetName: "monthly",
  scope: "tenant",
  period: "month",
  periodStart: "2026-12-01T00:00:00.000Z",
  mode: "hard",
  threshold: 100,
  spentMicros: "12345678",
  limitMicros: "12000000",
  at: "2026-12-07T10:00:00.000Z",
};

describe("alert formats", () => {
  it("says what happened in one line, money rounded to the cent", () => {
    expect(alertText(threshold)).toBe('[acme] Budget "monthly" exhausted (requests are blocked): $12.35 of $12.00 monthly limit spent.');
    expect(alertText({ ...threshold, threshold: 80, mode: "soft", spentMicros: "9600000" })).toBe('[acme] Budget "monthly" at 80%: $9.60 of $12.00 monthly limit spent.');
  });

  it("webhook: the event's fields with its kind as `type`, plus the text", () => {
    const body = alertBody("webhook", threshold);
    expect(body).toMatchObject({ type: "budget_threshold", budgetId: "bdg_1", threshold: 100, spentMicros: "12345678", text: alertText(threshold) });
    expect(body).not.toHaveProperty("kind");
  });

  it("slack: exactly { text, blocks } with mrkdwn sections", () => {
    const body = alertBody("slack", threshold);
    expect(Object.keys(body).sort()).toEqual(["blocks", "text"]);
    expect(body.blocks).toEqual([
      { type: "section", text: { type: "mrkdwn", text: alertText(threshold) } },
      { type: "section", fields: expect.arrayContaining([{ type: "mrkdwn", text: "*Threshold*\n100%" }]) as unknown },
      { type: "context", elements: [{ type: "mrkdwn", text: "Gatehouse · tenant acme · 2026-12-07T10:00:00.000Z" }] },
    ]);
  });

  it("previews a URL without its secret path", () => {
    expect(previewUrl("https://hooks.slack.com/services/T0/B0/abcdefsecret")).toBe("https://hooks.slack.com/…cret");
    expect(previewUrl("https://example.com")).toBe("https://example.com");
  });
});
