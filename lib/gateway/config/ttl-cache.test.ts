import { describe, expect, it } from "vitest";
import { TtlCache } from "@/lib/gateway/config/ttl-cache";

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("TtlCache", () => {
  it("serves a value until its TTL passes, then loads again", async () => {
    const c = clock();
    const cache = new TtlCache<number>(1_000, 10, c.now);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get("k", load)).toBe(1);
    c.advance(999);
    expect(await cache.get("k", load)).toBe(1);
    c.advance(1);
    expect(await cache.get("k", load)).toBe(2);
  });

  it("shares one load between concurrent callers", async () => {
    const cache = new TtlCache<string>(1_000, 10);
    let loads = 0;
    let release: (v: string) => void = () => undefined;
    const load = () => {
      loads++;
      return new Promise<string>((r) => (release = r));
    };
    const a = cache.get("k", load);
    const b = cache.get("k", load);
    release("v");
    expect(await Promise.all([a, b])).toEqual(["v", "v"]);
    expect(loads).toBe(1);
  });

  it("does not keep a failed load", async () => {
    const cache = new TtlCache<string>(60_000, 10);
    await expect(cache.get("k", () => Promise.reject(new Error("db down")))).rejects.toThrow("db down");
    expect(await cache.get("k", async () => "ok")).toBe("ok");
  });

  it("evicts the oldest entries past maxEntries", async () => {
    const cache = new TtlCache<string>(60_000, 2);
    await cache.get("a", async () => "a1");
    await cache.get("b", async () => "b1");
    await cache.get("c", async () => "c1");
    expect(cache.size).toBe(2);
    expect(await cache.get("a", async () => "a2")).toBe("a2");
    expect(await cache.get("c", async () => "c2")).toBe("c1");
  });
});
