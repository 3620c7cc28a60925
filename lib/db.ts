import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { getEnv } from "@/lib/env";

export type Db = InstanceType<typeof PrismaClient>;
export type { Prisma } from "@/lib/generated/prisma/client";

const globalForDb = globalThis as unknown as { gatehouseDb?: Db };

export function createDb(url = getEnv().DATABASE_URL): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 10 }) });
}

/** The process-wide Prisma client (one per process, kept across Next dev reloads). */
export function getDb(): Db {
  globalForDb.gatehouseDb ??= createDb();
  return globalForDb.gatehouseDb;
}

/** Lazily-initialised client; importing this module never connects. */
export const db: Db = new Proxy({} as Db, {
  get(_target, prop) {
    const client = getDb();
    const value = Reflect.get(client, prop, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
});

export async function disconnectDb(): Promise<void> {
  if (globalForDb.gatehouseDb) {
    await globalForDb.gatehouseDb.$disconnect();
    globalForDb.gatehouseDb = undefined;
  }
}
