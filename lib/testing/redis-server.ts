/**
 * A private, throw-away `redis-server` for tests that stop or restart Redis
 * (never the shared one on 6379): no persistence, so a restart comes back
 * empty, like a cache node that lost its memory. Waits on the server's own
 * "Ready to accept connections" line, never on a sleep.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export interface PrivateRedis {
  port: number;
  /** `redis://127.0.0.1:<port>/0` (the whole server is ours). */
  url: string;
  /** Stops the server (SIGTERM, waits for exit). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  running(): boolean;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | undefined;

  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      proc = child;
      let out = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`redis-server on ${port} not ready within 10 s\n${out}`));
      }, 10_000);
      child.stdout?.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server on ${port} exited (${code})\n${out}`));
      });
    });

  const stop = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
    p.kill("SIGTERM");
    await exited;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    stop,
    start,
    running: () => Boolean(proc && proc.exitCode === null && proc.signalCode === null),
  };
}
