import { describe, expect, it } from "vitest";
import { Batcher } from "@/workers/batcher";

function recorder(failOn: (items: number[]) => boolean = () => false) {
  const calls: number[][] = [];
  const write = async (items: number[]): Promise<void> => {
    calls.push(items);
    if (failOn(items)) throw new Error(`bad ${items.join(",")}`);
  };
  return { calls, write };
}

describe("Batcher", () => {
  it("writes a full batch with one call as soon as it is full", async () => {
    const r = recorder();
    const b = new Batcher(r.write, { maxSize: 3, maxWaitMs: 60_000 });
    await Promise.all([b.add(1), b.add(2), b.add(3)]);
    expect(r.calls).toEqual([[1, 2, 3]]);
  });

  it("writes a partial batch when the wait is over", async () => {
    const r = recorder();
    const b = new Batcher(r.write, { maxSize: 100, maxWaitMs: 1 });
    await Promise.all([b.add(1), b.add(2)]);
    expect(r.calls).toEqual([[1, 2]]);
  });

  it("drain() writes what is pending at once and everything after it immediately", async () => {
    const r = recorder();
    const b = new Batcher(r.write, { maxSize: 100, maxWaitMs: 60_000 });
    const first = b.add(1);
    expect(b.size).toBe(1);
    await b.drain();
    await first;
    await b.add(2);
    expect(r.calls).toEqual([[1], [2]]);
  });

  it("retries a failed batch item by item, failing only the bad item", async () => {
    const r = recorder((items) => items.includes(2));
    const b = new Batcher(r.write, { maxSize: 3, maxWaitMs: 60_000 });
    const results = await Promise.allSettled([b.add(1), b.add(2), b.add(3)]);
    expect(results.map((x) => x.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(r.calls).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it("rejects a single-item batch without a second try", async () => {
    const r = recorder(() => true);
    const b = new Batcher(r.write, { maxSize: 1, maxWaitMs: 60_000 });
    await expect(b.add(7)).rejects.toThrow("bad 7");
    expect(r.calls).toEqual([[7]]);
  });
});
