/**
 * The migrator against real Postgres, each test on its own throwaway database
 * (the shared test database is left alone).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { migrationChecksum } from "./checksum";
import { dropDatabase, withDatabase } from "./database";
import { CREATE_MIGRATIONS_TABLE_SQL, MigrationError, PRISMA_ADVISORY_LOCK_KEY, migrate } from "./migrate";
import { DEFAULT_MIGRATIONS_DIR, readMigrationsDir } from "./migrations-dir";
import { testEnv } from "@/lib/testing/env";

const created: string[] = [];
const tmpDirs: string[] = [];

function scratchUrl(): string {
  const url = withDatabase(testEnv.DATABASE_URL, `${new URL(testEnv.DATABASE_URL).pathname.slice(1)}_mig_${randomBytes(3).toString("hex")}`);
  created.push(url);
  return url;
}

/** A copy of prisma/migrations that a test may edit. */
function copyMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-migrations-"));
  fs.cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  tmpDirs.push(dir);
  return dir;
}

function addMigration(dir: string, name: string, sql: string): void {
  fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name, "migration.sql"), sql);
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

type Row = {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
};
const rowsOf = (url: string) =>
  withClient(url, async (c) => (await c.query<Row>("SELECT * FROM _prisma_migrations ORDER BY started_at")).rows);

afterAll(async () => {
  for (const url of created) await dropDatabase(url);
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const [init] = readMigrationsDir();
if (!init) throw new Error("prisma/migrations is empty");
/** Every migration of the repository, in order (the scratch databases start with all of them). */
const repoNames = readMigrationsDir().map((m) => m.name);

describe("migrate()", () => {
  test("creates the database, applies every migration and records it exactly as Prisma does", async () => {
    const url = scratchUrl();
    const lines: string[] = [];
    const result = await migrate({ databaseUrl: url, log: (l) => lines.push(l) });
    expect(result.databaseCreated).toBe(true);
    expect(result.applied).toEqual(readMigrationsDir().map((m) => m.name));
    expect(lines.some((l) => l.startsWith("Applied "))).toBe(true);

    const rows = await rowsOf(url);
    expect(rows).toHaveLength(result.applied.length);
    const row = rows[0];
    expect(row?.migration_name).toBe(init.name);
    expect(row?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(row?.checksum).toBe(migrationChecksum(fs.readFileSync(init.path, "utf8")));
    expect(row?.logs).toBeNull();
    expect(row?.rolled_back_at).toBeNull();
    expect(row?.applied_steps_count).toBe(1);
    expect(row?.finished_at).toBeInstanceOf(Date);
    expect(row?.finished_at?.getTime()).toBeGreaterThanOrEqual(row?.started_at.getTime() ?? Infinity);

    // The table itself is the one Prisma's schema engine creates: same columns, types, defaults.
    const describeTable = (c: pg.Client, table: string) =>
      c.query(
        `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
    await withClient(url, async (c) => {
      await c.query(CREATE_MIGRATIONS_TABLE_SQL.replace("_prisma_migrations", "pg_temp.reference"));
      const ours = (await describeTable(c, "_prisma_migrations")).rows;
      const prismas = (await describeTable(c, "reference")).rows;
      expect(ours).toEqual(prismas);
      expect(ours.map((r: { column_name: string }) => r.column_name)).toEqual([
        "id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at", "applied_steps_count",
      ]);
    });
  });

  test("applying twice is a no-op", async () => {
    const url = scratchUrl();
    await migrate({ databaseUrl: url });
    const before = await rowsOf(url);
    const tableCount = () => withClient(url, async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_class WHERE relkind IN ('r','p')")).rows[0].n as number);
    const tablesBefore = await tableCount();

    const again = await migrate({ databaseUrl: url });
    expect(again).toEqual({ databaseCreated: false, applied: [], alreadyApplied: before.map((r) => r.migration_name), partitionsCreated: [] });
    expect(await rowsOf(url)).toEqual(before);
    expect(await tableCount()).toBe(tablesBefore);
  });

  test("refuses when an applied migration's file changed, and names it", async () => {
    const url = scratchUrl();
    const dir = copyMigrations();
    await migrate({ databaseUrl: url, migrationsDir: dir });
    const file = path.join(dir, init.name, "migration.sql");
    addMigration(dir, "29990101000000_later", "CREATE TABLE should_not_exist (id int);");
    fs.appendFileSync(file, "\n-- edited after it was applied\n");

    const attempt = migrate({ databaseUrl: url, migrationsDir: dir });
    await expect(attempt).rejects.toThrow(MigrationError);
    await expect(attempt).rejects.toThrow(new RegExp(`${init.name}.*modified after it was applied`));
    // Refused before anything ran: the later migration was not applied.
    expect((await rowsOf(url)).map((r) => r.migration_name)).toEqual(repoNames);
    expect(await withClient(url, async (c) => (await c.query("SELECT to_regclass('should_not_exist') AS t")).rows[0].t)).toBeNull();

    // Line endings alone are no change (git may check files out with CRLF), as in Prisma.
    fs.writeFileSync(file, init.script.replaceAll("\n", "\r\n"));
    const crlf = await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(crlf.applied).toEqual(["29990101000000_later"]);
  });

  test("applies new migrations in order; a failing one leaves no trace and stops the rest", async () => {
    const url = scratchUrl();
    const dir = copyMigrations();
    await migrate({ databaseUrl: url, migrationsDir: dir });
    addMigration(dir, "29990101000000_good", "CREATE TABLE probe_one (id int);");
    addMigration(dir, "29990102000000_bad", "CREATE TABLE probe_two (id int);\nSELECT no_such_column FROM probe_two;");
    addMigration(dir, "29990103000000_after", "CREATE TABLE probe_three (id int);");

    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      /Migration 29990102000000_bad failed: column "no_such_column" does not exist \[42703\] \(migration\.sql line 2\)/,
    );
    const exists = (t: string) => withClient(url, async (c) => (await c.query("SELECT to_regclass($1) IS NOT NULL AS e", [t])).rows[0].e as boolean);
    expect(await exists("probe_one")).toBe(true);
    expect(await exists("probe_two")).toBe(false);
    expect(await exists("probe_three")).toBe(false);
    expect((await rowsOf(url)).map((r) => r.migration_name)).toEqual([...repoNames, "29990101000000_good"]);

    fs.writeFileSync(path.join(dir, "29990102000000_bad", "migration.sql"), "CREATE TABLE probe_two (id int);");
    const fixed = await migrate({ databaseUrl: url, migrationsDir: dir });
    expect(fixed.applied).toEqual(["29990102000000_bad", "29990103000000_after"]);
  });

  test("refuses a failed migration recorded by Prisma (P3009) and a non-empty database without history (P3005)", async () => {
    const url = scratchUrl();
    await migrate({ databaseUrl: url });
    await withClient(url, (c) =>
      c.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES (gen_random_uuid()::text, 'x', '29990101000000_broken', 'boom')`),
    );
    await expect(migrate({ databaseUrl: url })).rejects.toThrow(/29990101000000_broken.*failed:\nboom/s);

    const other = scratchUrl();
    await migrate({ databaseUrl: other, migrationsDir: copyMigrations() });
    await withClient(other, (c) => c.query("DROP TABLE _prisma_migrations"));
    await expect(migrate({ databaseUrl: other })).rejects.toThrow(/not empty but has no _prisma_migrations table \(Prisma P3005\)/);
  });

  test("two migrators at once: the advisory lock lets one apply and the other find nothing to do", async () => {
    const url = scratchUrl();
    const [a, b] = await Promise.all([migrate({ databaseUrl: url }), migrate({ databaseUrl: url })]);
    expect([...a.applied, ...b.applied]).toEqual(repoNames);
    expect(await rowsOf(url)).toHaveLength(repoNames.length);
  });

  test("waits for Prisma's own lock and gives up with a clear error", async () => {
    const url = scratchUrl();
    await migrate({ databaseUrl: url });
    await withClient(url, async (holder) => {
      await holder.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK_KEY]);
      await expect(migrate({ databaseUrl: url, lockTimeoutMs: 200 })).rejects.toThrow(/another migrator is running/);
    });
  });
});

