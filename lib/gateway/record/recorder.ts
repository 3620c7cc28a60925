import { unlink } from "node:fs/promises";
import path from "node:path";
import { approximateJsonLength } from "@/lib/queues/json-value";
import type { RequestLogJobInput } from "@/lib/queues/request-log";
import { log } from "@/lib/log";
import { readSpoolBatches, type Spool, type SpoolReadStats } from "@/lib/gateway/record/spool";

/**
 * Stage 12's request log: every record goes to the BullMQ queue, or, when
 * Redis cannot take it, to the local spool, from which it is replayed once
 * Redis is back. None is dropped (except past the memory bound, loudly).
 *
 * - `record()` never throws and never makes the caller wait: it is called
 *   after the response is complete. It collects the record, as built, into
 *   a batch: up to `batchSize` records, `maxBatchChars` of JSON (about 4 MB:
 *   large prompts make smaller jobs) or `batchWaitMs`
 *   (GATEHOUSE_REQUEST_LOG_BATCH_SIZE / _WAIT_MS, default 100 / 200 ms),
 *   whichever comes first, enqueued as ONE job (`enqueueBatch`: one EVALSHA,
 *   one BullMQ job, one INSERT in the worker).
 * - Records are validated by the worker, not here: it parses each with the
 *   schema (RequestLogJob) and keeps one it refuses in BullMQ's failed set
 *   with its data, so a bug in a record is visible there and loses nothing
 *   (a second zod pass here was ~4% of the gateway's CPU per request). Only
 *   what JSON cannot carry is caught here, since it would fail its whole
 *   batch: a prompt or answer nested deeper than the log takes is replaced
 *   by a note (the request is still recorded); anything else (a BigInt, a
 *   cycle: a bug) is counted as `invalid`, logged, and not recorded.
 * - An enqueue gets `enqueueTimeoutMs` (200 ms). On a failure or timeout its
 *   records are spooled and Redis is marked down; while down, records skip
 *   Redis and go straight to the spool, and a probe checks Redis every
 *   `pollMs`. A timed-out enqueue may still land later: the records are then
 *   both queued and spooled, which is harmless (below).
 * - Replay (this process, where the spool is): when Redis is up, the active
 *   spool file is sealed and every replayable file is read in batches of
 *   `replayBatchSize` records, each enqueued as one job; a file is deleted
 *   only when every record in it was accepted. A failure stops the replay,
 *   keeps the file, and marks Redis down. A crash mid-replay keeps the file
 *   too: the next process adopts and replays it. Replaying twice is
 *   idempotent: the worker inserts with ON CONFLICT DO NOTHING on the row key
 *   (request id, created_at), so a record in two jobs is stored once.
 * - At start the recorder replays what earlier processes left behind.
 * - Memory is bounded: at most `maxInFlight` records wait on Redis (more go
 *   to the spool), the spool bounds its write buffer, and replay streams files.
 * - A record still in the batch being collected (at most `batchWaitMs` old)
 *   is lost if the process is killed outright (SIGKILL, OOM); SIGTERM
 *   enqueues or spools it (stop()).
 */
export interface RecorderDeps {
  spool: Spool;
  /** Enqueues records as one job, in one round trip; rejects when Redis cannot take them. */
  enqueueBatch(records: RequestLogJobInput[]): Promise<unknown>;
  /** Whether Redis answers now (a PING with a short timeout). */
  probe(): Promise<boolean>;
  enqueueTimeoutMs?: number;
  batchSize?: number;
  /** A batch is sent once its records take about this many characters of JSON. */
  maxBatchChars?: number;
  batchWaitMs?: number;
  bulkTimeoutMs?: number;
  replayBatchSize?: number;
  maxInFlight?: number;
  /** Probe (while down) and replay check (while up) interval. */
  pollMs?: number;
}

export interface RecorderStats {
  state: "up" | "down";
  recorded: number;
  enqueued: number;
  spooled: number;
  dropped: number;
  invalid: number;
  replayed: number;
  replaySkipped: number;
  inFlight: number;
}

export class Recorder {
  private state: "up" | "down" = "up";
  private inFlight = 0;
  private readonly inFlightSettled = new Set<() => void>();
  private replaying: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  private batch: RequestLogJobInput[] = [];
  private batchChars = 0;
  private batchTimer: NodeJS.Timeout | undefined;
  private readonly opts: Required<Omit<RecorderDeps, "spool" | "enqueueBatch" | "probe">>;
  private readonly counts = { recorded: 0, enqueued: 0, spooled: 0, dropped: 0, invalid: 0, replayed: 0, replaySkipped: 0 };

  constructor(private readonly deps: RecorderDeps) {
    this.opts = {
      enqueueTimeoutMs: deps.enqueueTimeoutMs ?? 200,
      batchSize: deps.batchSize ?? 100,
      maxBatchChars: deps.maxBatchChars ?? 4_000_000,
      batchWaitMs: deps.batchWaitMs ?? 200,
      bulkTimeoutMs: deps.bulkTimeoutMs ?? 5_000,
      replayBatchSize: deps.replayBatchSize ?? 200,
      maxInFlight: deps.maxInFlight ?? 10_000,
      pollMs: deps.pollMs ?? 500,
    };
  }

  get spool(): Spool {
    return this.deps.spool;
  }

  stats(): RecorderStats {
    return { state: this.state, inFlight: this.inFlight + this.batch.length, ...this.counts, dropped: this.counts.dropped + this.deps.spool.dropped };
  }

