import { describe, expect, it } from "vitest";
import { BUCKETS, bucketOf, hash32, isInRollout, percentToBasisPoints } from "@/lib/flags/bucket";

const N = 100_000;

/** Deterministic pseudo-random ids (mulberry32), shaped like our prefixed ids. */
function randomIds(n: number, seed: number): string[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = "usr_";
    for (let j = 0; j < 20; j++) s += alphabet[Math.floor(next() * 32)];
    out.push(s);
  }
  return out;
}

const sequentialIds = Array.from({ length: N }, (_, i) => `user-${i}`);
const randomLookingIds = randomIds(N, 42);

describe("hash32", () => {
  it("is MurmurHash3 x86_32, seed 0, over UTF-8 (reference vectors)", () => {
    expect(hash32("")).toBe(0);
    expect(hash32("hello")).toBe(613153351); // 0x248bfa47
    expect(hash32("The quick brown fox jumps over the lazy dog")).toBe(776992547); // 0x2e4ff723
  });

  it("hashes unicode as its UTF-8 bytes, and long keys (buffer growth) like short ones", () => {
    const enc = new TextEncoder();
    // Two-byte, three-byte and four-byte (surrogate pair) characters.
    for (const s of ["Zoë", "日本語のユーザー", "emoji 🎉👩‍💻", "a".repeat(5000) + "é".repeat(3000)]) {
      const bytes = enc.encode(s);
      // Reference: a plain MurmurHash3 over the bytes.
      expect(hash32(s)).toBe(murmur3Reference(bytes));
    }
    // After growing, short keys still hash the same.
    expect(hash32("hello")).toBe(613153351);
  });
});

describe("bucketOf", () => {
  it("never changes for a given input (changing it would reshuffle users mid-rollout)", () => {
    expect(bucketOf("new-model", "flg_1", "user-1")).toBe(2897);
    expect(bucketOf("new-model", "flg_1", "user-2")).toBe(3884);
    expect(bucketOf("acme-ai-kill-switch", "flg_x", "usr_42")).toBe(7239);
    // A prompt canary: key = prompt id, salt = canary version id, unit = end-user (unicode ids hash as UTF-8).
    expect(bucketOf("pmt_1", "pmv_2", "Zoë-日本")).toBe(9980);
  });

  it("stays in 0..9999", () => {
    let min = Infinity;
    let max = -Infinity;
    let nonIntegers = 0;
    for (const id of randomLookingIds) {
      const b = bucketOf("flag", "salt", id);
      if (!Number.isInteger(b)) nonIntegers++;
      if (b < min) min = b;
      if (b > max) max = b;
    }
    expect(nonIntegers).toBe(0);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(BUCKETS - 1);
    // 100k draws over 10k buckets reach both ends.
    expect(min).toBeLessThan(10);
    expect(max).toBeGreaterThan(BUCKETS - 10);
  });

  const idSets: Record<string, string[]> = { "sequential ids": sequentialIds, "random-looking ids": randomLookingIds };
  it.each(Object.keys(idSets))("puts p%% of 100,000 %s in a p%% rollout, within 1 percentage point", (name) => {
    const ids = idSets[name]!;
    const buckets = ids.map((id) => bucketOf("checkout-v2", "flg_01", id));
    for (const p of [1, 5, 10, 25, 33, 50, 67, 75, 90, 95, 99]) {
      const inside = buckets.filter((b) => b < p * 100).length;
      const share = (inside / ids.length) * 100;
      expect(Math.abs(share - p), `p=${p}: got ${share.toFixed(3)}%`).toBeLessThanOrEqual(1);
    }
  });

  it("spreads evenly: every one of 100 percentiles holds 1% (+-0.3 pp) of 100,000 ids", () => {
    const counts = new Array<number>(100).fill(0);
    for (const id of randomLookingIds) {
      const b = bucketOf("even", "s", id);
      counts[Math.floor(b / 100)]! += 1;
    }
    for (const c of counts) expect(Math.abs(c / N - 0.01)).toBeLessThan(0.003);
    // Chi-square over 100 cells, 99 degrees of freedom: 99 +- 14; 160 is far in the tail.
    const expected = N / 100;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(160);
  });

  it("is monotone: whoever is in at 5% is in at 50% and 100%, and at every step up", () => {
    const steps = [0, 1, 5, 10, 25, 50, 75, 100];
    let droppedOut = 0;
    for (const id of randomLookingIds.slice(0, 20_000)) {
      let wasIn = false;
      for (const p of steps) {
        const nowIn = isInRollout("ramp", "flg_r", id, p);
        if (wasIn && !nowIn) droppedOut++;
        wasIn = nowIn;
      }
    }
    expect(droppedOut).toBe(0);
    const at5 = new Set(randomLookingIds.filter((id) => isInRollout("ramp", "flg_r", id, 5)));
    const at50 = new Set(randomLookingIds.filter((id) => isInRollout("ramp", "flg_r", id, 50)));
    expect(at5.size).toBeGreaterThan(4000);
    expect([...at5].filter((id) => !at50.has(id))).toEqual([]);
    expect(randomLookingIds.every((id) => isInRollout("ramp", "flg_r", id, 100))).toBe(true);
    expect(randomLookingIds.some((id) => isInRollout("ramp", "flg_r", id, 0))).toBe(false);
  });

  it("is sticky: the same user gets the same answer on every call", () => {
    const first = randomLookingIds.map((id) => bucketOf("sticky", "s", id));
    const again = randomLookingIds.map((id) => bucketOf("sticky", "s", id));
    expect(again).toEqual(first);
  });

  it("makes different flags (and different salts) independent of each other", () => {
    const pairs: Array<[string, string, string, string]> = [
      ["flag-a", "flg_1", "flag-b", "flg_2"],
      ["same-key", "flg_1", "same-key", "flg_2"], // same key in two tenants: the salt (flag id) separates them
      ["new-model", "flg_1", "new-model-v2", "flg_1"],
    ];
    for (const [ka, sa, kb, sb] of pairs) {
      const a = randomLookingIds.map((id) => bucketOf(ka, sa, id));
      const b = randomLookingIds.map((id) => bucketOf(kb, sb, id));
      // Pearson correlation of the buckets: |r| ~ 1/sqrt(n) = 0.003 when independent.
      expect(Math.abs(pearson(a, b)), `${ka}/${sa} vs ${kb}/${sb}`).toBeLessThan(0.02);
      // 10% of one and 10% of the other overlap on ~1% of users, as independence predicts.
      let both = 0;
      for (let i = 0; i < N; i++) if (a[i]! < 1000 && b[i]! < 1000) both++;
      expect(Math.abs(both / N - 0.01)).toBeLessThan(0.002);
      // Being in one 50% rollout says nothing about the other (phi coefficient of the 2x2 table).
      const inA = a.map((x) => (x < 5000 ? 1 : 0));
      const inB = b.map((x) => (x < 5000 ? 1 : 0));
      expect(Math.abs(pearson(inA, inB))).toBeLessThan(0.02);
    }
  });

});

