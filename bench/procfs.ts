/**
 * What the kernel knows about a process: CPU time and memory from /proc, and
 * per-socket TCP counters from `ss` (how many segments and bytes the process
 * itself wrote to Redis or Postgres, independent of anything else talking to
 * the same shared server).
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

let ticks: number | undefined;

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on Linux/x86). */
export function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** The fields of /proc/<pid>/stat after the command name (which may contain spaces): field 3 (state) is [0]. */
async function statFields(pid: number): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** User + system CPU time of a process so far, in milliseconds (10 ms resolution). */
export async function cpuTimeMs(pid: number): Promise<number> {
  // utime is field 14, stime 15.
  const fields = await statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond();
}

// ---------------------------------------------------------------- process trees

/**
 * A process and its descendants that run the same executable, `root` first
 * (the gateway in multi-process mode: a node:cluster primary and the node
 * workers it forked; not the esbuild service tsx starts beside a process run
 * under tsx, which never served a request). Read afresh each time: workers can
 * be restarted under new pids. Uses
 * /proc/<pid>/task/<tid>/children (every thread's, as a child belongs to the
 * thread that forked it), or a scan of /proc/<pid>/stat for the parent pid
 * where the kernel lacks that file. Empty if `root` is gone.
 */
export async function processTree(root: number): Promise<number[]> {
  const tree: number[] = [];
  const queue = [root];
  const exe = await exeOf(root);
  let byParent: Map<number, number[]> | undefined;
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (tree.includes(pid)) continue;
    let kids: number[] | null;
    if (hasChildrenFiles()) {
      kids = await childrenFromTasks(pid);
    } else {
      byParent ??= await parentMap();
      kids = byParent.has(pid) || (await statFields(pid).then(() => true, () => false)) ? (byParent.get(pid) ?? []) : null;
    }
    if (kids === null) continue; // Gone.
    if (pid !== root && exe !== null && (await exeOf(pid)) !== exe) continue;
    tree.push(pid);
    queue.push(...kids);
  }
  return tree;
}

/** The executable a process runs (/proc/<pid>/exe), or null if unreadable. */
async function exeOf(pid: number): Promise<string | null> {
  return readlink(`/proc/${pid}/exe`).catch(() => null);
}

let childrenFiles: boolean | undefined;

/** Whether the kernel has /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN). */
function hasChildrenFiles(): boolean {
  childrenFiles ??= existsSync(`/proc/${process.pid}/task/${process.pid}/children`);
  return childrenFiles;
}

/** The children of `pid` (of all its threads), or null if it is gone. */
async function childrenFromTasks(pid: number): Promise<number[] | null> {
  let tids: string[];
  try {
    tids = await readdir(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const kids: number[] = [];
  for (const tid of tids) {
    // A thread that just ended has no file any more: skip it.
    const text = await readFile(`/proc/${pid}/task/${tid}/children`, "utf8").catch(() => "");
    for (const k of text.trim().split(/\s+/)) if (k) kids.push(Number(k));
  }
  return kids;
}

/** Parent pid -> its children, for every process (one scan of /proc). */
async function parentMap(): Promise<Map<number, number[]>> {
  const byParent = new Map<number, number[]>();
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number((await statFields(Number(name)))[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone meanwhile.
    }
  }
  return byParent;
}

/** CPU time (ms) per process of a tree, keyed by "pid:starttime" so that a reused pid is another process. */
export type CpuSnapshot = Map<string, number>;

export async function cpuOfTree(root: number): Promise<CpuSnapshot> {
  return cpuOfPids(await processTree(root));
}

export async function cpuOfPids(pids: readonly number[]): Promise<CpuSnapshot> {
  const snap: CpuSnapshot = new Map();
  await Promise.all(
    pids.map(async (pid) => {
      try {
        const f = await statFields(pid);
        // starttime is field 22.
        snap.set(`${pid}:${f[19]}`, ((Number(f[11]) + Number(f[12])) * 1000) / clockTicksPerSecond());
      } catch {
        // Gone meanwhile: as if it had ended before the snapshot.
      }
    }),
  );
  return snap;
}

export interface CpuDelta {
  /** CPU (ms) between the snapshots: the delta of each process in both, plus all of each process started in between. */
  ms: number;
  /** Processes in `after` only (started during the interval: their whole CPU counts). */
  appeared: number;
  /** Processes in `before` only (ended during the interval: their CPU after `before` is not counted). */
  disappeared: number;
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuDelta {
  let ms = 0;
  let appeared = 0;
  for (const [key, a] of after) {
    const b = before.get(key);
    if (b === undefined) appeared++;
    ms += a - (b ?? 0);
  }
  let disappeared = 0;
  for (const key of before.keys()) if (!after.has(key)) disappeared++;
  return { ms, appeared, disappeared };
}

export interface Memory {
  rssMb: number;
  /** Peak RSS since the process started (VmHWM). */
  hwmMb: number;
}

export async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? "0");
  return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
}

/** The memory of every process of a tree (see processTree), by pid. */
export async function memoryOfTree(root: number): Promise<Map<number, Memory>> {
  const out = new Map<number, Memory>();
  await Promise.all(
    (await processTree(root)).map(async (pid) => {
      const m = await memoryOf(pid).catch(() => null);
      if (m) out.set(pid, m);
    }),
  );
  return out;
}

export interface RssPeak {
  /** The largest RSS (MB) any single process of the tree reached. */
  perProcessMb: number;
  /** The largest sum of the tree's RSS in one sample (MB). */
  totalMb: number;
  /** The most processes the tree had in one sample. */
  processes: number;
}

/**
 * Samples the RSS of a process tree (re-read each time: processes come and
 * go) every `everyMs` and keeps the largest single process and the largest total.
 */
export class RssSampler {
  private peak: RssPeak = { perProcessMb: 0, totalMb: 0, processes: 0 };
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly root: number,
    private readonly everyMs = 200,
  ) {}

  start(): void {
    this.peak = { perProcessMb: 0, totalMb: 0, processes: 0 };
    const sample = (): void => {
      if (this.busy) return;
      this.busy = true;
      memoryOfTree(this.root)
        .then(
          (tree) => {
            if (this.timer === undefined || tree.size === 0) return;
            const rss = [...tree.values()].map((m) => m.rssMb);
            this.peak = {
              perProcessMb: Math.max(this.peak.perProcessMb, ...rss),
              totalMb: Math.max(this.peak.totalMb, rss.reduce((a, b) => a + b, 0)),
              processes: Math.max(this.peak.processes, tree.size),
            };
          },
          () => undefined,
        )
        .finally(() => {
          this.busy = false;
        });
    };
    this.timer = setInterval(sample, this.everyMs);
    this.timer.unref();
    sample();
  }

  /** Stops sampling; the peaks seen. */
  stop(): RssPeak {
    clearInterval(this.timer);
    this.timer = undefined;
    return { ...this.peak };
  }
}

