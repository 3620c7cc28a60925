/**
 * Schema drift: does the migrated database hold what schema.prisma (and the
 * generated client) says? Three pure steps, so a test can feed each a
 * deliberately wrong input and watch it complain:
 *
 *   loadDmmf(schema text)          Prisma's own parse of schema.prisma (prisma-schema-wasm,
 *                                  the same wasm the installed CLI uses for `generate`)
 *   expectedSchema(dmmf)           tables, columns, enums, keys and indexes Prisma would create
 *   describeDatabase(pg client)    the same, read from pg_catalog / information_schema
 *   compareSchemas(expected, actual) -> a list of human-readable problems ([] = in sync)
 *
 * plus compareClientModel(runtimeDataModel, dmmf) for a stale generated client.
 */
import { createRequire } from "node:module";
import type pg from "pg";
import { z } from "zod";

// ---------------------------------------------------------------- DMMF (the subset we read)

const Name = z.string().min(1);
const DbName = z.string().nullish();

export const DmmfField = z.object({
  name: Name,
  dbName: DbName,
  kind: z.enum(["scalar", "enum", "object", "unsupported"]),
  isList: z.boolean(),
  isRequired: z.boolean(),
  isId: z.boolean(),
  isUpdatedAt: z.boolean().optional(),
  hasDefaultValue: z.boolean(),
  type: Name,
  nativeType: z.tuple([z.string(), z.array(z.string())]).nullish(),
  default: z.unknown().optional(),
  relationFromFields: z.array(z.string()).optional(),
  relationToFields: z.array(z.string()).optional(),
  relationOnDelete: z.string().optional(),
});
export type DmmfField = z.infer<typeof DmmfField>;

export const DmmfModel = z.object({
  name: Name,
  dbName: DbName,
  fields: z.array(DmmfField),
  primaryKey: z.object({ name: z.string().nullish(), fields: z.array(z.string()) }).nullish(),
});
export type DmmfModel = z.infer<typeof DmmfModel>;

export const DmmfEnum = z.object({
  name: Name,
  dbName: DbName,
  values: z.array(z.object({ name: Name, dbName: DbName })),
});

export const DmmfIndex = z.object({
  model: Name,
  type: z.enum(["id", "unique", "normal", "fulltext"]),
  dbName: DbName,
  fields: z.array(z.object({ name: Name, sortOrder: z.enum(["asc", "desc"]).nullish() })),
});

export const Dmmf = z.object({
  datamodel: z.object({
    models: z.array(DmmfModel),
    enums: z.array(DmmfEnum),
    indexes: z.array(DmmfIndex),
  }),
});
export type Dmmf = z.infer<typeof Dmmf>;

type SchemaWasm = { get_dmmf(params: string): string };

