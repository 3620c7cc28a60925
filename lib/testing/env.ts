/**
 * Fixed settings for the test layers, so no test ever touches the dev database
 * (`gatehouse`, Redis db 0). Integration tests: `gatehouse_test`, Redis db 1.
 * Browser tests: `gatehouse_e2e`, Redis db 2.
 */
export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export function pgUrl(database: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

// Overridable so two checkouts (or two people) on one machine do not collide.
export const INT_DATABASE = process.env.GATEHOUSE_TEST_DATABASE ?? "gatehouse_test";
export const E2E_DATABASE = process.env.GATEHOUSE_E2E_DATABASE ?? "gatehouse_e2e";
const INT_REDIS_DB = process.env.GATEHOUSE_TEST_REDIS_DB ?? "1";
const E2E_REDIS_DB = process.env.GATEHOUSE_E2E_REDIS_DB ?? "2";

const redisBase = process.env.TEST_REDIS_BASE_URL ?? "redis://127.0.0.1:6379";

export const testEnv = {
  NODE_ENV: "test",
  DATABASE_URL: pgUrl(INT_DATABASE),
  REDIS_URL: `${redisBase}/${INT_REDIS_DB}`,
  NEXTAUTH_SECRET: "test-secret-test-secret-test-secret-0123456789",
  NEXTAUTH_URL: "http://127.0.0.1:3100",
  // 32 bytes of hex: a fixed key for tests only.
  GATEHOUSE_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
  GATEHOUSE_SPOOL_DIR: "var/test-spool",
  LOG_LEVEL: "silent",
} as const;

export const e2eEnv = {
  ...testEnv,
  NODE_ENV: "production",
  DATABASE_URL: pgUrl(E2E_DATABASE),
  REDIS_URL: `${redisBase}/${E2E_REDIS_DB}`,
  GATEHOUSE_SPOOL_DIR: "var/e2e-spool",
} as const;
