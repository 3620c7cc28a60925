import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "./callback-url";

describe("safeCallbackUrl", () => {
  it("keeps same-site paths with their query", () => {
    expect(safeCallbackUrl("/t/acme/requests?status=error")).toBe("/t/acme/requests?status=error");
  });
  it("defaults to / when absent", () => {
    expect(safeCallbackUrl(undefined)).toBe("/");
    expect(safeCallbackUrl("")).toBe("/");
    expect(safeCallbackUrl([])).toBe("/");
  });
  it("never redirects off-site", () => {
    expect(safeCallbackUrl("//evil.example/x")).toBe("/");
    expect(safeCallbackUrl("/\\evil.example")).toBe("/");
    expect(safeCallbackUrl("https://evil.example/t/acme")).toBe("/t/acme");
    expect(safeCallbackUrl("javascript:alert(1)")).toBe("/");
    expect(safeCallbackUrl("evil.example")).toBe("/");
  });
  it("does not loop back to sign-in or into the API", () => {
    expect(safeCallbackUrl("/sign-in?callbackUrl=/x")).toBe("/");
    expect(safeCallbackUrl("/api/admin/me")).toBe("/");
  });
});
