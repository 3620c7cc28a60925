/**
 * A small migrator that applies prisma/migrations exactly as `prisma migrate
 * deploy` would, without the native schema engine (DESIGN.md, "Prisma 7
 * offline"). It keeps Prisma's bookkeeping so the two are interchangeable:
 *
 * - `_prisma_migrations` is created with the schema engine's own DDL
 *   (sql-schema-connector/src/flavour/postgres.rs) and each applied migration
 *   gets the row Prisma writes: uuid id, sha256-hex checksum of migration.sql,
 *   started_at, finished_at, applied_steps_count = 1, logs and rolled_back_at NULL;
 * - the same session advisory lock (72707369), so this migrator and
 *   `prisma migrate deploy` never run at once;
 * - the same refusals: a database with tables but no `_prisma_migrations`
 *   (P3005), or a failed migration not yet resolved (P3009).
 *
 * Stricter than `migrate deploy`: each migration runs in one transaction with
 * its bookkeeping row (a failure leaves nothing behind), and an applied
 * migration whose migration.sql changed is refused before anything runs.
 * Afterwards it keeps request_logs partitions ahead (see the init migration).
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { scriptMatchesChecksum } from "./checksum";
import { createDatabaseIfMissing, databaseName, pgCode, redactUrl } from "./database";
import { DEFAULT_MIGRATIONS_DIR, readMigrationsDir, type MigrationFile } from "./migrations-dir";

export const MIGRATIONS_TABLE = "_prisma_migrations";
/** Prisma Migrate's advisory lock key ("72707369 is a unique number we chose to identify Migrate"). */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/** Verbatim from prisma-engines (postgres flavour, create_migrations_table). */
export const CREATE_MIGRATIONS_TABLE_SQL = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
`;

/** Tables Prisma ignores when deciding whether a database is empty (PostGIS). */
const IGNORED_TABLES = new Set(["spatial_ref_sys"]);

export class MigrationError extends Error {
  override name = "MigrationError";
}

export type MigrateOptions = {
  databaseUrl: string;
  /** Defaults to this repository's prisma/migrations. */
  migrationsDir?: string;
  /** Progress lines for humans; silent by default. */
  log?: (message: string) => void;
  /** Months of request_logs partitions to keep ahead of the current one (default 3). */
  partitionMonthsAhead?: number;
  /** How long to wait for another migrator's lock before giving up (default 60 s). */
  lockTimeoutMs?: number;
};

export type MigrateResult = {
  databaseCreated: boolean;
  /** Names of the migrations applied by this call, in order. */
  applied: string[];
  /** Names that were already applied. */
  alreadyApplied: string[];
  /** request_logs partitions created by this call. */
  partitionsCreated: string[];
};

type MigrationRow = {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
};

/** Applies every pending migration of `migrationsDir` to `databaseUrl`, creating the database if needed. */
export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  const log = opts.log ?? (() => {});
  const migrations = readMigrationsDir(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const { client, databaseCreated } = await connectCreatingDatabase(opts.databaseUrl);
  if (databaseCreated) log(`Created database ${databaseName(opts.databaseUrl)}`);
  try {
    await acquireLock(client, opts.lockTimeoutMs ?? 60_000);
    try {
      await initializeMigrationsTable(client);
      const rows = await listMigrationRows(client);
      refuseFailedMigrations(rows);
      const { pending, alreadyApplied } = planMigrations(migrations, rows);
      for (const name of unknownMigrations(migrations, rows)) {
        log(`Warning: migration ${name} is recorded in the database but missing from the migrations directory`);
      }
      if (pending.length === 0) log(`No pending migrations (${alreadyApplied.length} applied)`);
      const applied: string[] = [];
      for (const migration of pending) {
        await applyMigration(client, migration);
        applied.push(migration.name);
        log(`Applied ${migration.name}`);
      }
      const partitionsCreated = await ensureRequestLogPartitions(client, opts.partitionMonthsAhead ?? 3);
      if (partitionsCreated.length) log(`Created partitions ${partitionsCreated.join(", ")}`);
      return { databaseCreated, applied, alreadyApplied, partitionsCreated };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end();
  }
}

/** Connects to the target database; when it does not exist (3D000), creates it through the `postgres` db. */
async function connectCreatingDatabase(url: string): Promise<{ client: pg.Client; databaseCreated: boolean }> {
  const connect = async () => {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  };
  try {
    return { client: await connect(), databaseCreated: false };
  } catch (error) {
    if (pgCode(error) !== "3D000") throw new MigrationError(`Cannot connect to ${redactUrl(url)}: ${String(error)}`);
  }
  const databaseCreated = await createDatabaseIfMissing(url);
  return { client: await connect(), databaseCreated };
}

async function acquireLock(client: pg.Client, timeoutMs: number): Promise<void> {
  // lock_timeout also bounds advisory-lock waits.
  await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK_KEY]);
  } catch (error) {
    if (pgCode(error) === "55P03") {
      throw new MigrationError(
        `Timed out after ${timeoutMs} ms waiting for the migration lock (pg_advisory_lock(${PRISMA_ADVISORY_LOCK_KEY})): another migrator is running`,
      );
    }
    throw error;
  } finally {
    await client.query("RESET lock_timeout");
  }
}

async function initializeMigrationsTable(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()`,
  );
  const tables = rows.map((r) => r.relname);
  if (tables.includes(MIGRATIONS_TABLE)) return;
  const others = tables.filter((t) => !IGNORED_TABLES.has(t));
  if (others.length > 0) {
    throw new MigrationError(
      `The database schema is not empty but has no ${MIGRATIONS_TABLE} table (Prisma P3005); ` +
        `found ${others.slice(0, 5).join(", ")}${others.length > 5 ? ", ..." : ""}. ` +
        `Baseline it (https://pris.ly/d/migrate-baseline) or point DATABASE_URL at an empty database.`,
    );
  }
  await client.query(CREATE_MIGRATIONS_TABLE_SQL);
}

