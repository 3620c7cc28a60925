import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newId } from "@/lib/ids";
import { RequestLogJob, type RequestLogJobInput } from "@/lib/queues/request-log";
import { Recorder } from "@/lib/gateway/record/recorder";
import { isOwnerAlive, parseSpoolName, readSpoolBatches, Spool, type SpoolOwner, type SpoolReadStats } from "@/lib/gateway/record/spool";

let dir: string;
const spools: Spool[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "gatehouse-spool-"));
});

afterEach(async () => {
  await Promise.all(spools.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

function job(n = 0): RequestLogJob {
  return RequestLogJob.parse({
    id: newId("request"),
    createdAt: new Date().toISOString(),
    tenantId: "ten_test",
    endpoint: "models.list",
    model: "",
    status: "ok",
    httpStatus: 200,
    request: { n },
    latencyMs: n,
  });
}

function spool(opts: Partial<ConstructorParameters<typeof Spool>[0]> = {}): Spool {
  const s = new Spool({ dir, ...opts });
  spools.push(s);
  return s;
}

/** A pid that is not running (pids are below 2^22 on Linux). */
const DEAD_PID = 4_194_304 + 17;

/** Bounded polling for a condition (the stream opens its file asynchronously). */
async function eventuallyTrue(probe: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function files(): string[] {
  return readdirSync(dir).sort();
}

async function readAll(file: string): Promise<{ jobs: RequestLogJob[]; stats: SpoolReadStats }> {
  const stats: SpoolReadStats = { records: 0, skipped: 0 };
  const jobs: RequestLogJob[] = [];
  for await (const batch of readSpoolBatches(file, 3, stats)) jobs.push(...batch);
  return { jobs, stats };
}

/** A sink standing in for the queue: accepts records, or refuses once it has taken `failAfter`. */
function sink(failAfter = Infinity) {
  const accepted: string[] = [];
  let budget = failAfter;
  return {
    accepted,
    allow(n = Infinity) {
      budget = n;
    },
    async enqueueBatch(jobs: RequestLogJobInput[]) {
      if (jobs.length > budget) throw new Error("queue unavailable");
      budget -= jobs.length;
      accepted.push(...jobs.map((j) => j.id));
    },
  };
}

describe("Spool files", () => {
  it("appends one JSON line per record to one open file, sealed on demand", async () => {
    const s = spool();
    const jobs = [job(1), job(2), job(3)];
    for (const j of jobs) expect(s.append(j)).toBe(true);
    expect(s.pending).toBe(3);
    await eventuallyTrue(() => files().length === 1);
    expect(files()[0]).toMatch(/\.jsonl\.open$/);

    await s.seal();
    const [name] = files();
    expect(name).toMatch(/^request-log\.\d{13}\.\d+\.[0-9a-z]{8}\.\d+\.jsonl$/);
    const lines = readFileSync(path.join(dir, name ?? ""), "utf8").trimEnd().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as RequestLogJob).id)).toEqual(jobs.map((j) => j.id));
  });

  it("rotates by size: no file grows past the limit by more than one record", async () => {
    const one = Buffer.byteLength(`${JSON.stringify(job(1))}\n`);
    const s = spool({ maxFileBytes: one * 3 });
    const jobs = Array.from({ length: 10 }, (_, i) => job(i));
    for (const j of jobs) s.append(j);
    await s.seal();
    const names = files();
    expect(names.length).toBe(4); // 3 + 3 + 3 + 1
    expect(names.every((n) => n.endsWith(".jsonl"))).toBe(true);
    const read: string[] = [];
    for (const n of (await s.list()).map((f) => f.path)) read.push(...(await readAll(n)).jobs.map((j) => j.id));
    expect(read).toEqual(jobs.map((j) => j.id)); // oldest file first, order kept
  });

  it("rotates by age", async () => {
    let now = 1_700_000_000_000;
    const s = spool({ maxFileAgeMs: 1_000, now: () => now });
    s.append(job(1));
    now += 999;
    s.append(job(2));
    now += 1;
    s.append(job(3)); // the file is now 1 s old: sealed after this record
    s.append(job(4));
    await s.seal();
    const counts = await Promise.all((await s.list()).map(async (f) => (await readAll(f.path)).jobs.length));
    expect(counts).toEqual([3, 1]);
  });

  it("does not create a file when nothing was spooled", async () => {
    const s = spool();
    await s.seal();
    expect(files()).toEqual([]);
  });

  it("bounds its write buffer: past it, records are dropped and counted, not buffered", () => {
    const s = spool({ maxBufferedBytes: 1 });
    // The stream is still opening: everything written waits in its buffer.
    expect(s.append(job(1))).toBe(true);
    expect(s.append(job(2))).toBe(false);
    expect(s.dropped).toBe(1);
  });

  it("skips a partial last line (a crash mid-write) and a corrupt line, keeping the rest", async () => {
    const good = [job(1), job(2), job(3), job(4)];
    const file = path.join(dir, "request-log.1700000000000.1.abcdefgh.0.jsonl");
    const lines = good.map((j) => JSON.stringify(j));
    writeFileSync(file, `${lines[0]}\n${lines[1]}\n{"id":"req_broken", "tenant\n${lines[2]}\n`);
    appendFileSync(file, `${lines[3]}\n${lines[3]?.slice(0, 40)}`); // cut mid-record, no newline
    const { jobs, stats } = await readAll(file);
    expect(jobs.map((j) => j.id)).toEqual(good.map((j) => j.id));
    expect(stats).toEqual({ records: 4, skipped: 2 });
  });

  it("skips a line that is JSON but not a valid record", async () => {
    const file = path.join(dir, "request-log.1700000000000.1.abcdefgh.0.jsonl");
    writeFileSync(file, `${JSON.stringify({ ...job(1), httpStatus: 42 })}\n${JSON.stringify(job(2))}\n`);
    const { jobs, stats } = await readAll(file);
    expect(jobs).toHaveLength(1);
    expect(stats.skipped).toBe(1);
  });
});

describe("Spool ownership", () => {
  const me: SpoolOwner = { pid: process.pid, instance: "aaaaaaaa" };

  it("knows which writers are gone", () => {
    expect(isOwnerAlive({ pid: DEAD_PID, instance: "bbbbbbbb" }, me)).toBe(false);
    expect(isOwnerAlive({ pid: process.pid, instance: "aaaaaaaa" }, me)).toBe(true);
    // Our pid but another instance: an earlier process that had this pid (a restarted container).
    expect(isOwnerAlive({ pid: process.pid, instance: "bbbbbbbb" }, me)).toBe(false);
    expect(isOwnerAlive({ pid: process.ppid, instance: "bbbbbbbb" }, me)).toBe(true);
  });

  it("adopts the files of a dead writer (open or sealed), leaves a live writer's alone", async () => {
    const dead: SpoolOwner = { pid: DEAD_PID, instance: "deaddead" };
    const live: SpoolOwner = { pid: process.ppid, instance: "11ve11ve" };
    const crashed = spool({ owner: dead });
    crashed.append(job(1));
    crashed.append(job(2));
    await crashed.seal();
    // Left `.open`, as by a process killed mid-write.
    writeFileSync(path.join(dir, `request-log.1700000000000.${dead.pid}.${dead.instance}.9.jsonl.open`), `${JSON.stringify(job(3))}\n`);
    const other = spool({ owner: live });
    other.append(job(4));
    await other.seal();

    const s = spool({ owner: me });
    const claimed = await s.claimReplayable();
    expect(claimed).toHaveLength(2);
    expect(claimed.every((f) => f.instance === me.instance && !f.open)).toBe(true);
    const remaining = files().map((n) => parseSpoolName(n));
    expect(remaining.filter((f) => f?.instance === dead.instance)).toEqual([]);
    expect(remaining.filter((f) => f?.instance === live.instance)).toHaveLength(1);
  });
});

describe("readSpoolBatches", () => {
  it("bounds each batch by records and by characters (a line longer than the bound is a batch alone)", async () => {
    const s = spool();
    const small = job(1);
    const line = Buffer.byteLength(`${JSON.stringify(small)}`);
    const jobs = [job(1), job(2), job(3), job(4), job(5)];
    const huge = RequestLogJob.parse({ ...job(6), request: { text: "y".repeat(line * 3) } });
    for (const j of [...jobs, huge, job(7)]) s.append(j);
    await s.seal();
    const [file] = await s.list();
    const stats: SpoolReadStats = { records: 0, skipped: 0 };
    const sizes: number[] = [];
    // At most 3 records, and at most about two small lines' worth of characters.
    for await (const batch of readSpoolBatches(file?.path ?? "", 3, stats, line * 2 + 10)) sizes.push(batch.length);
    expect(sizes).toEqual([2, 2, 1, 1, 1]);
    expect(stats).toEqual({ records: 7, skipped: 0 });
  });
});

describe("Replay", () => {
  function recorder(s: Spool, q: ReturnType<typeof sink>) {
    return new Recorder({
      spool: s,
      enqueueBatch: (jobs) => q.enqueueBatch(jobs),
      probe: async () => true,
      replayBatchSize: 2,
    });
  }

  it("deletes a file only when every record in it was accepted", async () => {
    const s = spool({ maxFileBytes: Buffer.byteLength(`${JSON.stringify(job(1))}\n`) * 4 });
    const jobs = Array.from({ length: 8 }, (_, i) => job(i));
    for (const j of jobs) s.append(j);
    await s.seal();
    expect(files()).toHaveLength(2);

    // The queue takes the first file and half of the second, then fails.
    const q = sink(6);
    const r = recorder(s, q);
    await r.replay();
    expect(files()).toHaveLength(1); // the second file stays
    expect(r.stats().state).toBe("down");

    q.allow();
    await r.poll(); // probe succeeds: up again, replay the rest
    expect(files()).toEqual([]);
    expect(new Set(q.accepted)).toEqual(new Set(jobs.map((j) => j.id))); // all, duplicates allowed
    expect(q.accepted.length).toBeGreaterThanOrEqual(jobs.length);
  });

  it("a replay cut short by a crash is finished by the next process (adopted, then deleted)", async () => {
    const crashedOwner: SpoolOwner = { pid: process.pid, instance: "c0ffee00" };
    const s1 = spool({ owner: crashedOwner });
    const jobs = Array.from({ length: 5 }, (_, i) => job(i));
    for (const j of jobs) s1.append(j);
    await s1.seal();
    // The first process got 2 records in, then "crashed" (its file is left as it was).
    const q1 = sink(2);
    await recorder(s1, q1).replay();
    expect(q1.accepted).toHaveLength(2);
    expect(files()).toHaveLength(1);

    // A new process (same pid, as after a container restart; new instance id) starts on the same directory.
    const q2 = sink();
    await recorder(spool({ owner: { pid: process.pid, instance: "0a0a0a0a" } }), q2).replay();
    expect(files()).toEqual([]);
    expect(new Set([...q1.accepted, ...q2.accepted])).toEqual(new Set(jobs.map((j) => j.id)));
  });
});

describe("Spool on a broken disk", () => {
  it("drops and counts a record it cannot write, never throws", async () => {
    const file = path.join(dir, "not-a-dir");
    writeFileSync(file, "");
    const s = spool({ dir: path.join(file, "spool") }); // mkdir fails: a file is in the way
    expect(s.append(job(1))).toBe(false);
    expect(s.dropped).toBe(1);
  });
});
