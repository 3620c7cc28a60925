/**
 * Fails when prisma/schema.prisma, the generated client and the migrated test
 * database disagree. Three independent witnesses:
 *   1. our catalog comparison (lib/db-migrate/drift.ts): every model is a table,
 *      every field a column of a compatible type and nullability, defaults,
 *      keys, indexes, foreign keys and enums match, and no table or enum exists
 *      that schema.prisma does not know (bar _prisma_migrations and partitions);
 *   2. the generated client's runtime data model against schema.prisma;
 *   3. Prisma's own schema engine (offline wasm): its diff from the database
 *      to schema.prisma must be empty apart from the documented deviation.
 * The "can fail" tests feed each witness a deliberately wrong input, and alter
 * the database only inside a transaction that is rolled back.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDb } from "@/lib/db";
import { DEFAULT_SCHEMA_PATH, KNOWN_DEVIATIONS, diffDatabaseToSchema } from "@/lib/db-migrate/diff";
import {
  RuntimeDataModel,
  compareClientModel,
  compareSchemas,
  describeDatabase,
  expectedSchema,
  loadDmmf,
} from "@/lib/db-migrate/drift";
import { testEnv } from "@/lib/testing/env";

const schemaText = fs.readFileSync(DEFAULT_SCHEMA_PATH, "utf8");
const dmmf = loadDmmf(schemaText);

/** schema.prisma with one textual edit; the edit must apply. */
function editedSchema(find: string | RegExp, replace: string): string {
  const out = schemaText.replace(find, replace);
  if (out === schemaText) throw new Error(`edit did not apply: ${String(find)}`);
  return out;
}

/** Tenant gains a required column with a default: the commonest "forgot the migration". */
const ADD_REGION = () => editedSchema(/(\n  slug\s+String\s+@unique)\n/, '$1\n  region String @default("eu")\n');

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: testEnv.DATABASE_URL });
  await client.connect();
});

afterAll(async () => {
  await client.end();
});

describe("schema.prisma and the migrated database", () => {
  test("every model, field, enum, key and index is in the database, and nothing else", async () => {
    const problems = compareSchemas(expectedSchema(dmmf), await describeDatabase(client));
    expect(problems).toEqual([]);
  });

  test("request_logs is partitioned, keyed (id, created_at), with monthly and default partitions", async () => {
    const { rows } = await client.query<{ strategy: string; partitions: string[] }>(
      `SELECT pt.partstrat AS strategy,
              ARRAY(SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                    WHERE i.inhparent = 'request_logs'::regclass ORDER BY c.relname) AS partitions
       FROM pg_partitioned_table pt WHERE pt.partrelid = 'request_logs'::regclass`,
    );
    expect(rows[0]?.strategy).toBe("r");
    expect(rows[0]?.partitions).toContain("request_logs_default");
    expect(rows[0]?.partitions.filter((p) => /^request_logs_p\d{6}$/.test(p)).length).toBeGreaterThanOrEqual(4);
  });

  test("global flags are unique by key even though tenant_id is NULL (NULLS NOT DISTINCT)", async () => {
    const { rows } = await client.query<{ name: string; nulls_not_distinct: boolean }>(
      `SELECT i.relname AS name, ix.indnullsnotdistinct AS nulls_not_distinct
       FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
       WHERE i.relname IN ('flags_tenant_id_key_key', 'guard_policies_tenant_id_feature_id_key',
                           'tool_definitions_tenant_id_feature_id_name_key')
       ORDER BY i.relname`,
    );
    expect(rows).toEqual([
      { name: "flags_tenant_id_key_key", nulls_not_distinct: true },
      { name: "guard_policies_tenant_id_feature_id_key", nulls_not_distinct: true },
      { name: "tool_definitions_tenant_id_feature_id_name_key", nulls_not_distinct: true },
    ]);
  });

  test("the generated client's model metadata matches schema.prisma", async () => {
    const db = createDb(testEnv.DATABASE_URL);
    try {
      const runtime = RuntimeDataModel.parse((db as unknown as { _runtimeDataModel: unknown })._runtimeDataModel);
      expect(Object.keys(runtime.models)).toHaveLength(dmmf.datamodel.models.length);
      expect(compareClientModel(runtime, dmmf)).toEqual([]);
    } finally {
      await db.$disconnect();
    }
  });

  test("Prisma's own engine sees no difference but the documented partition key", async () => {
    const { script, removed } = await diffDatabaseToSchema({ databaseUrl: testEnv.DATABASE_URL });
    expect(script).toBe("");
    expect(removed).toEqual(KNOWN_DEVIATIONS.map((d) => `ALTER TABLE "${d.table}" ${d.clause}`));
  });
});