/** Parses schema.prisma text with Prisma's own parser. */
export function loadDmmf(schemaText: string, fileName = "schema.prisma"): Dmmf {
  const wasm = createRequire(import.meta.url)("@prisma/prisma-schema-wasm") as SchemaWasm;
  let text: string;
  try {
    text = wasm.get_dmmf(JSON.stringify({ prismaSchema: [[fileName, schemaText]], noColor: true }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const parsed = z.object({ message: z.string() }).safeParse(safeJson(message));
    throw new Error(`Invalid Prisma schema: ${parsed.success ? parsed.data.message : message}`);
  }
  return Dmmf.parse(JSON.parse(text));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- the shared description

export type IndexColumn = { name: string; desc: boolean };
export type ColumnShape = {
  name: string;
  /** Postgres udt_name of the element type: text, int4, timestamptz, or the enum's name. */
  udt: string;
  isArray: boolean;
  nullable: boolean;
  /** For timestamp/time columns. */
  datetimePrecision: number | null;
  /** Normalised default ("now()", "0", "{}", "[50,80,100]", "nextval"), null for none, "*" for any. */
  default: string | null;
};
export type IndexShape = { name: string | null; unique: boolean; columns: IndexColumn[] };
export type ForeignKeyShape = { columns: string[]; refTable: string; refColumns: string[]; onDelete: string };
export type TableShape = {
  name: string;
  /** The model, for messages (expected side only). */
  model?: string;
  columns: ColumnShape[];
  primaryKey: string[];
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
};
export type EnumShape = { name: string; values: string[] };
export type SchemaShape = { tables: TableShape[]; enums: EnumShape[] };

/**
 * Deliberate differences between schema.prisma and the migrations (see
 * KNOWN_DEVIATIONS in ./diff.ts): request_logs is partitioned on created_at,
 * so its database primary key is (id, created_at).
 */
export const DB_PRIMARY_KEY_OVERRIDES: Readonly<Record<string, readonly string[]>> = {
  request_logs: ["id", "created_at"],
};

// ---------------------------------------------------------------- expected (from the DMMF)

const DEFAULT_UDT: Record<string, string> = {
  String: "text",
  Int: "int4",
  BigInt: "int8",
  Float: "float8",
  Decimal: "numeric",
  Boolean: "bool",
  DateTime: "timestamp",
  Json: "jsonb",
  Bytes: "bytea",
};

const NATIVE_UDT: Record<string, string> = {
  Text: "text",
  VarChar: "varchar",
  Char: "bpchar",
  Uuid: "uuid",
  Inet: "inet",
  Citext: "citext",
  Xml: "xml",
  Bit: "bit",
  VarBit: "varbit",
  Integer: "int4",
  SmallInt: "int2",
  Oid: "oid",
  BigInt: "int8",
  DoublePrecision: "float8",
  Real: "float4",
  Decimal: "numeric",
  Money: "money",
  Boolean: "bool",
  Timestamp: "timestamp",
  Timestamptz: "timestamptz",
  Date: "date",
  Time: "time",
  Timetz: "timetz",
  Json: "json",
  JsonB: "jsonb",
  ByteA: "bytea",
};

const PRECISION_UDTS = new Set(["timestamp", "timestamptz", "time", "timetz"]);
/** Defaults Prisma fills in on the client, so the column has none. */
const CLIENT_SIDE_DEFAULTS = new Set(["uuid", "cuid", "nanoid", "ulid"]);

function expectedDefault(field: DmmfField): string | null {
  if (!field.hasDefaultValue || field.default === undefined) return null;
  const d = field.default;
  if (Array.isArray(d)) return `[${d.map((v) => String(v)).join(",")}]`;
  if (typeof d === "object" && d !== null && "name" in d && typeof d.name === "string") {
    if (d.name === "now") return "now()";
    if (d.name === "autoincrement" || d.name === "sequence") return "nextval";
    if (CLIENT_SIDE_DEFAULTS.has(d.name)) return null;
    return "*"; // dbgenerated(...) and friends: any default will do
  }
  return String(d);
}

function enumDbNames(dmmf: Dmmf): Map<string, string> {
  return new Map(dmmf.datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
}

function expectedColumn(field: DmmfField, enums: Map<string, string>): ColumnShape {
  let udt: string;
  let precision: number | null = null;
  if (field.kind === "enum") {
    udt = enums.get(field.type) ?? field.type;
  } else {
    const native = field.nativeType;
    const mapped = native ? NATIVE_UDT[native[0]] : DEFAULT_UDT[field.type];
    if (!mapped) throw new Error(`drift check does not know the Postgres type of ${field.type}${native ? ` @db.${native[0]}` : ""}`);
    udt = mapped;
    if (PRECISION_UDTS.has(udt)) precision = native?.[1][0] !== undefined ? Number(native[1][0]) : 3;
  }
  return {
    name: field.dbName ?? field.name,
    udt,
    isArray: field.isList,
    // Prisma creates scalar lists without NOT NULL.
    nullable: field.isList || !field.isRequired,
    datetimePrecision: precision,
    default: field.isUpdatedAt ? null : expectedDefault(field),
  };
}

const ON_DELETE: Record<string, string> = {
  Cascade: "CASCADE",
  Restrict: "RESTRICT",
  NoAction: "NO ACTION",
  SetNull: "SET NULL",
  SetDefault: "SET DEFAULT",
};

/** What Prisma would create for this DMMF (with DB_PRIMARY_KEY_OVERRIDES applied). */
export function expectedSchema(dmmf: Dmmf): SchemaShape {
  const enums = enumDbNames(dmmf);
  const models = new Map(dmmf.datamodel.models.map((m) => [m.name, m]));
  const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
  const columnOf = (m: DmmfModel, fieldName: string) => {
    const f = m.fields.find((x) => x.name === fieldName);
    if (!f) throw new Error(`DMMF: ${m.name} has no field ${fieldName}`);
    return f.dbName ?? f.name;
  };

  const tables = dmmf.datamodel.models.map((model): TableShape => {
    const table = tableOf(model);
    const scalars = model.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");
    const idFields = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
    const indexes = dmmf.datamodel.indexes
      .filter((i) => i.model === model.name && (i.type === "unique" || i.type === "normal"))
      .map((i): IndexShape => ({
        name: i.dbName ?? null,
        unique: i.type === "unique",
        columns: i.fields.map((f) => ({ name: columnOf(model, f.name), desc: f.sortOrder === "desc" })),
      }));
    const foreignKeys = model.fields
      .filter((f) => f.kind === "object" && (f.relationFromFields?.length ?? 0) > 0)
      .map((f): ForeignKeyShape => {
        const target = models.get(f.type);
        if (!target) throw new Error(`DMMF: relation ${model.name}.${f.name} points at unknown model ${f.type}`);
        const onDelete = f.relationOnDelete ?? (f.isRequired ? "Restrict" : "SetNull");
        return {
          columns: (f.relationFromFields ?? []).map((n) => columnOf(model, n)),
          refTable: tableOf(target),
          refColumns: (f.relationToFields ?? []).map((n) => columnOf(target, n)),
          onDelete: ON_DELETE[onDelete] ?? onDelete,
        };
      });
    return {
      name: table,
      model: model.name,
      columns: scalars.map((f) => expectedColumn(f, enums)),
      primaryKey: [...(DB_PRIMARY_KEY_OVERRIDES[table] ?? idFields.map((n) => columnOf(model, n)))],
      indexes,
      foreignKeys,
    };
  });
  return {
    tables,
    enums: dmmf.datamodel.enums.map((e) => ({ name: e.dbName ?? e.name, values: e.values.map((v) => v.dbName ?? v.name) })),
  };
}

// ---------------------------------------------------------------- actual (from Postgres)

/** Tables that belong to the migrator, not to a model. */
export const NON_MODEL_TABLES = new Set(["_prisma_migrations"]);

/** Normalises a column default as Postgres prints it, for comparison with expectedDefault(). */
export function normalizeDbDefault(expr: string | null): string | null {
  if (expr === null) return null;
  let e = expr.trim();
  if (/^nextval\(/i.test(e)) return "nextval";
  if (/^(CURRENT_TIMESTAMP|now\(\))$/i.test(e)) return "now()";
  const array = /^ARRAY\[([\s\S]*?)\](?:::[\w" ]+(?:\[\])+)?$/.exec(e);
  if (array) {
    const inner = (array[1] ?? "").trim();
    return `[${inner === "" ? "" : inner.split(/,\s*/).map((v) => normalizeScalar(v)).join(",")}]`;
  }
  e = normalizeScalar(e);
  return e;
}

function normalizeScalar(value: string): string {
  let e = value.trim();
  for (;;) {
    const paren = /^\(([\s\S]*)\)$/.exec(e);
    if (paren) {
      e = (paren[1] ?? "").trim();
      continue;
    }
    const cast = /^([\s\S]*?)::(?:"[^"]+"|[a-zA-Z_][\w ]*(?:\(\d+(?:,\s*\d+)?\))?)(?:\[\])*$/.exec(e);
    if (cast && cast[1] !== undefined) {
      e = cast[1].trim();
      continue;
    }
    break;
  }
  const quoted = /^'([\s\S]*)'$/.exec(e);
  return quoted ? (quoted[1] ?? "").replaceAll("''", "'") : e;
}

type ColumnRow = {
  table_name: string;
  column_name: string;
  is_nullable: "YES" | "NO";
  udt_name: string;
  data_type: string;
  datetime_precision: number | null;
  column_default: string | null;
};
type IndexRow = { table: string; name: string; unique: boolean; primary: boolean; columns: string[]; descs: boolean[] };
type FkRow = { table: string; ref_table: string; columns: string[]; ref_columns: string[]; on_delete: string };

const FK_ACTION: Record<string, string> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

/** Reads the current schema (search_path) of the connected database. Partitions are folded into their parent. */
export async function describeDatabase(client: pg.ClientBase): Promise<SchemaShape> {
  const { rows: tableRows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
     ORDER BY c.relname`,
  );
  const { rows: columnRows } = await client.query<ColumnRow>(
    `SELECT table_name, column_name, is_nullable, udt_name, data_type, datetime_precision, column_default
     FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const { rows: indexRows } = await client.query<IndexRow>(
    `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
            array_agg(a.attname::text ORDER BY k.ord) AS columns,
            array_agg((ix.indoption[k.ord - 1] & 1) = 1 ORDER BY k.ord) AS descs
     FROM pg_index ix
     JOIN pg_class i ON i.oid = ix.indexrelid
     JOIN pg_class t ON t.oid = ix.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
     WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p') AND NOT t.relispartition
     GROUP BY t.relname, i.relname, ix.indisunique, ix.indisprimary`,
  );
  const { rows: fkRows } = await client.query<FkRow>(
    `SELECT t.relname AS table, rt.relname AS ref_table, c.confdeltype::text AS on_delete,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns
     FROM pg_constraint c
     JOIN pg_class t ON t.oid = c.conrelid
     JOIN pg_class rt ON rt.oid = c.confrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE c.contype = 'f' AND n.nspname = current_schema() AND NOT t.relispartition`,
  );
  const { rows: enumRows } = await client.query<{ name: string; values: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = current_schema() GROUP BY t.typname ORDER BY t.typname`,
  );

  const tables = tableRows.map(({ name }): TableShape => {
    const indexes = indexRows.filter((r) => r.table === name);
    const pk = indexes.find((r) => r.primary);
    return {
      name,
      columns: columnRows
        .filter((c) => c.table_name === name)
        .map((c) => {
          const isArray = c.data_type === "ARRAY";
          const udt = isArray ? c.udt_name.replace(/^_/, "") : c.udt_name;
          return {
            name: c.column_name,
            udt,
            isArray,
            nullable: c.is_nullable === "YES",
            datetimePrecision: PRECISION_UDTS.has(udt) ? c.datetime_precision : null,
            default: normalizeDbDefault(c.column_default),
          };
        }),
      primaryKey: pk?.columns ?? [],
      indexes: indexes
        .filter((r) => !r.primary)
        .map((r) => ({ name: r.name, unique: r.unique, columns: r.columns.map((col, i) => ({ name: col, desc: r.descs[i] ?? false })) })),
      foreignKeys: fkRows
        .filter((r) => r.table === name)
        .map((r) => ({ columns: r.columns, refTable: r.ref_table, refColumns: r.ref_columns, onDelete: FK_ACTION[r.on_delete] ?? r.on_delete })),
    };
  });
  return { tables, enums: enumRows };
}

// ---------------------------------------------------------------- comparison

function columnType(c: ColumnShape): string {
  const precision = c.datetimePrecision !== null ? `(${c.datetimePrecision})` : "";
  return `${c.udt}${precision}${c.isArray ? "[]" : ""} ${c.nullable ? "NULL" : "NOT NULL"}`;
}

function indexKey(columns: IndexColumn[]): string {
  return columns.map((c) => `${c.name}${c.desc ? " DESC" : ""}`).join(", ");
}

/** Every way `actual` fails to be what `expected` describes. [] = in sync. */
export function compareSchemas(expected: SchemaShape, actual: SchemaShape): string[] {
  const problems: string[] = [];
  const actualTables = new Map(actual.tables.map((t) => [t.name, t]));
  const expectedNames = new Set(expected.tables.map((t) => t.name));

  for (const want of expected.tables) {
    const label = want.model ? `${want.model} (table ${want.name})` : `table ${want.name}`;
    const have = actualTables.get(want.name);
    if (!have) {
      problems.push(`${label}: table is missing from the database`);
      continue;
    }
    const haveColumns = new Map(have.columns.map((c) => [c.name, c]));
    for (const col of want.columns) {
      const found = haveColumns.get(col.name);
      if (!found) {
        problems.push(`${label}: column ${col.name} (${columnType(col)}) is missing`);
        continue;
      }
      if (columnType(found) !== columnType(col)) {
        problems.push(`${label}: column ${col.name} is ${columnType(found)}, schema.prisma says ${columnType(col)}`);
      }
      if (col.default !== "*" && found.default !== col.default) {
        problems.push(`${label}: column ${col.name} has default ${found.default ?? "none"}, schema.prisma says ${col.default ?? "none"}`);
      } else if (col.default === "*" && found.default === null) {
        problems.push(`${label}: column ${col.name} has no default, schema.prisma says dbgenerated`);
      }
    }
    const wantColumns = new Set(want.columns.map((c) => c.name));
    for (const col of have.columns) {
      if (!wantColumns.has(col.name)) problems.push(`${label}: column ${col.name} exists in the database but not in schema.prisma`);
    }
    if (want.primaryKey.join(",") !== have.primaryKey.join(",")) {
      problems.push(`${label}: primary key is (${have.primaryKey.join(", ")}), expected (${want.primaryKey.join(", ")})`);
    }
    const haveIndexes = [...have.indexes];
    for (const idx of want.indexes) {
      const at = haveIndexes.findIndex((h) => h.unique === idx.unique && indexKey(h.columns) === indexKey(idx.columns));
      const kind = idx.unique ? "unique index" : "index";
      if (at < 0) {
        problems.push(`${label}: ${kind} on (${indexKey(idx.columns)}) is missing`);
        continue;
      }
      const [found] = haveIndexes.splice(at, 1);
      if (idx.name && found && found.name !== idx.name) problems.push(`${label}: ${kind} on (${indexKey(idx.columns)}) is named ${found.name}, expected ${idx.name}`);
    }
    for (const extra of haveIndexes) {
      problems.push(`${label}: ${extra.unique ? "unique index" : "index"} ${extra.name} on (${indexKey(extra.columns)}) is not in schema.prisma`);
    }
    const fkKey = (f: ForeignKeyShape) => `(${f.columns.join(", ")}) -> ${f.refTable}(${f.refColumns.join(", ")}) ON DELETE ${f.onDelete}`;
    const haveFks = new Set(have.foreignKeys.map(fkKey));
    const wantFks = new Set(want.foreignKeys.map(fkKey));
    for (const fk of wantFks) if (!haveFks.has(fk)) problems.push(`${label}: foreign key ${fk} is missing`);
    for (const fk of haveFks) if (!wantFks.has(fk)) problems.push(`${label}: foreign key ${fk} is not in schema.prisma`);
  }
  for (const table of actual.tables) {
    if (!expectedNames.has(table.name) && !NON_MODEL_TABLES.has(table.name)) {
      problems.push(`table ${table.name} exists in the database but is no model in schema.prisma`);
    }
  }

  const actualEnums = new Map(actual.enums.map((e) => [e.name, e]));
  for (const want of expected.enums) {
    const have = actualEnums.get(want.name);
    if (!have) problems.push(`enum ${want.name} is missing from the database`);
    else if (have.values.join(",") !== want.values.join(",")) {
      problems.push(`enum ${want.name} has values (${have.values.join(", ")}), schema.prisma says (${want.values.join(", ")})`);
    }
  }
  const expectedEnums = new Set(expected.enums.map((e) => e.name));
  for (const e of actual.enums) if (!expectedEnums.has(e.name)) problems.push(`enum ${e.name} exists in the database but not in schema.prisma`);
  return problems;
}

// ---------------------------------------------------------------- the generated client

export const RuntimeDataModel = z.object({
  models: z.record(
    z.string(),
    z.object({
      dbName: z.string().nullish(),
      fields: z.array(z.object({ name: z.string(), kind: z.string(), type: z.string(), dbName: z.string().nullish() })),
    }),
  ),
});
export type RuntimeDataModel = z.infer<typeof RuntimeDataModel>;

/**
 * The generated client's model metadata (PrismaClient's runtime data model)
 * against schema.prisma: a client generated from an older schema maps fields
 * to columns that no longer exist. Fix: npm run db:generate.
 */
export function compareClientModel(runtime: RuntimeDataModel, dmmf: Dmmf): string[] {
  const problems: string[] = [];
  const wantModels = new Map(dmmf.datamodel.models.map((m) => [m.name, m]));
  for (const name of Object.keys(runtime.models)) {
    if (!wantModels.has(name)) problems.push(`client model ${name} is not in schema.prisma (stale client: npm run db:generate)`);
  }
  for (const model of dmmf.datamodel.models) {
    const have = runtime.models[model.name];
    if (!have) {
      problems.push(`client has no model ${model.name} (stale client: npm run db:generate)`);
      continue;
    }
    if ((have.dbName ?? model.name) !== (model.dbName ?? model.name)) {
      problems.push(`client maps ${model.name} to table ${have.dbName ?? model.name}, schema.prisma to ${model.dbName ?? model.name}`);
    }
    const describe = (f: { name: string; kind: string; type: string; dbName?: string | null }) =>
      `${f.name}:${f.kind}:${f.type}:${f.dbName ?? f.name}`;
    const haveFields = new Set(have.fields.filter((f) => f.kind !== "object").map(describe));
    const wantFields = new Set(model.fields.filter((f) => f.kind !== "object").map(describe));
    for (const f of wantFields) if (!haveFields.has(f)) problems.push(`client model ${model.name} lacks field ${f} (stale client: npm run db:generate)`);
    for (const f of haveFields) if (!wantFields.has(f)) problems.push(`client model ${model.name} has field ${f} that schema.prisma lacks (stale client)`);
  }
  return problems;
}