describe("request_logs partitions", () => {
  const monthName = (d: Date, add: number) => {
    const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1));
    return `request_logs_p${m.getUTCFullYear()}${String(m.getUTCMonth() + 1).padStart(2, "0")}`;
  };

  test("the current month, three ahead and a default partition exist; any date can be inserted", async () => {
    const url = scratchUrl();
    await migrate({ databaseUrl: url });
    await withClient(url, async (c) => {
      const now = (await c.query<{ now: Date }>("SELECT now() AS now")).rows[0]?.now ?? new Date(NaN);
      const { rows } = await c.query<{ name: string }>(
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'request_logs'::regclass ORDER BY 1",
      );
      expect(rows.map((r) => r.name)).toEqual([0, 1, 2, 3].map((i) => monthName(now, i)).concat("request_logs_default").sort());

      await c.query(`INSERT INTO tenants (id, slug, name, updated_at) VALUES ('ten_p', 'p', 'P', now())`);
      const insert = (id: string, at: string) =>
        c.query(
          `INSERT INTO request_logs (id, created_at, tenant_id, endpoint, model, status, http_status, request)
           VALUES ($1, $2, 'ten_p', '/v1/chat/completions', 'm', 'ok', 200, '{}') RETURNING tableoid::regclass::text AS part`,
          [id, at],
        );
      expect((await insert("req_past", "2001-02-03T04:05:06Z")).rows[0].part).toBe("request_logs_default");
      expect((await insert("req_now", now.toISOString())).rows[0].part).toBe(monthName(now, 0));

      // A row for a month nobody created yet waits in the default partition and moves when the month is created.
      const later = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 6, 15));
      expect((await insert("req_later", later.toISOString())).rows[0].part).toBe("request_logs_default");
      const made = await c.query<{ name: string }>("SELECT gatehouse_ensure_request_log_partitions(6) AS name");
      expect(made.rows.map((r) => r.name)).toEqual([4, 5, 6].map((i) => monthName(now, i)));
      const where = await c.query("SELECT tableoid::regclass::text AS part FROM request_logs WHERE id = 'req_later'");
      expect(where.rows[0].part).toBe(monthName(now, 6));

      // Idempotent.
      expect((await c.query("SELECT gatehouse_ensure_request_log_partitions(6)")).rowCount).toBe(0);

      // Retention drops whole months before the cutoff and old rows of the default partition.
      const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
      const dropped = await c.query<{ name: string }>("SELECT gatehouse_drop_request_log_partitions($1) AS name", [cutoff]);
      expect(dropped.rows.map((r) => r.name)).toEqual([monthName(now, 0)]);
      const left = await c.query<{ id: string }>("SELECT id FROM request_logs ORDER BY id");
      expect(left.rows.map((r) => r.id)).toEqual(["req_later"]);
    });
  });

  test("migrate() keeps months ahead and reports what it created", async () => {
    const url = scratchUrl();
    await migrate({ databaseUrl: url });
    const again = await migrate({ databaseUrl: url, partitionMonthsAhead: 5 });
    expect(again.partitionsCreated).toHaveLength(2);
  });
});