  /** Starts the timer and replays leftovers of earlier processes (in the background). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs);
    this.timer.unref();
    void this.poll();
  }

  /** Records one request. Never throws, never waits. */
  record(input: RequestLogJobInput): void {
    let job = input;
    let chars = jsonLengthOrError(job);
    if (typeof chars !== "number") {
      // A prompt or answer JSON cannot carry (nested deeper than the log takes):
      // the request is still recorded, with a note where they were.
      const note = { gatehouse_not_logged: chars.message };
      job = { ...input, request: note, response: input.response == null ? input.response : note };
      chars = jsonLengthOrError(job);
      if (typeof chars !== "number") {
        // A bug in the code that built the record.
        this.counts.invalid++;
        log("error", "record.invalid", { requestId: input.id, reason: chars.message });
        return;
      }
    }
    this.counts.recorded++;
    if (this.state === "down" || this.stopped || this.inFlight + this.batch.length >= this.opts.maxInFlight) {
      this.toSpool(job);
      return;
    }
    this.batch.push(job);
    this.batchChars += chars;
    if (this.batch.length >= this.opts.batchSize || this.batchChars >= this.opts.maxBatchChars) this.flush();
    else this.batchTimer ??= setTimeout(() => this.flush(), this.opts.batchWaitMs);
  }

  /** Enqueues the collected batch (bounded by enqueueTimeoutMs); on failure its records go to the spool. */
  private flush(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const jobs = this.batch;
    if (jobs.length === 0) return;
    this.batch = [];
    this.batchChars = 0;
    if (this.state === "down") {
      for (const job of jobs) this.toSpool(job);
      return;
    }
    this.inFlight += jobs.length;
    let done = false;
    const settle = (ok: boolean, reason?: unknown): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.inFlight -= jobs.length;
      if (ok) this.counts.enqueued += jobs.length;
      else {
        this.markDown(reason);
        for (const job of jobs) this.toSpool(job);
      }
      if (this.inFlight === 0 && this.batch.length === 0) for (const resolve of this.inFlightSettled) resolve();
    };
    const timer = setTimeout(() => settle(false, "timeout"), this.opts.enqueueTimeoutMs);
    try {
      this.deps.enqueueBatch(jobs).then(
        () => settle(true),
        (err: unknown) => settle(false, err),
      );
    } catch (err) {
      settle(false, err);
    }
  }

  private toSpool(job: RequestLogJobInput): void {
    if (this.deps.spool.append(job)) this.counts.spooled++;
  }

  private markDown(reason: unknown): void {
    if (this.state === "down") return;
    this.state = "down";
    const error = reason instanceof Error ? reason.message : String(reason);
    log("warn", "record.queue_unavailable", { error, action: "spooling to disk", dir: this.deps.spool.dir });
  }

  /** Probe while down; seal and replay while up. One at a time (a second call joins the first). */
  poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    try {
      if (this.state === "down") {
        if (!(await this.deps.probe())) return;
        this.state = "up";
        log("info", "record.queue_available", { action: "replaying the spool" });
      }
      await this.replay();
    } catch (err) {
      log("error", "record.poll_failed", { err });
    }
  }

  /**
   * Seals the file being written (when it has records) and replays every
   * replayable spool file, oldest first, until done, `deadline` (epoch ms)
   * or a failure. One replay at a time.
   */
  replay(deadline = Infinity): Promise<void> {
    this.replaying ??= this.replayFiles(deadline).finally(() => {
      this.replaying = undefined;
    });
    return this.replaying;
  }

  private async replayFiles(deadline: number): Promise<void> {
    const spool = this.deps.spool;
    if (spool.pending > 0) await spool.seal();
    const files = await spool.claimReplayable();
    for (const file of files) {
      if (this.state === "down" || Date.now() > deadline) return;
      const stats: SpoolReadStats = { records: 0, skipped: 0 };
      try {
        for await (const batch of readSpoolBatches(file.path, this.opts.replayBatchSize, stats, this.opts.maxBatchChars)) {
          if (Date.now() > deadline) return;
          await withTimeout(this.deps.enqueueBatch(batch), this.opts.bulkTimeoutMs);
          this.counts.replayed += batch.length;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        // Kept on disk; the next poll after Redis is back starts this file over (duplicates are harmless).
        this.markDown(err);
        log("warn", "record.replay_interrupted", { file: file.name, replayed: stats.records });
        return;
      }
      this.counts.replaySkipped += stats.skipped;
      await unlink(file.path);
      log("info", "record.spool_replayed", { file: path.basename(file.path), records: stats.records, skipped: stats.skipped });
    }
  }

  /** Sends the collected batch now, and resolves when no enqueue is waiting on Redis (each is bounded by enqueueTimeoutMs). */
  async settled(): Promise<void> {
    this.flush();
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.inFlightSettled.delete(done);
        resolve();
      };
      this.inFlightSettled.add(done);
    });
  }

  /**
   * Shutdown: waits for enqueues in flight, replays what it can until
   * `deadline`, then seals the spool (what is left is replayed by the next
   * process started on this spool directory).
   */
  async stop(deadline = Date.now() + 5_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.settled();
    this.stopped = true;
    await this.polling;
    if (this.state === "up") await this.replay(deadline).catch((err: unknown) => log("error", "record.replay_failed", { err }));
    await this.replaying;
    await this.deps.spool.close();
    const s = this.stats();
    log("info", "record.stopped", { enqueued: s.enqueued, spooled: s.spooled, replayed: s.replayed, dropped: s.dropped });
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function jsonLengthOrError(value: unknown): number | Error {
  try {
    return approximateJsonLength(value);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}
