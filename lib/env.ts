import { z } from "zod";

/**
 * Every environment variable Gatehouse reads, validated once. A missing or
 * malformed variable stops the process with one line naming it (see
 * formatEnvError); `.env.example` documents each of them.
 */
const Bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" }),
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).default("redis://127.0.0.1:6379"),
    /** 0 = any free port (tests); the server prints the URL it listens on. */
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    GATEHOUSE_ROLE: z.enum(["all", "gateway", "web"]).default("all"),
    /**
     * Processes serving the data plane on one port (GATEHOUSE_ROLE=gateway only): N, or `auto` (one
     * per core). Above 1 the started process supervises that many node:cluster workers (lib/cluster.ts).
     */
    GATEHOUSE_GATEWAY_PROCESSES: z.union([z.literal("auto"), z.coerce.number().int().min(1).max(256)]).default(1),
    /** Public URL of the dashboard, used by next-auth for callbacks. */
    NEXTAUTH_URL: z.url().optional(),
    NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)"),
    /** 32 bytes, base64 or hex: the AES-256-GCM key for provider secrets at rest. */
    GATEHOUSE_ENCRYPTION_KEY: z
      .string()
      .refine((v) => decodeKey(v) !== null, "must be 32 bytes as 64 hex characters or base64 (openssl rand -base64 32)"),
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_NAME: z.string().default("Single sign-on"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Where request-log records go when Redis cannot take them; replayed later. */
    GATEHOUSE_SPOOL_DIR: z.string().default("var/spool"),
    /** Largest request body the data plane accepts. */
    GATEHOUSE_MAX_BODY_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024),
    /**
     * Request bodies the data plane holds at once, in bytes: past it a request gets 503 `overloaded`
     * (retry-after 1) instead of being parsed. Bounds the heap a burst of large prompts can take
     * (the gateway runs with a capped heap: npm run start:gateway, GATEHOUSE_GATEWAY_HEAP_MB).
     */
    GATEHOUSE_MAX_INFLIGHT_BODY_BYTES: z.coerce.number().int().positive().default(32 * 1024 * 1024),
    /** Idle keep-alive of server.ts; longer than the load balancer's idle timeout (AWS ALB: 60 s). */
    GATEHOUSE_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().positive().default(65_000),
    /** How long SIGTERM waits for in-flight requests (web) or jobs in hand (worker) before forcing. */
    GATEHOUSE_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(25_000),
    /** Request log (gateway): records per queue job (one INSERT in the worker), and how long a partial batch waits to fill. */
    GATEHOUSE_REQUEST_LOG_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
    GATEHOUSE_REQUEST_LOG_BATCH_WAIT_MS: z.coerce.number().int().min(0).default(200),
    GATEHOUSE_SECURE_COOKIES: Bool.optional(),
    /** Gateway config snapshot: how often each instance compares the Redis config version (the fallback when a pub/sub message is lost). */
    GATEHOUSE_CONFIG_POLL_MS: z.coerce.number().int().min(50).default(1_000),
    /** Gateway config snapshot: full reload from Postgres this often regardless of the version (the bound when Redis lost a change entirely); 0 = never. */
    GATEHOUSE_CONFIG_REFRESH_MS: z.coerce.number().int().min(0).default(60_000),
    /** Worker: how often budget counters in Redis are reconciled with the request log (raised, never lowered); 0 = never. */
    GATEHOUSE_BUDGET_RECONCILE_MS: z.coerce.number().int().min(0).default(60_000),
    /** Worker: how long the usage roll-up of an hour waits after a request-log batch touched it; every batch written meanwhile rides on that one job. */
    GATEHOUSE_USAGE_ROLLUP_DELAY_MS: z.coerce.number().int().min(0).max(300_000).default(5_000),
  })
  .superRefine((env, ctx) => {
    const oidc = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      for (const [name, value] of [
        ["OIDC_ISSUER", env.OIDC_ISSUER],
        ["OIDC_CLIENT_ID", env.OIDC_CLIENT_ID],
        ["OIDC_CLIENT_SECRET", env.OIDC_CLIENT_SECRET],
      ] as const) {
        if (!value) ctx.addIssue({ code: "custom", path: [name], message: "is required when any OIDC_* variable is set" });
      }
    }
  });

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  override name = "EnvError";
}

export function decodeKey(value: string): Buffer | null {
  const hex = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, "hex") : null;
  if (hex) return hex;
  const b64 = Buffer.from(value, "base64");
  return b64.length === 32 ? b64 : null;
}

/** One line per problem, naming the variable: `Invalid environment: DATABASE_URL is required`. */
export function formatEnvError(error: z.ZodError): string {
  const parts = error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "environment");
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    return missing ? `${name} is required` : `${name} ${issue.message}`;
  });
  return `Invalid environment: ${parts.join("; ")}`;
}

/** Parses a given environment; throws EnvError with one clear line. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ""));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) throw new EnvError(formatEnvError(result.error));
  return result.data;
}

let cached: Env | undefined;

/** The process environment, parsed on first use and cached. */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For tests that change process.env. */
export function resetEnvCache(): void {
  cached = undefined;
}

/**
 * For process entry points (server.ts, workers/index.ts): the parsed
 * environment, or one line on stderr naming the bad variable and exit code 1.
 */
export function getEnvOrExit(): Env {
  try {
    return getEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
