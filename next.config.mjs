import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));

/** @type {import("next").NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
  // Node packages with native code, worker threads or dynamic requires: load
  // them from node_modules at run time instead of bundling them.
  serverExternalPackages: [
    "@node-rs/argon2",
    "@prisma/adapter-pg",
    "@prisma/client",
    "pg",
    "pino",
    "thread-stream",
    "ioredis",
    "bullmq",
    "undici",
  ],
  // `npm run typecheck` (tsc --noEmit, a step of `npm test` and CI) checks the
  // types of the whole repository; skipping the second check in `next build`
  // saves about a minute on a 2-core machine.
  typescript: { ignoreBuildErrors: true },
  // Pin the project root so a lockfile in a parent folder is never taken for it.
  turbopack: { root },
  outputFileTracingRoot: root,
};

export default nextConfig;
