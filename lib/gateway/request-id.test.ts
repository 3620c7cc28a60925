import { describe, expect, it } from "vitest";
import { resolveRequestId } from "@/lib/gateway/request-id";

describe("resolveRequestId", () => {
  it("keeps a plain caller id", () => {
    expect(resolveRequestId("trace-123_abc.def:1")).toBe("trace-123_abc.def:1");
  });

  it("generates a req_ id when absent or unsafe", () => {
    for (const bad of [undefined, "", "has space", "a\nb", "x".repeat(129), "-leading-dash", "<script>"]) {
      expect(resolveRequestId(bad)).toMatch(/^req_[0-9a-z]{26}$/);
    }
  });

  it("generates a different id each time", () => {
    expect(resolveRequestId(undefined)).not.toBe(resolveRequestId(undefined));
  });
});