describe("percentToBasisPoints / isInRollout", () => {
  it("maps percentages to basis points, clamped", () => {
    expect(percentToBasisPoints(0)).toBe(0);
    expect(percentToBasisPoints(5)).toBe(500);
    expect(percentToBasisPoints(12.34)).toBe(1234);
    expect(percentToBasisPoints(100)).toBe(BUCKETS);
    expect(percentToBasisPoints(150)).toBe(BUCKETS);
    expect(percentToBasisPoints(-3)).toBe(0);
    expect(percentToBasisPoints(Number.NaN)).toBe(0);
  });

  it("puts a bucket equal to the threshold outside (bucket < p * 100)", () => {
    const edge = randomLookingIds.find((id) => bucketOf("edge", "s", id) === 2000);
    const below = randomLookingIds.find((id) => bucketOf("edge", "s", id) === 1999);
    expect(edge && below).toBeTruthy();
    expect(isInRollout("edge", "s", edge!, 20)).toBe(false);
    expect(isInRollout("edge", "s", below!, 20)).toBe(true);
    expect(isInRollout("edge", "s", edge!, 21)).toBe(true);
  });

  it("needs no unit key at 0% and 100%", () => {
    expect(isInRollout("f", "s", "", 100)).toBe(true);
    expect(isInRollout("f", "s", "", 0)).toBe(false);
  });
});

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i]!;
    sy += y[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let cov = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    cov += dx * dy;
    vx += dx * dx;
    vy += dy * dy;
  }
  return cov / Math.sqrt(vx * vy);
}

/** MurmurHash3 x86_32, seed 0, straight from the reference C code, as an independent check. */
function murmur3Reference(data: Uint8Array): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = 0;
  const nblocks = data.length >>> 2;
  for (let i = 0; i < nblocks; i++) {
    let k = data[i * 4]! | (data[i * 4 + 1]! << 8) | (data[i * 4 + 2]! << 16) | (data[i * 4 + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = nblocks * 4;
  switch (data.length & 3) {
    case 3:
      k ^= data[tail + 2]! << 16;
    // falls through
    case 2:
      k ^= data[tail + 1]! << 8;
    // falls through
    case 1:
      k ^= data[tail]!;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
