/**
 * Migration SQL from Prisma's own engine (lib/db-migrate/schema-engine.ts):
 * what `prisma migrate diff` would print, minus the documented places where
 * the hand-edited migrations deliberately differ from what Prisma can express.
 */
import path from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dropDatabase, withDatabase } from "./database";
import { migrate } from "./migrate";
import { diffSchemas, readSchemaFile } from "./schema-engine";

export const DEFAULT_SCHEMA_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../prisma/schema.prisma");

/**
 * Differences Prisma reports between the migrated database and schema.prisma
 * that are intended. Prisma ignores partitions, CHECKs and NULLS NOT DISTINCT,
 * so only the partitioned table's primary key shows: request_logs is keyed
 * (id, created_at) in the database because created_at is the partition key,
 * while schema.prisma keeps `id` as the model's id.
 */
export const KNOWN_DEVIATIONS = [
  { table: "request_logs", clause: 'DROP CONSTRAINT "request_logs_pkey"' },
  { table: "request_logs", clause: 'ADD CONSTRAINT "request_logs_pkey" PRIMARY KEY ("id")' },
] as const;

/**
 * Removes the KNOWN_DEVIATIONS clauses from a diff script. Prisma renders one
 * `-- Comment` + statement block per change, blocks separated by a blank line,
 * and the clauses of one ALTER TABLE separated by ",\n".
 */
export function filterKnownDeviations(script: string): { script: string; removed: string[] } {
  const removed: string[] = [];
  const blocks = script.split(/\n\s*\n/).flatMap((block) => {
    const lines = block.split("\n");
    const firstSql = lines.findIndex((l) => l.trim() !== "" && !l.startsWith("--"));
    if (firstSql < 0) return block.trim() ? [block] : [];
    const comments = lines.slice(0, firstSql);
    const statement = lines.slice(firstSql).join("\n").trim();
    const match = /^ALTER TABLE "([^"]+)" ([\s\S]*);$/.exec(statement);
    if (!match) return [block];
    const [, table, body = ""] = match;
    const deviations: string[] = KNOWN_DEVIATIONS.filter((d) => d.table === table).map((d) => d.clause);
    const clauses = body.split(/,\n/).map((c) => c.trim());
    const kept = clauses.filter((c) => {
      const known = deviations.includes(c);
      if (known) removed.push(`ALTER TABLE "${table}" ${c}`);
      return !known;
    });
    if (kept.length === clauses.length) return [block];
    if (kept.length === 0) return [];
    return [[...comments, `ALTER TABLE "${table}" ${kept.join(",\n")};`].join("\n")];
  });
  const out = blocks.join("\n\n").trim();
  return { script: out ? `${out}\n` : "", removed };
}

/** SQL that creates schema.prisma from nothing (how the init migration was generated). */
export async function diffEmptyToSchema(opts: { connectionUrl: string; schemaPath?: string }): Promise<string> {
  const schema = readSchemaFile(opts.schemaPath ?? DEFAULT_SCHEMA_PATH);
  const { output } = await diffSchemas({
    connectionUrl: opts.connectionUrl,
    from: { tag: "empty" },
    to: { tag: "schemaDatamodel", files: [schema] },
  });
  return output;
}

/** SQL that takes the live database at `databaseUrl` to schema.prisma, known deviations removed. */
export async function diffDatabaseToSchema(opts: {
  databaseUrl: string;
  schemaPath?: string;
}): Promise<{ script: string; removed: string[] }> {
  const schema = readSchemaFile(opts.schemaPath ?? DEFAULT_SCHEMA_PATH);
  const { output, empty } = await diffSchemas({
    connectionUrl: opts.databaseUrl,
    from: { tag: "schemaDatasource", files: [schema], configDir: process.cwd() },
    to: { tag: "schemaDatamodel", files: [schema] },
  });
  return empty ? { script: "", removed: [] } : filterKnownDeviations(output);
}

/**
 * The SQL of the next migration: applies prisma/migrations to a throwaway
 * database on the server of `serverUrl`, diffs it against schema.prisma, and
 * drops it again.
 */
export async function diffMigrationsToSchema(opts: {
  serverUrl: string;
  migrationsDir?: string;
  schemaPath?: string;
}): Promise<{ script: string; removed: string[] }> {
  const scratch = withDatabase(opts.serverUrl, `gatehouse_migration_diff_${randomBytes(4).toString("hex")}`);
  try {
    await migrate({ databaseUrl: scratch, migrationsDir: opts.migrationsDir });
    return await diffDatabaseToSchema({ databaseUrl: scratch, schemaPath: opts.schemaPath });
  } finally {
    await dropDatabase(scratch);
  }
}
