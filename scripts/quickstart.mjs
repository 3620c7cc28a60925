#!/usr/bin/env node
// `npm run quickstart`: from a fresh clone to a running Gatehouse.
//
//   1. installs dependencies when missing (npm ci)
//   2. writes .env from .env.example with fresh secrets (never overwrites an existing .env)
//   3. checks that PostgreSQL and Redis answer
//   4. creates and migrates the database, seeds the demo data
//   5. builds when the build is missing or stale
//   6. starts web, worker and simulator together, waits for /api/health,
//      prints the URL, the admin sign-in, the demo API key and a curl line
//
// Ctrl-C (or SIGTERM) stops all three. Flags:
//   --no-start   stop after step 5 (also the default when CI=true)
//   --no-build   skip step 5 (with --no-start: a quick check of the setup)
//
// Node built-ins only: this runs before node_modules exists.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  ROOT,
  buildStale,
  c,
  checkNode,
  ensureDependencies,
  ensureServices,
  fail,
  generateSecrets,
  heading,
  portFree,
  readDotenv,
  renderEnvFile,
  withBuildLock,
} from "./lib/tooling.mjs";

const DEFAULTS = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/gatehouse",
  REDIS_URL: "redis://127.0.0.1:6379",
  PORT: "3000",
  SIMULATOR_URL: "http://127.0.0.1:4010",
  GATEHOUSE_ADMIN_EMAIL: "admin@gatehouse.local",
  GATEHOUSE_ADMIN_PASSWORD: "gatehouse-admin",
};

/** Writes `.env` from `.env.example` with fresh secrets unless `.env` exists. Returns whether it wrote. */
export function writeEnvFileIfMissing(root = ROOT, secrets = generateSecrets()) {
  const target = path.join(root, ".env");
  if (existsSync(target)) return false;
  const example = readFileSync(path.join(root, ".env.example"), "utf8");
  writeFileSync(target, renderEnvFile(example, secrets), { mode: 0o600, flag: "wx" });
  return true;
}

/** The environment the children get: `.env` under the process environment (which wins, as with dotenv). */
export function childEnv(dotenv, base = process.env) {
  const env = { ...DEFAULTS, ...dotenv };
  for (const [k, v] of Object.entries(base)) if (v !== undefined && v !== "") env[k] = v;
  return env;
}

/** Runs an npm script, passing its output through and keeping a copy. */
function runCapture(args, env) {
  return new Promise((resolve) => {
    const child = spawn("npm", args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on("error", (error) => resolve({ code: 127, out: String(error) }));
    child.on("exit", (code) => resolve({ code: code ?? 1, out }));
  });
}

// ------------------------------------------------------------------ the three processes

const PROCS = [
  { name: "web", colour: c.cyan, script: "start" },
  { name: "worker", colour: c.magenta, script: "worker" },
  { name: "sim", colour: c.yellow, script: "simulator" },
];

function prefixLines(stream, label, sink) {
  let buffered = "";
  stream.on("data", (chunk) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) sink.write(`${label} ${line}\n`);
  });
  stream.on("end", () => {
    if (buffered) sink.write(`${label} ${buffered}\n`);
  });
}

function startAll(env) {
  const width = Math.max(...PROCS.map((p) => p.name.length));
  return PROCS.map((p) => {
    // Own process group, so stopping reaches npm's children (tsx, node) too.
    const child = spawn("npm", ["run", "--silent", p.script], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const label = p.colour(`[${p.name.padEnd(width)}]`);
    prefixLines(child.stdout, label, process.stdout);
    prefixLines(child.stderr, label, process.stderr);
    const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ name: p.name, code, signal })));
    return { ...p, child, exited };
  });
}

