import "dotenv/config";
import { defineConfig } from "prisma/config";

// The CLI is used for `prisma generate` only on machines without network:
// migrations are applied by scripts/migrate.ts (see DESIGN.md, "Prisma 7 offline").
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/gatehouse" },
});
