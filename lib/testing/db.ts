/**
 * Database resets for tests: a fresh, migrated database per test run
 * (tests/setup/global-int.ts, e2e setup) and a cheap wipe between tests.
 */
import pg from "pg";
import { dropDatabase } from "@/lib/db-migrate/database";
import { MIGRATIONS_TABLE, migrate } from "@/lib/db-migrate/migrate";

const PROTECTED_DATABASES = new Set(["postgres", "template0", "template1", "gatehouse"]);

/**
 * Drops and re-creates the database of `url`, then applies every migration.
 * Refuses the dev database (`gatehouse`) and Postgres' own databases.
 */
export async function prepareTestDatabase(url: string, opts: { log?: (line: string) => void } = {}): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (!name || PROTECTED_DATABASES.has(name)) {
    throw new Error(`prepareTestDatabase refuses to drop database ${JSON.stringify(name)}; use a test database`);
  }
  await dropDatabase(url);
  await migrate({ databaseUrl: url, log: opts.log });
}

/** Anything that runs raw SQL: a PrismaClient, a Prisma transaction client, or a pg client/pool. */
export type SqlRunner =
  | { $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number> }
  | { query(text: string): PromiseLike<unknown> };

/** The tables to wipe: every table of the current schema but _prisma_migrations (partitions via their parent). */
export const LIST_TABLES_SQL = `
  SELECT c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND c.relname <> '${MIGRATIONS_TABLE}'
  ORDER BY c.relname`;

/**
 * Empties every table (TRUNCATE ... CASCADE in one statement, so foreign keys
 * never get in the way), keeping `_prisma_migrations` and the schema.
 */
export async function truncateAll(db: SqlRunner): Promise<void> {
  // One round trip: the DO block finds the tables and truncates them together.
  const sql = `DO $$
DECLARE tables text;
BEGIN
  SELECT string_agg(format('%I', name), ', ') INTO tables FROM (${LIST_TABLES_SQL}) t;
  IF tables IS NOT NULL THEN
    EXECUTE 'TRUNCATE TABLE ' || tables || ' RESTART IDENTITY CASCADE';
  END IF;
END $$;`;
  if ("$executeRawUnsafe" in db) await db.$executeRawUnsafe(sql);
  else await db.query(sql);
}

/** A short-lived pg client for test helpers that want plain SQL. */
export async function withPgClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
