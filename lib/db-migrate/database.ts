import pg from "pg";

/** The database name of a postgres URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (!name) throw new Error(`No database name in ${redactUrl(url)}`);
  return name;
}

/** The same server, another database (the maintenance db `postgres` by default). */
export function withDatabase(url: string, database = "postgres"): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<invalid url>";
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function pgCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined;
}

/** Creates the database of `url` when missing (through the `postgres` db). Returns whether it created it. */
export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const name = databaseName(url);
  return withAdmin(url, async (admin) => {
    const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (error) {
      // Created meanwhile by another process (42P04, or 23505 when both CREATEs raced in the catalog).
      if (pgCode(error) === "42P04" || pgCode(error) === "23505") return false;
      throw error;
    }
  });
}

/** Drops the database of `url`, disconnecting its sessions (Postgres 13+). */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withAdmin(url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

export { pgCode };
