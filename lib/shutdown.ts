import { log } from "@/lib/log";

/** What a multi-process gateway's primary sends its workers to make them drain (lib/cluster.ts). */
export const SHUTDOWN_MESSAGE = { gatehouse: "shutdown" } as const;

function isShutdownMessage(m: unknown): boolean {
  return typeof m === "object" && m !== null && (m as { gatehouse?: unknown }).gatehouse === SHUTDOWN_MESSAGE.gatehouse;
}

/**
 * Process entry points (server.ts, workers/index.ts) stop through this: the
 * first SIGTERM/SIGINT runs `shutdown` once and exits with the code it returns;
 * a second signal exits at once with 1. A cluster worker also stops on its
 * primary's SHUTDOWN_MESSAGE, which never forces: Ctrl-C signals the primary
 * and its workers alike, and the primary then tells each worker to drain.
 */
export function onShutdownSignal(shutdown: (signal: NodeJS.Signals) => Promise<number>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log("warn", "process.forced_exit", { signal });
      process.exit(1);
    }
    stopping = true;
    log("info", "process.shutdown", { signal });
    shutdown(signal).then(
      (code) => process.exit(code),
      (err: unknown) => {
        log("error", "process.shutdown_failed", { err });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
  if (process.send) {
    process.on("message", (m: unknown) => {
      if (isShutdownMessage(m) && !stopping) handler("SIGTERM");
    });
  }
}

/** Resolves "done" when `work` settles, "timeout" after `ms`, whichever first. */
export async function within(work: Promise<unknown>, ms: number): Promise<"done" | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([work.then(() => "done" as const, () => "done" as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
