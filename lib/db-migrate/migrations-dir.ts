import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrationChecksum } from "./checksum";

/** prisma/migrations of this repository (resolved from this file, not the cwd). */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../prisma/migrations");

export type MigrationFile = {
  /** Directory name, `<timestamp>_<name>`: the migration_name Prisma records. */
  name: string;
  script: string;
  checksum: string;
  path: string;
};

/**
 * The migrations directory in Prisma's layout: one `<timestamp>_<name>/migration.sql`
 * per migration, applied in name order, and `migration_lock.toml` naming the provider.
 */
export function readMigrationsDir(dir: string = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  if (!fs.existsSync(dir)) throw new Error(`Migrations directory not found: ${dir}`);
  const lockPath = path.join(dir, "migration_lock.toml");
  if (fs.existsSync(lockPath)) {
    const line = fs.readFileSync(lockPath, "utf8").split("\n").find((l) => l.startsWith("provider"));
    const provider = line?.replace(/^provider = /, "").replace(/^"|"$/g, "").trim();
    if (provider !== "postgresql") {
      throw new Error(`${lockPath} names provider ${JSON.stringify(provider)}; this migrator only applies postgresql migrations`);
    }
  }
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, "migration.sql");
      if (!fs.existsSync(file)) throw new Error(`Migration ${name} has no migration.sql (${file})`);
      const script = fs.readFileSync(file, "utf8");
      return { name, script, checksum: migrationChecksum(script), path: file };
    });
}
