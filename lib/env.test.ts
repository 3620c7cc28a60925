import { describe, expect, it } from "vitest";
import { EnvError, formatEnvError, parseEnv, EnvSchema } from "@/lib/env";

const valid = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/gatehouse",
  NEXTAUTH_SECRET: "x".repeat(32),
  GATEHOUSE_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
};

function errorOf(source: Record<string, string | undefined>): string {
  try {
    parseEnv(source);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvError);
    return (err as EnvError).message;
  }
  throw new Error("parseEnv accepted an invalid environment");
}

describe("parseEnv", () => {
  it("fills defaults", () => {
    const env = parseEnv(valid);
    expect(env).toMatchObject({
      NODE_ENV: "development",
      REDIS_URL: "redis://127.0.0.1:6379",
      PORT: 3000,
      GATEHOUSE_ROLE: "all",
      GATEHOUSE_MAX_BODY_BYTES: 4 * 1024 * 1024,
      GATEHOUSE_KEEP_ALIVE_TIMEOUT_MS: 65_000,
      GATEHOUSE_REQUEST_LOG_BATCH_SIZE: 100,
    });
  });

  it("coerces numbers and accepts PORT=0 (any free port)", () => {
    expect(parseEnv({ ...valid, PORT: "0", GATEHOUSE_MAX_BODY_BYTES: "1024" })).toMatchObject({ PORT: 0, GATEHOUSE_MAX_BODY_BYTES: 1024 });
  });

  it("accepts a base64 encryption key", () => {
    expect(() => parseEnv({ ...valid, GATEHOUSE_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") })).not.toThrow();
  });

  it("treats an empty variable as unset", () => {
    expect(errorOf({ ...valid, DATABASE_URL: "" })).toBe("Invalid environment: DATABASE_URL is required");
  });

  it("names a missing required variable", () => {
    expect(errorOf({ ...valid, DATABASE_URL: undefined })).toBe("Invalid environment: DATABASE_URL is required");
    expect(errorOf({ ...valid, NEXTAUTH_SECRET: undefined })).toBe("Invalid environment: NEXTAUTH_SECRET is required");
  });

  it("names a malformed variable and says what is expected", () => {
    expect(errorOf({ ...valid, GATEHOUSE_ENCRYPTION_KEY: "abc" })).toMatch(
      /^Invalid environment: GATEHOUSE_ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64/,
    );
    expect(errorOf({ ...valid, DATABASE_URL: "mysql://x@y/z" })).toBe(
      "Invalid environment: DATABASE_URL must be a postgres:// or postgresql:// URL",
    );
    expect(errorOf({ ...valid, GATEHOUSE_ROLE: "both" })).toMatch(/^Invalid environment: GATEHOUSE_ROLE /);
    expect(errorOf({ ...valid, PORT: "70000" })).toMatch(/^Invalid environment: PORT /);
    expect(errorOf({ ...valid, GATEHOUSE_MAX_BODY_BYTES: "-1" })).toMatch(/^Invalid environment: GATEHOUSE_MAX_BODY_BYTES /);
  });

  it("reports every problem on one line", () => {
    const message = errorOf({ NEXTAUTH_SECRET: "short", GATEHOUSE_ENCRYPTION_KEY: valid.GATEHOUSE_ENCRYPTION_KEY });
    expect(message.split("\n")).toHaveLength(1);
    expect(message).toContain("DATABASE_URL is required");
    expect(message).toContain("NEXTAUTH_SECRET must be at least 32 characters");
  });

  it("requires all OIDC variables once one is set", () => {
    const message = errorOf({ ...valid, OIDC_ISSUER: "https://login.example.com" });
    expect(message).toContain("OIDC_CLIENT_ID is required when any OIDC_* variable is set");
    expect(message).toContain("OIDC_CLIENT_SECRET is required when any OIDC_* variable is set");
  });
});

describe("formatEnvError", () => {
  it("formats a ZodError from the schema", () => {
    const result = EnvSchema.safeParse({});
    expect(result.success).toBe(false);
    if (result.success) return;
    const line = formatEnvError(result.error);
    expect(line.startsWith("Invalid environment: ")).toBe(true);
    expect(line).toContain("DATABASE_URL is required");
    expect(line).toContain("GATEHOUSE_ENCRYPTION_KEY is required");
  });
});
