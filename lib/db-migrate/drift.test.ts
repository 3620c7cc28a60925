import { describe, expect, test } from "vitest";
import { compareSchemas, expectedSchema, loadDmmf, normalizeDbDefault, type SchemaShape } from "./drift";

describe("normalizeDbDefault", () => {
  test.each([
    ["CURRENT_TIMESTAMP", "now()"],
    ["now()", "now()"],
    ["'{}'::jsonb", "{}"],
    ["'[]'::jsonb", "[]"],
    ["''::text", ""],
    ["'it''s'::text", "it's"],
    ["'o200k_base'::text", "o200k_base"],
    [`'none'::"CircuitOverride"`, "none"],
    ["false", "false"],
    ["128000", "128000"],
    ["'-1'::integer", "-1"],
    ["ARRAY[]::text[]", "[]"],
    ["ARRAY[50, 80, 100]", "[50,80,100]"],
    ["ARRAY['a'::text, 'b'::text]", "[a,b]"],
    ["nextval('x_id_seq'::regclass)", "nextval"],
  ])("%s -> %s", (input, output) => {
    expect(normalizeDbDefault(input)).toBe(output);
  });
  test("no default", () => expect(normalizeDbDefault(null)).toBeNull());
});

const SCHEMA = `
datasource db {
  provider = "postgresql"
}
enum Color {
  red
  green
}
model Team {
  id        String   @id
  name      String   @default("")
  color     Color    @default(red)
  tags      String[] @default([])
  createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(3)
  updatedAt DateTime @updatedAt @map("updated_at") @db.Timestamptz(3)
  players   Player[]
  @@map("teams")
}
model Player {
  id     String  @id
  teamId String? @map("team_id")
  score  BigInt  @default(0)
  team   Team?   @relation(fields: [teamId], references: [id], onDelete: SetNull)
  @@unique([teamId, score(sort: Desc)])
  @@map("players")
}
`;

/** The database Prisma would create for SCHEMA, written out by hand. */
function matchingDatabase(): SchemaShape {
  const col = (name: string, udt: string, nullable: boolean, dflt: string | null, extra: Partial<{ isArray: boolean; p: number }> = {}) => ({
    name,
    udt,
    isArray: extra.isArray ?? false,
    nullable,
    datetimePrecision: extra.p ?? null,
    default: dflt,
  });
  return {
    enums: [{ name: "Color", values: ["red", "green"] }],
    tables: [
      {
        name: "teams",
        columns: [
          col("id", "text", false, null),
          col("name", "text", false, ""),
          col("color", "Color", false, "red"),
          col("tags", "text", true, "[]", { isArray: true }),
          col("created_at", "timestamptz", false, "now()", { p: 3 }),
          col("updated_at", "timestamptz", false, null, { p: 3 }),
        ],
        primaryKey: ["id"],
        indexes: [],
        foreignKeys: [],
      },
      {
        name: "players",
        columns: [col("id", "text", false, null), col("team_id", "text", true, null), col("score", "int8", false, "0")],
        primaryKey: ["id"],
        indexes: [{ name: "players_team_id_score_key", unique: true, columns: [{ name: "team_id", desc: false }, { name: "score", desc: true }] }],
        foreignKeys: [{ columns: ["team_id"], refTable: "teams", refColumns: ["id"], onDelete: "SET NULL" }],
      },
      { name: "_prisma_migrations", columns: [], primaryKey: [], indexes: [], foreignKeys: [] },
    ],
  };
}

describe("compareSchemas", () => {
  const expected = expectedSchema(loadDmmf(SCHEMA));

  test("a database built as Prisma would build it is in sync", () => {
    expect(compareSchemas(expected, matchingDatabase())).toEqual([]);
  });

  test("reports every kind of drift", () => {
    const db = matchingDatabase();
    const [teams, players] = db.tables;
    if (!teams || !players) throw new Error("fixture");
    teams.columns = teams.columns.filter((c) => c.name !== "name"); // missing column
    teams.columns.push({ name: "legacy", udt: "text", isArray: false, nullable: true, datetimePrecision: null, default: null });
    const score = players.columns.find((c) => c.name === "score");
    if (score) score.udt = "int4"; // wrong type
    const teamId = players.columns.find((c) => c.name === "team_id");
    if (teamId) teamId.nullable = false; // wrong nullability
    players.indexes = []; // missing unique
    players.foreignKeys = [{ columns: ["team_id"], refTable: "teams", refColumns: ["id"], onDelete: "CASCADE" }];
    db.enums = [{ name: "Color", values: ["red"] }, { name: "Mood", values: ["ok"] }];
    db.tables.push({ name: "stray", columns: [], primaryKey: [], indexes: [], foreignKeys: [] });

    const problems = compareSchemas(expected, db).join("\n");
    expect(problems).toContain("Team (table teams): column name (text NOT NULL) is missing");
    expect(problems).toContain("Team (table teams): column legacy exists in the database but not in schema.prisma");
    expect(problems).toContain("column score is int4 NOT NULL, schema.prisma says int8 NOT NULL");
    expect(problems).toContain("column team_id is text NOT NULL, schema.prisma says text NULL");
    expect(problems).toContain("unique index on (team_id, score DESC) is missing");
    expect(problems).toContain("foreign key (team_id) -> teams(id) ON DELETE SET NULL is missing");
    expect(problems).toContain("enum Color has values (red), schema.prisma says (red, green)");
    expect(problems).toContain("enum Mood exists in the database but not in schema.prisma");
    expect(problems).toContain("table stray exists in the database but is no model in schema.prisma");
  });

  test("a missing table and a changed default are reported", () => {
    const db = matchingDatabase();
    db.tables = db.tables.filter((t) => t.name !== "players");
    const color = db.tables[0]?.columns.find((c) => c.name === "color");
    if (color) color.default = "green";
    const problems = compareSchemas(expected, db);
    expect(problems).toContain("Player (table players): table is missing from the database");
    expect(problems).toContain("Team (table teams): column color has default green, schema.prisma says red");
  });
});
