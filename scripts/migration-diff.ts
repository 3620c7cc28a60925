/**
 * Migration SQL from Prisma's own schema engine, offline (WebAssembly; see
 * lib/db-migrate/schema-engine.ts). `prisma migrate diff` needs a native
 * engine download that fails here; this prints the same SQL.
 *
 *   npx tsx scripts/migration-diff.ts                  # SQL of the next migration (prints)
 *   npx tsx scripts/migration-diff.ts --create <name>  # ... written to prisma/migrations/<timestamp>_<name>/
 *   npx tsx scripts/migration-diff.ts --check          # exit 1 unless migrations == schema.prisma
 *   npx tsx scripts/migration-diff.ts --from-empty     # the whole schema from nothing (how init was made)
 *
 * The next-migration diff applies prisma/migrations to a throwaway database on
 * the server of DATABASE_URL (default postgresql://postgres@127.0.0.1:5432),
 * then asks the engine for the SQL from there to schema.prisma. The deliberate
 * differences (request_logs' partition primary key) are left out; see
 * KNOWN_DEVIATIONS in lib/db-migrate/diff.ts. Review generated SQL before
 * committing it: Postgres-only features (partitions, CHECKs, NULLS NOT
 * DISTINCT) are hand-written.
 */
import "dotenv/config";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { withDatabase } from "@/lib/db-migrate/database";
import { diffEmptyToSchema, diffMigrationsToSchema } from "@/lib/db-migrate/diff";
import { DEFAULT_MIGRATIONS_DIR } from "@/lib/db-migrate/migrations-dir";

function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      "from-empty": { type: "boolean", default: false },
      create: { type: "string" },
      check: { type: "boolean", default: false },
      schema: { type: "string" },
    },
  });
  const serverUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

  if (values["from-empty"]) {
    process.stdout.write(await diffEmptyToSchema({ connectionUrl: withDatabase(serverUrl), schemaPath: values.schema }));
    return 0;
  }

  const { script, removed } = await diffMigrationsToSchema({ serverUrl, schemaPath: values.schema });
  for (const r of removed) console.error(`-- left out (known deviation): ${r.replace(/\n/g, " ")}`);
  if (values.check) {
    if (script) {
      console.error("prisma/migrations and prisma/schema.prisma disagree; the missing migration would be:\n");
      process.stdout.write(script);
      return 1;
    }
    console.error("prisma/migrations match prisma/schema.prisma.");
    return 0;
  }
  if (!script) {
    console.error("No changes: prisma/migrations already match prisma/schema.prisma.");
    return 0;
  }
  if (values.create) {
    if (!/^[a-z0-9_]+$/.test(values.create)) throw new Error("--create wants a snake_case name, e.g. add_budget_notes");
    const dir = path.join(DEFAULT_MIGRATIONS_DIR, `${timestamp()}_${values.create}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "migration.sql"), script);
    console.error(`Wrote ${path.relative(process.cwd(), dir)}/migration.sql; review it, then npm run db:migrate.`);
    return 0;
  }
  process.stdout.write(script);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
