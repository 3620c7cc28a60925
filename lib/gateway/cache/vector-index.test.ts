import { describe, expect, it } from "vitest";
import { ScopeIndex, ScopeIndexes, unitize } from "./vector-index";

const v = (...xs: number[]) => unitize(xs);

describe("ScopeIndex", () => {
  it("finds the most similar live entry at or above the threshold", () => {
    const index = new ScopeIndex(10);
    const far = Date.now() + 60_000;
    index.add({ id: "a", expiresAt: far, vector: v(1, 0, 0) });
    index.add({ id: "b", expiresAt: far, vector: v(0.9, 0.1, 0) });
    index.add({ id: "c", expiresAt: far, vector: v(0, 1, 0) });
    expect(index.nearest(v(1, 0.05, 0), 0.9)?.id).toBe("a");
    expect(index.nearest(v(0, 0, 1), 0.5)).toBeNull();
    expect(index.nearest(v(1, 0, 0), 1)?.similarity).toBeCloseTo(1, 5);
    expect(index.nearest(v(1, 0), 0)).toBeNull(); // another dimension
  });

  it("drops expired and removed entries, and stays within its bound", () => {
    const index = new ScopeIndex(10);
    index.add({ id: "old", expiresAt: Date.now() - 1, vector: v(1, 0) });
    index.add({ id: "new", expiresAt: Date.now() + 60_000, vector: v(0, 1) });
    expect(index.nearest(v(1, 0), 0.9)).toBeNull();
    expect(index.size).toBe(1);
    index.remove("new");
    expect(index.nearest(v(0, 1), 0.9)).toBeNull();
    for (let i = 0; i < 25; i++) index.add({ id: `e${i}`, expiresAt: Date.now() + 60_000, vector: v(1, i) });
    expect(index.size).toBeLessThanOrEqual(10);
    expect(index.nearest(v(1, 24), 0.999)?.id).toBe("e24");
  });

  it("agrees with a plain dot product for any dimension (unrolled loop and its tail)", () => {
    for (const dims of [4, 9, 1536]) {
      const index = new ScopeIndex(100);
      const vectors = Array.from({ length: 50 }, (_, i) => unitize(Array.from({ length: dims }, (_, j) => Math.sin(i * 31 + j * 7))));
      vectors.forEach((vector, i) => index.add({ id: `v${i}`, expiresAt: Date.now() + 60_000, vector }));
      const q = unitize(Array.from({ length: dims }, (_, j) => Math.cos(j * 3)));
      const sims = vectors.map((vec) => vec.reduce((s, x, j) => s + x * (q[j] ?? 0), 0));
      const best = sims.indexOf(Math.max(...sims));
      const found = index.nearest(q, -1);
      expect(found?.id).toBe(`v${best}`);
      expect(found?.similarity).toBeCloseTo(sims[best] ?? 0, 4);
    }
  });
});

describe("ScopeIndexes", () => {
  it("drops the least recently used scopes beyond the process bound", () => {
    const all = new ScopeIndexes(10, 3);
    for (const k of ["s1", "s2", "s3"]) all.getOrCreate(k).add({ id: k, expiresAt: Date.now() + 60_000, vector: v(1, 0) });
    all.get("s1");
    all.getOrCreate("s4").add({ id: "s4", expiresAt: Date.now() + 60_000, vector: v(1, 0) });
    all.trim();
    expect(all.get("s2")).toBeUndefined();
    expect(all.get("s1")).toBeDefined();
    expect(all.get("s4")).toBeDefined();
  });
});
