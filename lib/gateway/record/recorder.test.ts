import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newId } from "@/lib/ids";
import type { RequestLogJobInput } from "@/lib/queues/request-log";
import { Recorder, type RecorderDeps } from "@/lib/gateway/record/recorder";
import { Spool } from "@/lib/gateway/record/spool";

let dir: string;
let recorders: Recorder[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "gatehouse-recorder-"));
});

afterEach(async () => {
  const all = recorders;
  recorders = [];
  await Promise.all(all.map((r) => r.stop(Date.now())));
  rmSync(dir, { recursive: true, force: true });
});

function entry(overrides: Partial<RequestLogJobInput> = {}): RequestLogJobInput {
  return {
    id: newId("request"),
    createdAt: new Date().toISOString(),
    tenantId: "ten_test",
    endpoint: "models.list",
    model: "",
    status: "ok",
    httpStatus: 200,
    request: {},
    latencyMs: 1,
    ...overrides,
  };
}

/**
 * A stand-in for Redis with a switch: while `up`, enqueues succeed; while
 * down, they hang (like ioredis's offline queue) or fail, as chosen.
 */
function queue() {
  const state = { up: true, hang: true, accepted: [] as string[], calls: 0 };
  const deps: Pick<RecorderDeps, "enqueueBatch" | "probe"> = {
    enqueueBatch: (jobs: RequestLogJobInput[]) => {
      state.calls++;
      if (state.up) {
        state.accepted.push(...jobs.map((j) => j.id));
        return Promise.resolve();
      }
      return state.hang ? new Promise<never>(() => undefined) : Promise.reject(new Error("ECONNREFUSED"));
    },
    probe: async () => state.up,
  };
  return { state, deps };
}

async function eventuallyTrue(probe: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}

function recorder(q: ReturnType<typeof queue>, opts: Partial<RecorderDeps> = {}): Recorder {
  const r = new Recorder({ spool: new Spool({ dir }), ...q.deps, enqueueTimeoutMs: 30, ...opts });
  recorders.push(r);
  return r;
}

