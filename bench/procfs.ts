/**
 * What the kernel knows about a process: CPU time and memory from /proc, and
 * per-socket TCP counters from `ss` (how many segments and bytes the process
 * itself wrote to Redis or Postgres, independent of anything else talking to
 * the same shared server).
 */
import { execFile, execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
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

/** User + system CPU time of a process so far, in milliseconds (10 ms resolution). */
export async function cpuTimeMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicksPerSecond();
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

/** Samples the RSS of some processes every `everyMs` and keeps the maximum of each. */
export class RssSampler {
  private readonly max = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pids: readonly number[],
    private readonly everyMs = 200,
  ) {}

  start(): void {
    this.max.clear();
    const sample = (): void => {
      for (const pid of this.pids) {
        memoryOf(pid).then(
          (m) => this.max.set(pid, Math.max(this.max.get(pid) ?? 0, m.rssMb)),
          () => undefined,
        );
      }
    };
    sample();
    this.timer = setInterval(sample, this.everyMs);
    this.timer.unref();
  }

  /** Stops sampling; the maximum RSS (MB) seen per pid. */
  stop(): Map<number, number> {
    clearInterval(this.timer);
    this.timer = undefined;
    return new Map(this.max);
  }
}

export interface SocketCounters {
  /** Local port -> counters of one established connection of `pid` to `remotePort`. */
  sockets: Map<number, { segsOut: number; bytesSent: number }>;
}

/**
 * The established TCP connections of `pid` to 127.0.0.1:`remotePort`, with
 * the data segments and bytes each has sent so far (`ss -tinp`). On loopback
 * with TCP_NODELAY (ioredis and pg set it) a small write is one segment, so
 * data segments sent = writes = request round trips (a pipeline is one).
 */
export async function socketCounters(pid: number, remotePort: number): Promise<SocketCounters> {
  const { stdout } = await execFileAsync("ss", ["-tinpH", "state", "established", `( dport = :${remotePort} )`], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const sockets = new Map<number, { segsOut: number; bytesSent: number }>();
  const lines = stdout.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s/.test(line) || line.trim() === "") continue;
    if (!new RegExp(`pid=${pid},`).test(line)) continue;
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

/** Local ports of `pid`'s connections to `remotePort` (to attribute Redis MONITOR lines to a process). */
export async function localPortsOf(pid: number, remotePort: number): Promise<Set<number>> {
  return new Set((await socketCounters(pid, remotePort)).sockets.keys());
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