async function stopAll(procs, graceMs = 15_000) {
  for (const p of procs) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      try {
        process.kill(-p.child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
  }
  const timer = setTimeout(() => {
    for (const p of procs) {
      try {
        process.kill(-p.child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }, graceMs);
  await Promise.all(procs.map((p) => p.exited));
  clearTimeout(timer);
}

async function waitForHealth(url, procs, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  const firstExit = Promise.race(procs.map((p) => p.exited));
  let exited = null;
  firstExit.then((e) => (exited = e));
  let last = "no answer";
  while (Date.now() < deadline) {
    if (exited) return { ok: false, reason: `${exited.name} exited (${exited.code ?? exited.signal}) before the app was healthy` };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (res.status === 200) return { ok: true };
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { ok: false, reason: `${url} did not answer 200 within ${timeoutMs / 1000}s (last: ${last})` };
}

// ------------------------------------------------------------------ main

async function main() {
  const argv = new Set(process.argv.slice(2));
  const ci = process.env.CI === "true" || process.env.CI === "1";
  const noStart = argv.has("--no-start") || ci;
  const noBuild = argv.has("--no-build");

  checkNode();
  console.log(c.bold("Gatehouse quick start"));

  await ensureDependencies();

  heading("Configuration");
  if (writeEnvFileIfMissing()) console.log(`${c.green("wrote")} .env from .env.example with fresh secrets (NEXTAUTH_SECRET, GATEHOUSE_ENCRYPTION_KEY, demo API key, admin token)`);
  else console.log(`${c.green("ok")} using the existing .env (left as it is)`);
  const env = childEnv(readDotenv());
  const port = Number(env.PORT);
  const baseUrl = `http://127.0.0.1:${port}`;

  heading("Services");
  await ensureServices({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL });

  heading("Database: npm run db:migrate");
  if ((await runCapture(["run", "--silent", "db:migrate"], env)).code !== 0) fail("migrating the database failed (see above).");

  heading("Demo data: npm run db:seed");
  const seeded = await runCapture(["run", "--silent", "db:seed"], { ...env, PORT: String(port) });
  if (seeded.code !== 0) fail("seeding failed (see above).");
  const demoKey = /Demo API key:\s+(gh_live_[A-Za-z0-9_-]+)[ \t]*$/m.exec(seeded.out)?.[1] || env.GATEHOUSE_DEMO_API_KEY || null;

  if (!noBuild) {
    const why = buildStale();
    if (why) {
      heading(`Build (${why}): npm run build`);
      const [cmd, args] = withBuildLock("npm", ["run", "--silent", "build"]);
      const { code } = await new Promise((resolve) => {
        const child = spawn(cmd, args, { cwd: ROOT, env: { ...env, NODE_ENV: "production" }, stdio: "inherit" });
        child.on("exit", (code) => resolve({ code: code ?? 1 }));
        child.on("error", () => resolve({ code: 127 }));
      });
      if (code !== 0) fail("the build failed (see above).");
    } else {
      heading("Build: up to date");
    }
  }

  if (noStart) {
    console.log(`\n${c.green("Ready.")} Not starting web, worker and simulator (${ci ? "CI=true" : "--no-start"}); \`npm run quickstart\` starts them.`);
    return;
  }

  heading("Starting web, worker and simulator");
  const simPort = Number(new URL(env.SIMULATOR_URL).port || 80);
  for (const [what, p] of [
    ["web", port],
    ["simulator", simPort],
  ]) {
    if (!(await portFree(p))) fail(`port ${p} (${what}) is already in use: is another Gatehouse running? Stop it, or set ${what === "web" ? "PORT" : "SIMULATOR_URL and SIMULATOR_PORT"} in .env.`);
  }
  const procs = startAll({ ...env, SIMULATOR_PORT: env.SIMULATOR_PORT ?? String(simPort) });

  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${c.dim("stopping web, worker and simulator...")}`);
    await stopAll(procs);
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGHUP", () => void stop(0));

  const health = await waitForHealth(`${baseUrl}/api/health`, procs);
  if (!health.ok) {
    console.error(`\n${c.red("error:")} ${health.reason}`);
    await stop(1);
    return;
  }

  let modelsLine = "";
  if (demoKey) {
    try {
      const res = await fetch(`${baseUrl}/v1/models`, { headers: { authorization: `Bearer ${demoKey}` } });
      const body = await res.json().catch(() => null);
      const n = Array.isArray(body?.data) ? body.data.length : 0;
      modelsLine = res.ok ? `${c.green("ok")} GET /v1/models with the demo key: ${n} models` : `${c.yellow("warning:")} GET /v1/models answered ${res.status}`;
    } catch (error) {
      modelsLine = `${c.yellow("warning:")} GET /v1/models failed: ${error instanceof Error ? error.message : error}`;
    }
  }

  const lines = [
    "",
    c.bold(c.green("Gatehouse is running.")),
    `  URL:            ${c.bold(baseUrl)}`,
    `  Admin sign-in:  ${env.GATEHOUSE_ADMIN_EMAIL} / ${env.GATEHOUSE_ADMIN_PASSWORD}`,
    `  Acme members:   owner|admin|developer|support|viewer@acme.test / gatehouse-demo`,
    demoKey
      ? `  Demo API key:   ${demoKey}`
      : `  Demo API key:   (made by an earlier seed and not stored in clear; set GATEHOUSE_DEMO_API_KEY in .env and run npm run db:seed)`,
    ...(env.GATEHOUSE_ADMIN_TOKEN ? [`  Admin token:    ${env.GATEHOUSE_ADMIN_TOKEN}`] : []),
    `  Simulator:      ${env.SIMULATOR_URL}`,
    "",
    ...(demoKey ? [`  ${c.bold("curl -s " + baseUrl + '/v1/models -H "Authorization: Bearer ' + demoKey + '"')}`] : []),
    ...(modelsLine ? [`  ${modelsLine}`] : []),
    "",
    c.dim("  Ctrl-C stops web, worker and simulator."),
    "",
  ];
  console.log(lines.join("\n"));

  const first = await Promise.race(procs.map((p) => p.exited));
  if (!stopping) {
    console.error(`\n${c.red("error:")} ${first.name} exited (${first.code ?? first.signal}); stopping the others.`);
    await stop(1);
  }
}

const invoked = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  main().catch((error) => fail(error instanceof Error ? error.stack ?? error.message : String(error)));
}