describe("the drift check can fail", () => {
  test("a schema.prisma change without a migration is reported", async () => {
    const actual = await describeDatabase(client);
    const cases: [string, string][] = [
      [ADD_REGION(), 'column region (text NOT NULL) is missing'],
      [editedSchema(/(model User \{[\s\S]*?\n  name\s+)String\n/, "$1String?\n"), "column name is text NOT NULL, schema.prisma says text NULL"],
      [editedSchema(/(\n  httpStatus\s+)Int\b/, "$1BigInt"), "column http_status is int4 NOT NULL, schema.prisma says int8 NOT NULL"],
      [editedSchema(/enum Severity \{\n(\s+)low\n/, "enum Severity {\n$1trivial\n$1low\n"), "enum Severity has values (low, medium, high, critical)"],
      [editedSchema(/@@map\("runbooks"\)/, '@@map("playbooks")'), "Runbook (table playbooks): table is missing from the database"],
      [editedSchema(/@@map\("runbooks"\)/, '@@map("playbooks")'), "table runbooks exists in the database but is no model in schema.prisma"],
      [editedSchema(/\n\s*@@index\(\[userId\]\)\n/, "\n"), "index memberships_user_id_idx on (user_id) is not in schema.prisma"],
      [editedSchema(/(rolloutPercent\s+Int\s+)@default\(100\)/, "$1@default(50)"), "column rollout_percent has default 100, schema.prisma says 50"],
    ];
    for (const [schema, problem] of cases) {
      const problems = compareSchemas(expectedSchema(loadDmmf(schema)), actual);
      expect(problems.join("\n")).toContain(problem);
    }
  });

  test("database drift is reported (inside a transaction that is rolled back)", async () => {
    const expected = expectedSchema(dmmf);
    await client.query("BEGIN");
    try {
      await client.query(`ALTER TABLE "tenants" ADD COLUMN "stray" TEXT`);
      await client.query(`ALTER TABLE "users" ALTER COLUMN "name" DROP NOT NULL`);
      await client.query(`ALTER TABLE "flags" ALTER COLUMN "rollout_percent" TYPE BIGINT`);
      await client.query(`DROP INDEX "memberships_user_id_idx"`);
      await client.query(`ALTER TYPE "Severity" ADD VALUE 'catastrophic'`);
      await client.query(`CREATE TABLE "stray_things" ("id" TEXT PRIMARY KEY)`);
      const problems = compareSchemas(expected, await describeDatabase(client)).join("\n");
      expect(problems).toContain("Tenant (table tenants): column stray exists in the database but not in schema.prisma");
      expect(problems).toContain("User (table users): column name is text NULL, schema.prisma says text NOT NULL");
      expect(problems).toContain("Flag (table flags): column rollout_percent is int8 NOT NULL, schema.prisma says int4 NOT NULL");
      expect(problems).toContain("Membership (table memberships): index on (user_id) is missing");
      expect(problems).toContain("enum Severity has values (low, medium, high, critical, catastrophic)");
      expect(problems).toContain("table stray_things exists in the database but is no model in schema.prisma");
    } finally {
      await client.query("ROLLBACK");
    }
    expect(compareSchemas(expected, await describeDatabase(client))).toEqual([]);
  });

  test("a client generated from another schema is reported as stale", () => {
    const changed = loadDmmf(ADD_REGION());
    const runtime: RuntimeDataModel = {
      models: Object.fromEntries(
        dmmf.datamodel.models.map((m) => [m.name, { dbName: m.dbName, fields: m.fields.map((f) => ({ name: f.name, kind: f.kind, type: f.type, dbName: f.dbName })) }]),
      ),
    };
    expect(compareClientModel(runtime, dmmf)).toEqual([]);
    expect(compareClientModel(runtime, changed)).toEqual([
      "client model Tenant lacks field region:scalar:String:region (stale client: npm run db:generate)",
    ]);
  });

  test("Prisma's engine reports a schema.prisma change as the SQL of the missing migration", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-drift-"));
    try {
      const schemaPath = path.join(dir, "schema.prisma");
      fs.writeFileSync(schemaPath, ADD_REGION());
      const { script } = await diffDatabaseToSchema({ databaseUrl: testEnv.DATABASE_URL, schemaPath });
      expect(script).toContain(`ALTER TABLE "tenants" ADD COLUMN     "region" TEXT NOT NULL DEFAULT 'eu';`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
