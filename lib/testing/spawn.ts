/**
 * Runs one of the project's entry points (server.ts, workers/index.ts) as a
 * real child process for integration tests, and waits for the line it prints
 * when ready. No sleeps: every wait is on output or exit, bounded by a timeout.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { testEnv } from "@/lib/testing/env";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout match of `pattern`; rejects if the process exits first or after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited(timeoutMs?: number): Promise<number | string>;
  /** SIGKILL if still running (test cleanup). */
  kill(): void;
}

/** The environment a child gets: the int test settings, no `.env` file, plus overrides (undefined removes). */
export function childEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...testEnv,
    // Never pick up a developer's .env: the test decides every variable.
    DOTENV_CONFIG_PATH: "/dev/null",
    HOST: "127.0.0.1",
    PORT: "0",
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

export function spawnEntry(entry: string, env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", entry], { cwd: REPO_ROOT, env, stdio: "pipe" });
  let out = "";
  let err = "";
  proc.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  proc.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exit = new Promise<number | string>((resolve) => {
    proc.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });

  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = out.match(pattern);
          if (m) {
            cleanup();
            resolve(m);
          }
          return Boolean(m);
        };
        const onExit = (code: number | null): void => {
          cleanup();
          reject(new Error(`${entry} exited (${code}) before printing ${pattern}\nstdout: ${out}\nstderr: ${err}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${entry} did not print ${pattern} within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          proc.stdout.off("data", check);
          proc.off("exit", onExit);
        };
        if (check()) return;
        proc.stdout.on("data", check);
        proc.once("exit", onExit);
      });
    },
    exited(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${entry} still running after ${timeoutMs} ms\nstderr: ${err}`)), timeoutMs);
      });
      return Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    },
  };
}

/** Starts server.ts and resolves with its base URL once it is listening. */
export async function startServer(overrides: Record<string, string | undefined> = {}): Promise<{ child: Child; url: string }> {
  const child = spawnEntry("server.ts", childEnv({ GATEHOUSE_ROLE: "gateway", ...overrides }));
  try {
    const m = await child.waitFor(/Gatehouse listening on (http:\/\/\S+)/);
    return { child, url: m[1] ?? "" };
  } catch (err) {
    child.kill();
    throw err;
  }
}

/** Polls `probe` until it returns a value other than undefined; bounded, no fixed sleeps in the test itself. */
export async function eventually<T>(probe: () => Promise<T | undefined>, opts: { timeoutMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? "condition"}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
