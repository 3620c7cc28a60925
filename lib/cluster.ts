import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { log } from "@/lib/log";
import { onShutdownSignal, SHUTDOWN_MESSAGE, within } from "@/lib/shutdown";

/**
 * Several data-plane processes on one port (GATEHOUSE_GATEWAY_PROCESSES > 1,
 * GATEHOUSE_ROLE=gateway): the process started becomes a node:cluster
 * primary that only supervises; each worker is a whole gateway (server.ts)
 * and the primary hands new connections to them in turn. A Node process runs
 * its JavaScript on one core, so this is how one instance uses more than
 * one. It pays where the cores are the gateway's: on the bench's 2-core
 * machine, whose second core the load generator and the simulator already
 * use, two processes gave no reliable gain (README, "Benchmark").
 *
 * - Nothing is shared in memory: each worker keeps its own config snapshot
 *   (kept current the same way), its own request-log spool (file names carry
 *   the pid), its own body budget (GATEHOUSE_MAX_INFLIGHT_BODY_BYTES is per
 *   process) and heap cap. Circuit state, limits, budgets, idempotency and
 *   the cache are in Redis already, so the processes agree as separate
 *   instances do.
 * - The primary says it is listening once every worker is
 *   (`Gatehouse listening on ... (role: gateway, N processes)`).
 * - A worker that exits on its own is replaced after a second; more than
 *   `MAX_RESTARTS` exits within a minute stop the whole instance (exit 1:
 *   something is wrong that a restart will not fix).
 * - SIGTERM/SIGINT: each worker is told to drain (an IPC message: the
 *   graceful shutdown of server.ts, also when the signal reached the worker
 *   itself, as Ctrl-C does), the primary waits for all of them (bounded by
 *   the shutdown timeout, then SIGKILL) and exits 0 when all stopped cleanly.
 *   A worker whose primary is gone exits (node:cluster).
 */

const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
const RESTART_DELAY_MS = 1_000;

/** GATEHOUSE_GATEWAY_PROCESSES as a count: `auto` is one per core. */
export function gatewayProcessCount(setting: number | "auto"): number {
  return setting === "auto" ? Math.max(1, availableParallelism()) : setting;
}

/** Whether this process should supervise workers instead of serving (the cluster primary of a multi-process gateway). */
export function isGatewayPrimary(role: string, processes: number): boolean {
  return role === "gateway" && processes > 1 && cluster.isPrimary;
}

/** The primary's whole job. Returns at once; the process lives on its workers and exits through the shutdown handler. */
export function superviseGatewayWorkers(opts: { processes: number; shutdownTimeoutMs: number; listeningLine: (url: string) => string }): void {
  let stopping = false;
  let crashLoop = false;
  const exits: number[] = [];
  const listening = new Set<number>();
  let announced = false;

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on("listening", (address) => {
      listening.add(worker.id);
      if (announced || listening.size < opts.processes) return;
      announced = true;
      const host = address.address === "0.0.0.0" || address.address === "::" || !address.address ? "localhost" : address.address;
      process.stdout.write(`${opts.listeningLine(`http://${host}:${address.port}`)}\n`);
      log("info", "cluster.listening", { port: address.port, processes: opts.processes });
    });
    return worker;
  };

  cluster.on("exit", (worker, code, signal) => {
    listening.delete(worker.id);
    if (stopping) return;
    const now = Date.now();
    exits.push(now);
    while (exits.length > 0 && (exits[0] ?? 0) < now - RESTART_WINDOW_MS) exits.shift();
    if (exits.length > MAX_RESTARTS) {
      log("error", "cluster.crash_loop", { exits: exits.length, windowMs: RESTART_WINDOW_MS, action: "stopping" });
      crashLoop = true;
      process.kill(process.pid, "SIGTERM");
      return;
    }
    log("error", "cluster.worker_exited", { pid: worker.process.pid, code, signal, action: "replacing it" });
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS);
  });

  onShutdownSignal(async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const starting = new Set(workers.filter((w) => !listening.has(w.id)).map((w) => w.id));
    const codes = workers.map(
      (w) =>
        new Promise<number>((resolve) => {
          // A worker stopped by our signal before it listened served nobody: that is a clean stop.
          const codeOf = (code: number | null, signal: string | null): number => code ?? (signal === "SIGTERM" && starting.has(w.id) ? 0 : 1);
          if (w.isDead()) resolve(codeOf(w.process.exitCode, w.process.signalCode));
          else w.once("exit", (code: number | null, signal: string | null) => resolve(codeOf(code, signal)));
        }),
    );
    // A worker still starting has no shutdown handler yet (server.ts sets it up once it listens): a
    // signal stops it at once, and it was serving nobody. The others are told over IPC, which never
    // forces a worker that already got the signal itself (Ctrl-C reaches the whole process group).
    for (const w of workers) {
      if (!starting.has(w.id) && w.isConnected()) w.send(SHUTDOWN_MESSAGE);
      else if (!w.isDead()) w.process.kill("SIGTERM");
    }
    // Each worker bounds its own drain by the same timeout; the margin covers its last flushes.
    if ((await within(Promise.all(codes), opts.shutdownTimeoutMs + 10_000)) === "timeout") {
      log("warn", "cluster.shutdown_timeout", { action: "killing the workers left" });
      for (const w of workers) if (!w.isDead()) w.process.kill("SIGKILL");
      return 1;
    }
    const all = await Promise.all(codes);
    return !crashLoop && all.every((c) => c === 0) ? 0 : 1;
  });

  for (let i = 0; i < opts.processes; i++) fork();
}
