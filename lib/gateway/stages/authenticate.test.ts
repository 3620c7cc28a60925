import { describe, expect, it } from "vitest";
import { maskKey, readApiKey } from "@/lib/gateway/stages/authenticate";

describe("readApiKey", () => {
  it("reads a Bearer token, case-insensitively", () => {
    expect(readApiKey({ authorization: "Bearer gh_live_abc" })).toBe("gh_live_abc");
    expect(readApiKey({ authorization: "bearer   gh_live_abc " })).toBe("gh_live_abc");
  });

  it("falls back to x-api-key (Anthropic SDKs)", () => {
    expect(readApiKey({ "x-api-key": "gh_live_xyz" })).toBe("gh_live_xyz");
    expect(readApiKey({ authorization: "Basic Zm9vOmJhcg==", "x-api-key": "gh_live_xyz" })).toBe("gh_live_xyz");
  });

  it("prefers Authorization when both are sent", () => {
    expect(readApiKey({ authorization: "Bearer a", "x-api-key": "b" })).toBe("a");
  });

  it("returns null when there is no usable key", () => {
    expect(readApiKey({})).toBeNull();
    expect(readApiKey({ authorization: "Bearer" })).toBeNull();
    expect(readApiKey({ authorization: "Basic Zm9vOmJhcg==" })).toBeNull();
    expect(readApiKey({ "x-api-key": "  " })).toBeNull();
  });
});

describe("maskKey", () => {
  it("shows only the start and the last four characters", () => {
    const key = "gh_live_0123456789abcdefghijklmnopqrstuvwxyz";
    const masked = maskKey(key);
    expect(masked).toBe("gh_live_01********wxyz");
    expect(masked).not.toContain("456789");
  });

  it("reveals nothing of a short key", () => {
    expect(maskKey("short")).toBe("*****");
    expect(maskKey("0123456789abcdef")).toBe("********");
  });
});
