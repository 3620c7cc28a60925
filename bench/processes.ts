/**
 * The processes the bench starts (simulator, gateway, worker, maybe a private
 * redis-server), and the promise that every one of them is stopped again:
 * on success, on failure, on Ctrl-C, and (SIGKILL, synchronously) when this
 * process exits any other way.
 *
 * Each child runs in its own process group (`detached`), so a Ctrl-C in the
 * terminal reaches only the bench, which then stops its children in order
 * (SIGTERM: the gateway flushes its request log; SIGKILL after a timeout).
 */
import { appendFileSync } from "node:fs";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const KEEP_OUTPUT = 64 * 1024;

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first or after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. */
  stop(timeoutMs?: number): Promise<void>;
}

const live = new Set<Proc>();
const cleanups: Array<() => Promise<void>> = [];

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** A TypeScript entry point of the repo run with tsx (`node [...nodeArgs] --import tsx <entry> ...args`), as one process. */
export function spawnTs(name: string, entry: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Proc {
  return spawnProc(name, process.execPath, [...nodeArgs, "--import", "tsx", entry, ...args], env);
}

/**
 * The gateway as deployed for the data plane (`npm run start:gateway`): the
 * esbuild bundle dist/server.mjs, built now (`npm run build:gateway`) so it
 * is the code of this checkout. `tsx: true` runs server.ts under tsx instead.
 */
export async function spawnGateway(env: NodeJS.ProcessEnv, nodeArgs: string[], opts: { tsx: boolean }): Promise<Proc> {
  if (opts.tsx) return spawnTs("gateway", "server.ts", [], env, nodeArgs);
  await new Promise<void>((resolve, reject) => {
    execFile("npm", ["run", "--silent", "build:gateway"], { cwd: REPO_ROOT }, (err, _stdout, stderr) =>
      err ? reject(new Error(`npm run build:gateway failed: ${stderr || err.message}`)) : resolve(),
    );
  });
  // As `npm run start:gateway` runs it: the heap capped (GATEHOUSE_GATEWAY_HEAP_MB, default 256).
  const heap = `--max-old-space-size=${process.env.GATEHOUSE_GATEWAY_HEAP_MB ?? "256"}`;
  return spawnProc("gateway", process.execPath, [heap, ...nodeArgs, "dist/server.mjs"], env);
}

export function spawnProc(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const pid = child.pid;
  let out = "";
  // GATEHOUSE_BENCH_LOG_DIR: every line each process prints also goes to <dir>/<name>.log (e.g. with --trace-gc).
  const logDir = process.env.GATEHOUSE_BENCH_LOG_DIR;
  const logFile = logDir ? path.join(logDir, `${name}.log`) : null;
  const append = (d: string): void => {
    out = (out + d).slice(-KEEP_OUTPUT);
    if (logFile) appendFileSync(logFile, d);
  };
  child.stdout?.setEncoding("utf8").on("data", append);
  child.stderr?.setEncoding("utf8").on("data", append);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  const proc: Proc = {
    name,
    pid,
    child,
    output: () => out,
    running,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out.match(pattern);
          if (!m) return;
          cleanup();
          resolve(m);
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
          cleanup();
          reject(new Error(`${name} exited (${code ?? signal}) before printing ${pattern}\n${out}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms\n${out}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          child.stdout?.off("data", check);
          child.off("exit", onExit);
        };
        child.stdout?.on("data", check);
        child.once("exit", onExit);
        check();
      });
    },
    async stop(timeoutMs = 15_000) {
      if (!running()) return;
      killGroup(pid, "SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const outcome = await Promise.race([exited.then(() => "exited" as const), timeout]);
      clearTimeout(timer);
      if (outcome === "timeout") {
        killGroup(pid, "SIGKILL");
        await exited;
      }
      // Anything the child left in its group.
      killGroup(pid, "SIGKILL");
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

/** Something else to undo at the end (a private redis-server, an open client). Run in reverse order. */
export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

let stopping: Promise<void> | undefined;

/** Stops every child (in reverse start order) and runs the cleanups. Safe to call more than once. */
export function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    for (const proc of [...live].reverse()) {
      await proc.stop().catch(() => undefined);
    }
    for (const fn of cleanups.reverse()) {
      await fn().catch(() => undefined);
    }
  })();
  return stopping;
}

// Last resort: whatever is still running when this process exits dies with it.
process.on("exit", () => {
  for (const proc of live) killGroup(proc.pid, "SIGKILL");
});
