import fs from "node:fs";
import { mkdir, readdir, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { RequestLogJob, type RequestLogJobInput } from "@/lib/queues/request-log";
import { log } from "@/lib/log";

/**
 * The local spool of the request log: where a record goes when Redis cannot
 * take it, until the recorder replays it (recorder.ts).
 *
 * Files (one directory, `GATEHOUSE_SPOOL_DIR`):
 *
 *   request-log.<ms>.<pid>.<instance>.<seq>.jsonl.open   the file being written (one per process)
 *   request-log.<ms>.<pid>.<instance>.<seq>.jsonl        sealed: complete, waiting to be replayed
 *
 * One JSON record per line, appended through a single write stream (never an
 * open/close per record). The active file is sealed (flushed, fsynced, closed,
 * renamed) when it reaches `maxFileBytes` or `maxFileAgeMs`, when Redis comes
 * back, and on shutdown. A file is deleted only once every record in it was
 * accepted by the queue.
 *
 * Ownership: the name carries the writer's pid and a random instance id. A
 * process replays its own sealed files, and adopts (by an atomic rename to its
 * own name) the files of writers that are gone: a crashed process's `.open`
 * file, or a file whose replay was cut short by a crash. Files of another live
 * process on the same host are left to it (it may be pointed at another
 * Redis). Processes sharing one spool directory must share a pid namespace
 * (one host, one container); give each container its own directory.
 *
 * Durability (fsync policy): a record is in the kernel a few milliseconds after
 * `append()` (the stream writes asynchronously), so it survives a crash of the
 * process; the file is fsynced every `fsyncIntervalMs` (default 1 s) while
 * there are unsynced writes and when sealed, so a power loss or kernel crash
 * costs at most that last second (like Redis's `appendfsync everysec`).
 * A crash can leave a partial last line: replay skips it (that record never
 * finished being written).
 *
 * Memory is bounded: while the disk lags, at most `maxBufferedBytes` wait in
 * the stream's buffer; past that a record is dropped with an error log
 * (`record.spool_overflow`) rather than growing without limit.
 */
export interface SpoolOptions {
  dir: string;
  maxFileBytes?: number;
  maxFileAgeMs?: number;
  fsyncIntervalMs?: number;
  maxBufferedBytes?: number;
  /** Tests: pretend to be another writer. */
  owner?: SpoolOwner;
  now?: () => number;
}

export interface SpoolOwner {
  pid: number;
  instance: string;
}

export interface SpoolFile {
  name: string;
  path: string;
  createdMs: number;
  pid: number;
  instance: string;
  seq: number;
  open: boolean;
}

const NAME = /^request-log\.(\d{13})\.(\d+)\.([0-9a-z]{8})\.(\d+)\.jsonl(\.open)?$/;

export function parseSpoolName(name: string, dir = "."): SpoolFile | null {
  const m = NAME.exec(name);
  if (!m) return null;
  return {
    name,
    path: path.join(dir, name),
    createdMs: Number(m[1]),
    pid: Number(m[2]),
    instance: m[3] ?? "",
    seq: Number(m[4]),
    open: m[5] !== undefined,
  };
}

function spoolName(createdMs: number, owner: SpoolOwner, seq: number, open: boolean): string {
  return `request-log.${String(createdMs).padStart(13, "0")}.${owner.pid}.${owner.instance}.${seq}.jsonl${open ? ".open" : ""}`;
}

/**
 * This process's owner id. Kept on globalThis: in `GATEHOUSE_ROLE=all` Next's
 * bundle loads its own copy of this module, and both copies must be one owner.
 */
export function processOwner(): SpoolOwner {
  const g = globalThis as unknown as { gatehouseSpoolInstance?: string };
  g.gatehouseSpoolInstance ??= randomBytes(5).toString("hex").slice(0, 8);
  return { pid: process.pid, instance: g.gatehouseSpoolInstance };
}

/** Whether the writer of a spool file may still be running (it then owns the file). */
export function isOwnerAlive(file: Pick<SpoolFile, "pid" | "instance">, me: SpoolOwner): boolean {
  if (file.instance === me.instance) return true;
  // Our pid, another instance: an earlier process that had our pid (containers: pid 1).
  if (file.pid === me.pid) return false;
  try {
    process.kill(file.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface Active {
  file: SpoolFile;
  stream: fs.WriteStream;
  bytes: number;
  records: number;
  dirty: boolean;
  failed: boolean;
}

export class Spool {
  readonly dir: string;
  readonly owner: SpoolOwner;
  private readonly maxFileBytes: number;
  private readonly maxFileAgeMs: number;
  private readonly maxBufferedBytes: number;
  private readonly now: () => number;
  private active: Active | undefined;
  private seq = 0;
  private sealing: Promise<void> = Promise.resolve();
  private readonly fsyncTimer: NodeJS.Timeout;
  private dirReady = false;
  /** Records appended since start, and dropped (buffer full or the disk failed). */
  appended = 0;
  dropped = 0;

  constructor(opts: SpoolOptions) {
    this.dir = path.resolve(opts.dir);
    this.owner = opts.owner ?? processOwner();
    this.maxFileBytes = opts.maxFileBytes ?? 16 * 1024 * 1024;
    this.maxFileAgeMs = opts.maxFileAgeMs ?? 60_000;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.now = opts.now ?? Date.now;
    this.fsyncTimer = setInterval(() => this.fsyncActive(), opts.fsyncIntervalMs ?? 1_000);
    this.fsyncTimer.unref();
  }

  /** Records in the file being written (not yet sealed). */
  get pending(): number {
    return this.active?.records ?? 0;
  }

  /**
   * Appends one record as one line (validated when it is replayed, and again
   * by the worker). Never throws and never waits: returns false when the
   * record had to be dropped.
   */
  append(job: RequestLogJobInput): boolean {
    let line: string;
    try {
      line = `${JSON.stringify(job)}\n`;
    } catch (err) {
      this.dropped++;
      log("error", "record.spool_failed", { reason: "unserialisable", err });
      return false;
    }
    let active: Active;
    try {
      active = this.active ?? this.open();
    } catch (err) {
      this.dropped++;
      log("error", "record.spool_failed", { reason: "cannot open a spool file", dir: this.dir, err, requestId: job.id });
      return false;
    }
    if (active.failed || active.stream.writableLength > this.maxBufferedBytes) {
      this.dropped++;
      log("error", "record.spool_overflow", { file: active.file.name, buffered: active.stream.writableLength, requestId: job.id });
      return false;
    }
    active.stream.write(line);
    active.bytes += Buffer.byteLength(line);
    active.records++;
    active.dirty = true;
    this.appended++;
    if (active.bytes >= this.maxFileBytes || this.now() - active.file.createdMs >= this.maxFileAgeMs) void this.seal();
    return true;
  }

  private open(): Active {
    if (!this.dirReady) {
      fs.mkdirSync(this.dir, { recursive: true });
      this.dirReady = true;
    }
    const createdMs = this.now();
    const file = parseSpoolName(spoolName(createdMs, this.owner, this.seq++, true), this.dir);
    if (!file) throw new Error("unreachable: spool name does not parse");
    const stream = fs.createWriteStream(file.path, { flags: "a", autoClose: false });
    const active: Active = { file, stream, bytes: 0, records: 0, dirty: false, failed: false };
    stream.on("error", (err) => {
      active.failed = true;
      log("error", "record.spool_failed", { file: file.name, err });
    });
    this.active = active;
    log("warn", "record.spool_opened", { file: file.name });
    return active;
  }

  private fsyncActive(): void {
    const a = this.active;
    const fd = a ? fdOf(a.stream) : null;
    if (!a?.dirty || fd === null || a.failed) return;
    a.dirty = false;
    fs.fsync(fd, (err) => {
      if (err) log("error", "record.spool_fsync_failed", { file: a.file.name, err });
    });
  }

  /**
   * Finishes the file being written: every buffered line written, fsynced,
   * closed, renamed to its sealed name (replayable). Resolves when done; calls
   * are serialised. No-op when nothing is being written.
   */
  seal(): Promise<void> {
    const a = this.active;
    if (!a) return this.sealing;
    this.active = undefined;
    this.sealing = this.sealing.then(() => sealFile(a));
    return this.sealing;
  }

  /** Seals the active file and stops the fsync timer. */
  async close(): Promise<void> {
    clearInterval(this.fsyncTimer);
    await this.seal();
  }

  /** Every spool file in the directory, oldest first. */
  async list(): Promise<SpoolFile[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const files = names.map((n) => parseSpoolName(n, this.dir)).filter((f): f is SpoolFile => f !== null);
    return files.sort((a, b) => a.createdMs - b.createdMs || a.seq - b.seq || a.name.localeCompare(b.name));
  }

  /**
   * The sealed files this process should replay now, oldest first: its own,
   * plus those of writers that are gone, adopted by renaming them to its own
   * name (atomic: when two processes race for one, one gets it).
   */
  async claimReplayable(): Promise<SpoolFile[]> {
    const out: SpoolFile[] = [];
    for (const f of await this.list()) {
      if (f.instance === this.owner.instance) {
        if (!f.open) out.push(f);
        continue;
      }
      if (isOwnerAlive(f, this.owner)) continue;
      const adopted = parseSpoolName(spoolName(f.createdMs, this.owner, this.seq++, false), this.dir);
      if (!adopted) continue;
      try {
        await rename(f.path, adopted.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // another process adopted it first
        throw err;
      }
      log("warn", "record.spool_adopted", { from: f.name, to: adopted.name });
      out.push(adopted);
    }
    return out;
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.dirReady = true;
  }
}

/** The stream's file descriptor once open (untyped in @types/node). */
function fdOf(stream: fs.WriteStream): number | null {
  const fd = (stream as fs.WriteStream & { fd?: number | null }).fd;
  return typeof fd === "number" ? fd : null;
}

async function sealFile(a: Active): Promise<void> {
  const { stream, file } = a;
  await new Promise<void>((resolve) => {
    if (a.failed) return resolve();
    stream.end(() => resolve());
    stream.once("error", () => resolve());
  });
  const fd = fdOf(stream);
  if (fd !== null && !a.failed) {
    await new Promise<void>((resolve) =>
      fs.fsync(fd, (err) => {
        if (err) log("error", "record.spool_fsync_failed", { file: file.name, err });
        resolve();
      }),
    );
  }
  // destroy(), not close(): with autoClose off, close() after end() waits for a 'finish' already emitted.
  await new Promise<void>((resolve) => {
    if (stream.closed) return resolve();
    stream.once("close", () => resolve());
    stream.destroy();
  });
  if (a.records === 0) {
    await unlink(file.path).catch(() => undefined);
    return;
  }
  const sealed = file.path.replace(/\.open$/, "");
  try {
    await rename(file.path, sealed);
    log("info", "record.spool_sealed", { file: path.basename(sealed), records: a.records, bytes: a.bytes });
  } catch (err) {
    // Left as `.open`: adopted and replayed by the next process that starts here.
    log("error", "record.spool_seal_failed", { file: file.name, err });
  }
}

export interface SpoolReadStats {
  records: number;
  /** Lines that are not a valid record: a partial last line after a crash, or corruption. */
  skipped: number;
}

/**
 * Reads a spool file in batches of valid records (at most `batchSize`
 * records, and no more lines than make `maxBatchChars` characters, unless one
 * line alone does), streaming (bounded memory). Each batch is replayed as one
 * queue job. A line that is not JSON or not a valid record is skipped and
 * counted, never fatal: after a crash the last line may be cut short.
 */
export async function* readSpoolBatches(file: string, batchSize: number, stats: SpoolReadStats, maxBatchChars = Infinity): AsyncGenerator<RequestLogJob[]> {
  const input = fs.createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let batch: RequestLogJob[] = [];
  let batchChars = 0;
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        stats.skipped++;
        log("warn", "record.spool_line_skipped", { file: path.basename(file), line: lineNo, reason: "not JSON (cut short by a crash?)" });
        continue;
      }
      const parsed = RequestLogJob.safeParse(value);
      if (!parsed.success) {
        stats.skipped++;
        log("error", "record.spool_line_skipped", { file: path.basename(file), line: lineNo, reason: parsed.error.issues[0]?.message });
        continue;
      }
      stats.records++;
      if (batch.length > 0 && batchChars + line.length > maxBatchChars) {
        yield batch;
        batch = [];
        batchChars = 0;
      }
      batch.push(parsed.data);
      batchChars += line.length;
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
        batchChars = 0;
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    lines.close();
    input.destroy();
  }
}