async function listMigrationRows(client: pg.Client): Promise<MigrationRow[]> {
  const { rows } = await client.query<MigrationRow>(
    `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at
     FROM ${MIGRATIONS_TABLE} ORDER BY started_at ASC`,
  );
  return rows;
}

function refuseFailedMigrations(rows: MigrationRow[]): void {
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length === 0) return;
  const details = failed
    .map((r) => `The \`${r.migration_name}\` migration started at ${r.started_at.toISOString()} failed${r.logs?.trim() ? `:\n${r.logs.trim()}` : ""}`)
    .join("\n");
  throw new MigrationError(
    `Migrate found failed migrations in the target database; new migrations will not be applied (Prisma P3009).\n${details}\n` +
      `Resolve them first (prisma migrate resolve --rolled-back <name>, or delete the row once the database is fixed).`,
  );
}

/** Which migrations to apply; refuses when an applied migration's file changed. */
export function planMigrations(
  migrations: MigrationFile[],
  rows: Pick<MigrationRow, "migration_name" | "checksum" | "rolled_back_at" | "finished_at">[],
): { pending: MigrationFile[]; alreadyApplied: string[] } {
  const live = rows.filter((r) => r.rolled_back_at === null);
  const changed: string[] = [];
  const pending: MigrationFile[] = [];
  const alreadyApplied: string[] = [];
  for (const migration of migrations) {
    const applied = live.filter((r) => r.migration_name === migration.name);
    if (applied.length === 0) {
      pending.push(migration);
      continue;
    }
    alreadyApplied.push(migration.name);
    if (!applied.every((r) => scriptMatchesChecksum(migration.script, r.checksum))) changed.push(migration.name);
  }
  if (changed.length > 0) {
    throw new MigrationError(
      `The migration file of ${changed.map((n) => `\`${n}\``).join(", ")} was modified after it was applied ` +
        `(its sha256 no longer matches the checksum in ${MIGRATIONS_TABLE}). Applied migrations are immutable: ` +
        `restore the file and put the change in a new migration.`,
    );
  }
  return { pending, alreadyApplied };
}

function unknownMigrations(migrations: MigrationFile[], rows: MigrationRow[]): string[] {
  const names = new Set(migrations.map((m) => m.name));
  return [...new Set(rows.filter((r) => r.rolled_back_at === null && !names.has(r.migration_name)).map((r) => r.migration_name))];
}

async function applyMigration(client: pg.Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query("BEGIN");
  try {
    // The same three writes as Prisma's record_migration_started / record_successful_step /
    // record_migration_finished, but inside the migration's transaction.
    await client.query(
      `INSERT INTO ${MIGRATIONS_TABLE} (id, checksum, started_at, migration_name) VALUES ($1, $2, clock_timestamp(), $3)`,
      [id, migration.checksum, migration.name],
    );
    try {
      await client.query(migration.script);
    } catch (error) {
      throw new MigrationError(`Migration ${migration.name} failed: ${describePgError(error, migration.script)}`);
    }
    await client.query(`UPDATE ${MIGRATIONS_TABLE} SET applied_steps_count = applied_steps_count + 1 WHERE id = $1`, [id]);
    await client.query(`UPDATE ${MIGRATIONS_TABLE} SET finished_at = clock_timestamp() WHERE id = $1`, [id]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

function describePgError(error: unknown, script: string): string {
  if (!(error instanceof Error)) return String(error);
  const position = "position" in error && typeof error.position === "string" ? Number(error.position) : NaN;
  const code = pgCode(error);
  let where = "";
  if (Number.isFinite(position)) {
    const line = script.slice(0, position).split("\n").length;
    where = ` (migration.sql line ${line})`;
  }
  return `${error.message}${code ? ` [${code}]` : ""}${where}`;
}

/** Calls the partition-maintenance function when the schema has it. Returns created partitions. */
export async function ensureRequestLogPartitions(client: pg.ClientBase, monthsAhead: number): Promise<string[]> {
  const { rows: fn } = await client.query<{ exists: boolean }>(
    "SELECT to_regprocedure('gatehouse_ensure_request_log_partitions(integer)') IS NOT NULL AS exists",
  );
  if (!fn[0]?.exists) return [];
  const { rows } = await client.query<{ name: string }>("SELECT gatehouse_ensure_request_log_partitions($1) AS name", [monthsAhead]);
  return rows.map((r) => r.name);
}