describe("Recorder", () => {
  it("enqueues while Redis is up, in batches, nothing on disk", async () => {
    const q = queue();
    const r = recorder(q, { batchSize: 10, batchWaitMs: 60_000 });
    const entries = Array.from({ length: 25 }, () => entry());
    for (const e of entries) r.record(e);
    expect(q.state.calls).toBe(2); // two full batches went at once; 5 wait for more
    await r.settled(); // sends the rest
    expect(q.state.calls).toBe(3);
    expect(q.state.accepted).toEqual(entries.map((e) => e.id));
    expect(r.stats()).toMatchObject({ state: "up", enqueued: 25, spooled: 0, inFlight: 0 });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("sends a batch early once its records are large (a job's size is bounded)", async () => {
    const q = queue();
    const r = recorder(q, { batchSize: 100, batchWaitMs: 60_000, maxBatchChars: 10_000 });
    const big = (): RequestLogJobInput => entry({ request: { messages: [{ role: "user", content: "x".repeat(4_000) }] } });
    r.record(big());
    r.record(big());
    expect(q.state.calls).toBe(0); // ~8,000 characters: still collecting
    r.record(big());
    expect(q.state.calls).toBe(1); // past 10,000: sent
    r.record(entry({ request: { messages: [{ role: "user", content: "x".repeat(20_000) }] } }));
    expect(q.state.calls).toBe(2); // one record past the bound goes alone
    await r.settled();
    expect(q.state.accepted).toHaveLength(4);
  });

  it("sends a partial batch after batchWaitMs", async () => {
    const q = queue();
    const r = recorder(q, { batchSize: 100, batchWaitMs: 1 });
    r.record(entry());
    await eventuallyTrue(() => q.state.accepted.length === 1);
    expect(q.state.calls).toBe(1);
  });

  it("spools a record whose enqueue hangs past the timeout, then skips Redis while it is down", async () => {
    const q = queue();
    q.state.up = false;
    const r = recorder(q);
    const first = entry();
    r.record(first);
    await r.settled(); // bounded by the 30 ms timeout
    expect(r.stats()).toMatchObject({ state: "down", spooled: 1, inFlight: 0 });

    const callsBefore = q.state.calls;
    const rest = Array.from({ length: 20 }, () => entry());
    for (const e of rest) r.record(e);
    expect(q.state.calls).toBe(callsBefore); // straight to the spool, no waiting on Redis
    expect(r.stats()).toMatchObject({ spooled: 21 });

    // Redis is back: the next poll probes it, seals the spool and replays it.
    q.state.up = true;
    await r.poll();
    expect(r.stats()).toMatchObject({ state: "up", replayed: 21 });
    expect(q.state.accepted.sort()).toEqual([first, ...rest].map((e) => e.id).sort());
    expect(readdirSync(dir)).toEqual([]);
  });

  it("spools at once when the enqueue fails fast", async () => {
    const q = queue();
    q.state.up = false;
    q.state.hang = false;
    const r = recorder(q, { enqueueTimeoutMs: 60_000 });
    r.record(entry());
    await r.settled();
    expect(r.stats()).toMatchObject({ state: "down", spooled: 1 });
  });

  it("stays down while the probe fails; replays nothing and keeps the files", async () => {
    const q = queue();
    q.state.up = false;
    q.state.hang = false;
    const r = recorder(q);
    r.record(entry());
    await r.settled();
    await r.poll();
    await r.spool.seal();
    expect(r.stats().state).toBe("down");
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it("bounds the enqueues waiting on Redis: past maxInFlight, records go to the spool", async () => {
    const q = queue();
    q.state.up = false; // hangs: every enqueue stays in flight until its timeout
    const r = recorder(q, { maxInFlight: 3, enqueueTimeoutMs: 1_000 });
    for (let i = 0; i < 5; i++) r.record(entry());
    expect(r.stats()).toMatchObject({ inFlight: 3, spooled: 2 });
    await r.settled(); // the three time out and are spooled too
    expect(r.stats()).toMatchObject({ inFlight: 0, spooled: 5 });
  });

  it("queues a record the schema would refuse as it was built: the worker refuses it alone and keeps it (workers/request-log.int.test.ts)", async () => {
    const q = queue();
    const r = recorder(q, { batchWaitMs: 1 });
    const bad = entry({ httpStatus: 42 });
    r.record(bad);
    await r.settled();
    expect(r.stats()).toMatchObject({ invalid: 0, recorded: 1, enqueued: 1 });
    expect(q.state.accepted).toEqual([bad.id]);
  });

  it("drops a record JSON cannot carry (a BigInt: a bug) with an error, so it cannot fail its batch", async () => {
    const q = queue();
    const r = recorder(q, { batchWaitMs: 1 });
    r.record(entry({ metadata: { n: 1n } as unknown as RequestLogJobInput["metadata"] }));
    const good = entry();
    r.record(good);
    await r.settled();
    expect(r.stats()).toMatchObject({ invalid: 1, recorded: 1, enqueued: 1 });
    expect(q.state.accepted).toEqual([good.id]);
  });

  it("records a request whose prompt and answer are nested too deep for the log, with a note in their place", async () => {
    const q = queue();
    const seen: RequestLogJobInput[] = [];
    const r = recorder(q, { batchWaitMs: 1, enqueueBatch: async (jobs) => void seen.push(...jobs) });
    let deep: unknown = "x";
    for (let i = 0; i < 2_000; i++) deep = [deep];
    const input = entry({ request: { messages: deep } as RequestLogJobInput["request"], response: { choices: deep } as RequestLogJobInput["response"] });
    r.record(input);
    await r.settled();
    expect(r.stats()).toMatchObject({ invalid: 0, recorded: 1, enqueued: 1 });
    const note = { gatehouse_not_logged: expect.stringMatching(/nested deeper than 512/) as unknown };
    expect(seen).toEqual([{ ...input, request: note, response: note }]);
  });

  it("on stop, replays what it can and seals the rest for the next process", async () => {
    const q = queue();
    q.state.up = false;
    q.state.hang = false;
    const r = recorder(q);
    for (let i = 0; i < 3; i++) r.record(entry());
    await r.settled();
    await r.stop();
    const left = readdirSync(dir);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/\.jsonl$/); // sealed, not `.open`
    // After stop, a late record still lands in the spool (never lost).
    r.record(entry());
    expect(r.stats().spooled).toBe(4);
  });
});
