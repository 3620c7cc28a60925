import { pino, type Logger } from "pino";

/**
 * Structured logs, one event name per line (`gateway.fallback`). Never log
 * prompts, completions or secrets.
 *
 * Request and tenant ids are passed explicitly (`log(level, event, fields,
 * { requestId, tenantId })`; in the data plane `logContextOf(ctx)` of
 * lib/gateway/types.ts), not carried in an AsyncLocalStorage: on Node 20 an
 * active AsyncLocalStorage installs a promise hook that runs for every
 * promise of the process, measured at 60-80 µs of CPU per gateway request
 * (issue 3, "Speed").
 */
export interface LogContext {
  requestId?: string;
  tenantId?: string;
}

// One logger per process: Next loads modules several times in dev, and each
// copy would otherwise add a stdout listener.
const globalForLog = globalThis as unknown as { gatehouseLog?: { logger: Logger } };

const base: Logger =
  globalForLog.gatehouseLog?.logger ??
  pino({
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ["secret", "apiKey", "password", "*.secret", "*.apiKey", "*.password", "authorization"], remove: true },
  });
globalForLog.gatehouseLog ??= { logger: base };

export function log(level: "debug" | "info" | "warn" | "error", event: string, fields: Record<string, unknown> = {}, context?: LogContext): void {
  // A disabled level costs one check, not the line's object (the data plane logs a debug line per request).
  if (!base.isLevelEnabled(level)) return;
  base[level](context ? { event, ...context, ...fields } : { event, ...fields });
}

export const logger = base;
