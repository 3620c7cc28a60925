import { AsyncLocalStorage } from "node:async_hooks";
import { pino, type Logger } from "pino";

/**
 * Structured logs, one event name per line (`gateway.fallback`). Request and
 * tenant ids come from AsyncLocalStorage. Never log prompts, completions or secrets.
 */
export interface LogContext {
  requestId?: string;
  tenantId?: string;
}

// One logger and one context store per process: Next loads modules several
// times in dev, and each copy would otherwise add a stdout listener.
const globalForLog = globalThis as unknown as { gatehouseLog?: { logger: Logger; context: AsyncLocalStorage<LogContext> } };

export const logContext: AsyncLocalStorage<LogContext> =
  globalForLog.gatehouseLog?.context ?? new AsyncLocalStorage<LogContext>();

const base: Logger = globalForLog.gatehouseLog?.logger ?? pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  mixin: () => ({ ...logContext.getStore() }),
  redact: { paths: ["secret", "apiKey", "password", "*.secret", "*.apiKey", "*.password", "authorization"], remove: true },
});
globalForLog.gatehouseLog ??= { logger: base, context: logContext };

export function log(level: "debug" | "info" | "warn" | "error", event: string, fields: Record<string, unknown> = {}): void {
  base[level]({ event, ...fields });
}

export const logger = base;
