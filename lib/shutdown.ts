import { log } from "@/lib/log";

/**
 * Process entry points (server.ts, workers/index.ts) stop through this: the
 * first SIGTERM/SIGINT runs `shutdown` once and exits with the code it returns;
 * a second signal exits at once with 1.
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
