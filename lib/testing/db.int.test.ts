import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { createDb } from "@/lib/db";
import { dropDatabase, withDatabase } from "@/lib/db-migrate/database";
import { prepareTestDatabase, truncateAll, withPgClient } from "./db";
import { testEnv } from "./env";

const url = withDatabase(testEnv.DATABASE_URL, `${new URL(testEnv.DATABASE_URL).pathname.slice(1)}_prep_${randomBytes(3).toString("hex")}`);

afterAll(async () => {
  await dropDatabase(url);
});

describe("test database helpers", () => {
  test("prepareTestDatabase gives a fresh migrated database; truncateAll empties every table but the history", async () => {
    await prepareTestDatabase(url);
    const db = createDb(url);
    try {
      await db.tenant.create({ data: { id: "ten_t", slug: "t", name: "T" } });
      await db.user.create({ data: { id: "usr_t", email: "t@example.test", name: "T" } });
      await db.membership.create({ data: { id: "mem_t", tenantId: "ten_t", userId: "usr_t", role: "owner" } });
      await db.requestLog.create({
        data: { id: "req_t", tenantId: "ten_t", endpoint: "/v1/models", model: "m", status: "ok", httpStatus: 200, request: {} },
      });
      await db.requestLog.create({
        data: { id: "req_old", createdAt: new Date("2001-01-01T00:00:00Z"), tenantId: "ten_t", endpoint: "/v1/models", model: "m", status: "ok", httpStatus: 200, request: {} },
      });

      await truncateAll(db);

      expect(await db.tenant.count()).toBe(0);
      expect(await db.user.count()).toBe(0);
      expect(await db.membership.count()).toBe(0);
      expect(await db.requestLog.count()).toBe(0);
      const history = await withPgClient(url, async (c) => (await c.query("SELECT count(*)::int AS n FROM _prisma_migrations")).rows[0]?.n);
      expect(history).toBeGreaterThan(0);

      // A plain pg client works too, and a second prepare starts from scratch.
      await db.tenant.create({ data: { id: "ten_u", slug: "u", name: "U" } });
      await withPgClient(url, (c) => truncateAll(c));
      expect(await db.tenant.count()).toBe(0);
    } finally {
      await db.$disconnect();
    }
  });

  test("prepareTestDatabase refuses the dev database and Postgres' own", async () => {
    await expect(prepareTestDatabase(withDatabase(url, "gatehouse"))).rejects.toThrow(/refuses to drop/);
    await expect(prepareTestDatabase(withDatabase(url, "postgres"))).rejects.toThrow(/refuses to drop/);
  });
});
