/**
 * Prisma's schema engine, run offline as WebAssembly.
 *
 * The Prisma 7 CLI downloads a native schema-engine binary for `migrate diff`,
 * which fails without network. The same engine ships as WebAssembly: the wasm
 * file inside the `prisma` package (build/schema_engine_bg.wasm, the exact
 * engine of the installed CLI) driven by the JS glue of
 * `@prisma/schema-engine-wasm` (same wasm-bindgen interface), talking to
 * Postgres through `@prisma/adapter-pg`. Used by scripts/migration-diff.ts to
 * generate migration SQL exactly as `prisma migrate diff --script` would.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { PrismaPg } from "@prisma/adapter-pg";
import { ColumnTypeEnum, bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { DiffTarget, SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";

type Glue = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");

const require = createRequire(import.meta.url);
let gluePromise: Promise<Glue> | undefined;

/** Path of the engine wasm: the CLI's own copy when present, else the npm package's. */
export function schemaEngineWasmPath(): string {
  try {
    const cliWasm = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "schema_engine_bg.wasm");
    if (fs.existsSync(cliWasm)) return cliWasm;
  } catch {
    // fall through to the npm package
  }
  return path.join(path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")), "schema_engine_bg.wasm");
}

let lastPanic: string | undefined;

async function loadGlue(): Promise<Glue> {
  // The glue reports Rust panics here; without it a panic is an opaque TypeError.
  const registry = { set_message: (message: string) => void (lastPanic = message) };
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: typeof registry }).PRISMA_WASM_PANIC_REGISTRY ??= registry;
  const glue: Glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
  const wasmModule = new WebAssembly.Module(fs.readFileSync(schemaEngineWasmPath()));
  const imports: WebAssembly.Imports = {};
  for (const imp of WebAssembly.Module.imports(wasmModule)) imports[imp.module] = glue as unknown as WebAssembly.ModuleImports;
  const instance = new WebAssembly.Instance(wasmModule, imports);
  glue.__wbg_set_wasm(instance.exports);
  const start = instance.exports.__wbindgen_start;
  if (typeof start === "function") start();
  return glue;
}

export function schemaEngineGlue(): Promise<Glue> {
  gluePromise ??= loadGlue();
  return gluePromise;
}

export type SchemaFile = { path: string; content: string };

export type DiffOptions = {
  /** Any reachable Postgres database: the engine connects even for schema-only diffs. */
  connectionUrl: string;
  from: DiffTarget;
  to: DiffTarget;
  /** true: SQL script; false: Prisma's human-readable summary. */
  script?: boolean;
};

type PgResult = { fields: { dataTypeID: number }[] };
type Queryable = {
  performIO(query: unknown): Promise<PgResult | undefined>;
  queryRaw(query: unknown): Promise<{ columnTypes: number[] }>;
};
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
let charPatched = false;

/**
 * Introspecting a live database reads pg_catalog columns of type "char"
 * (OID 18, e.g. pg_constraint.contype), which @prisma/adapter-pg 7.10 rejects
 * ("Column type 'char' could not be deserialized"), while the engine wants
 * them typed as Character. Teach the adapter's queryRaw that, once, in tooling
 * processes only (the app never loads this module).
 */
async function patchCharColumns(factory: PrismaPg): Promise<void> {
  if (charPatched) return;
  const adapter = await factory.connect();
  try {
    let proto: object | null = Object.getPrototypeOf(adapter) as object | null;
    while (proto && !Object.hasOwn(proto, "queryRaw")) proto = Object.getPrototypeOf(proto) as object | null;
    if (!proto) return;
    const target = proto as Queryable;
    const queryRaw = target.queryRaw;
    target.queryRaw = async function (this: Queryable, query: unknown) {
      // Per call: a view of `this` whose performIO reports "char" columns as text.
      const charColumns: number[] = [];
      const view = Object.create(this, {
        performIO: {
          value: async (q: unknown) => {
            const result = await this.performIO(q);
            result?.fields.forEach((field, i) => {
              if (field.dataTypeID === PG_CHAR_OID) {
                field.dataTypeID = PG_TEXT_OID;
                charColumns.push(i);
              }
            });
            return result;
          },
        },
      }) as Queryable;
      const result = await queryRaw.call(view, query);
      for (const i of charColumns) result.columnTypes[i] = ColumnTypeEnum.Character;
      return result;
    };
    charPatched = true;
  } finally {
    await adapter.dispose();
  }
}

/** `prisma migrate diff`, offline. Returns the script (or summary) and whether anything differs. */
export async function diffSchemas(opts: DiffOptions): Promise<{ output: string; empty: boolean }> {
  const glue = await schemaEngineGlue();
  const factory = new PrismaPg({ connectionString: opts.connectionUrl });
  await patchCharColumns(factory);
  // Remember every connection the engine opens so none outlives the diff.
  const opened: { dispose(): Promise<void> }[] = [];
  const tracked = Object.assign(Object.create(factory) as PrismaPg, {
    connect: async () => {
      const conn = await factory.connect();
      opened.push(conn);
      return conn;
    },
    connectToShadowDb: async () => {
      const conn = await factory.connectToShadowDb();
      opened.push(conn);
      return conn;
    },
  });
  const adapter = bindMigrationAwareSqlAdapterFactory(tracked);
  const datamodels = [opts.from, opts.to].flatMap((t) =>
    t.tag === "schemaDatamodel" || t.tag === "schemaDatasource" ? t.files.map((f): [string, string] => [f.path, f.content]) : [],
  );
  lastPanic = undefined;
  try {
    const engine: SchemaEngine = await glue.SchemaEngine.new({ datamodels }, () => {}, adapter);
    try {
      const result = await engine.diff({
        from: opts.from,
        to: opts.to,
        script: opts.script ?? true,
        exitCode: true,
        filters: { externalTables: [], externalEnums: [] },
      });
      return { output: result.stdout ?? "", empty: result.exitCode === 0 };
    } finally {
      engine.free();
      await Promise.allSettled(opened.map((conn) => conn.dispose()));
    }
  } catch (error) {
    if (lastPanic) throw new Error(`Prisma schema engine panicked: ${lastPanic}`, { cause: error });
    throw error;
  }
}

export function readSchemaFile(schemaPath: string): SchemaFile {
  return { path: path.basename(schemaPath), content: fs.readFileSync(schemaPath, "utf8") };
}
