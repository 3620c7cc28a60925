/**
 * `npm run db:migrate`: applies prisma/migrations to DATABASE_URL (creating the
 * database if needed) and records them in `_prisma_migrations` exactly as
 * `prisma migrate deploy` does. See lib/db-migrate/migrate.ts.
 *
 * Programmatic use: `import { migrate } from "@/scripts/migrate"` (or from
 * "@/lib/db-migrate/migrate") -> `await migrate({ databaseUrl, log })`.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { formatEnvError } from "@/lib/env";
import { MigrationError, migrate } from "@/lib/db-migrate/migrate";
import { redactUrl } from "@/lib/db-migrate/database";

export { migrate, MigrationError } from "@/lib/db-migrate/migrate";
export type { MigrateOptions, MigrateResult } from "@/lib/db-migrate/migrate";

// Only what migrating needs (the full EnvSchema also wants secrets the migrator never uses).
const MigrateEnv = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" }),
});

async function main(): Promise<void> {
  await import("dotenv/config"); // only when run as a script: importers keep their own environment
  const parsed = MigrateEnv.safeParse(process.env);
  if (!parsed.success) {
    console.error(formatEnvError(parsed.error));
    process.exit(1);
  }
  const databaseUrl = parsed.data.DATABASE_URL;
  console.log(`Migrating ${redactUrl(databaseUrl)}`);
  try {
    const result = await migrate({ databaseUrl, log: (line) => console.log(line) });
    console.log(`Done: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied.`);
  } catch (error) {
    console.error(error instanceof MigrationError ? `Migration failed: ${error.message}` : error);
    process.exit(1);
  }
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) await main();