export interface SocketCounters {
  /** Local port -> counters of one established connection of the pids to `remotePort`. */
  sockets: Map<number, { segsOut: number; bytesSent: number }>;
}

/**
 * The established TCP connections of `pids` (one process, or every process
 * of a tree: their union) to 127.0.0.1:`remotePort`, with
 * the data segments and bytes each has sent so far (`ss -tinp`). On loopback
 * with TCP_NODELAY (ioredis and pg set it) a small write is one segment, so
 * data segments sent = writes = request round trips (a pipeline is one).
 */
export async function socketCounters(pids: number | readonly number[], remotePort: number): Promise<SocketCounters> {
  const wanted = new Set(typeof pids === "number" ? [pids] : pids);
  const { stdout } = await execFileAsync("ss", ["-tinpH", "state", "established", `( dport = :${remotePort} )`], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const sockets = new Map<number, { segsOut: number; bytesSent: number }>();
  const lines = stdout.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s/.test(line) || line.trim() === "") continue;
    if (![...line.matchAll(/\bpid=(\d+),/g)].some((m) => wanted.has(Number(m[1])))) continue;
    // "<recv-q> <send-q> <local addr:port> <peer addr:port> users:((...))"
    const local = line.trim().split(/\s+/)[2] ?? "";
    const localPort = Number(local.slice(local.lastIndexOf(":") + 1));
    const info = lines[i + 1] ?? "";
    const segsOut = Number(/\bdata_segs_out:(\d+)/.exec(info)?.[1] ?? "0");
    const bytesSent = Number(/\bbytes_sent:(\d+)/.exec(info)?.[1] ?? "0");
    sockets.set(localPort, { segsOut, bytesSent });
  }
  return { sockets };
}

/** What a process sent on its connections between two snapshots (connections opened in between count whole). */
export function socketDelta(before: SocketCounters, after: SocketCounters): { segments: number; bytes: number; connections: number } {
  let segments = 0;
  let bytes = 0;
  for (const [port, a] of after.sockets) {
    const b = before.sockets.get(port);
    // A reused port with smaller counters is a new connection.
    const fresh = !b || a.segsOut < b.segsOut;
    segments += fresh ? a.segsOut : a.segsOut - b.segsOut;
    bytes += fresh ? a.bytesSent : a.bytesSent - b.bytesSent;
  }
  return { segments, bytes, connections: after.sockets.size };
}

/** Local ports of the connections of `pids` to `remotePort` (to attribute Redis MONITOR lines to a process or tree). */
export async function localPortsOf(pids: number | readonly number[], remotePort: number): Promise<Set<number>> {
  return new Set((await socketCounters(pids, remotePort)).sockets.keys());
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Busy and total CPU time of the whole machine so far (ms, all cores), from /proc/stat. */
export async function machineCpuMs(): Promise<{ busyMs: number; totalMs: number }> {
  const stat = await readFile("/proc/stat", "utf8");
  const fields = (stat.split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  const scale = 1000 / clockTicksPerSecond();
  return { busyMs: busy * scale, totalMs: (busy + idle + iowait) * scale };
}
