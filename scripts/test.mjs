#!/usr/bin/env node
// `npm test`: every test layer in order, one summary at the end.
//
//   typecheck  tsc --noEmit
//   lint       eslint (import zones included)
//   unit       vitest project "unit"
//   int        vitest project "int" (its globalSetup creates and migrates the test database)
//   build      next build (under flock /tmp/gatehouse-next.lock when flock exists)
//   e2e        playwright in Debian's Chromium (e2e/global-setup.ts prepares gatehouse_e2e)
//
// Steps go on after a failure so one run shows everything; only e2e needs a
// successful build. The last line reads `Total: N passed, N failed`; the exit
// code is non-zero when anything failed.
//
//   npm test -- --only unit,int      run only these steps
//   npm test -- --skip e2e,build     run all but these
//
// Node built-ins only: this runs before node_modules exists.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, bin, buildStale, c, checkNode, ensureDependencies, ensureServices, fail, heading, run, withBuildLock } from "./lib/tooling.mjs";

export const STEPS = ["typecheck", "lint", "unit", "int", "build", "e2e"];
const RESULTS_DIR = path.join(ROOT, "var", "test-results");

/** Parses `--only a,b` / `--skip a,b` (also `--only=a,b`). */
export function selectSteps(argv) {
  const value = (flag) => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i === -1) return null;
    const v = argv[i].includes("=") ? argv[i].slice(flag.length + 1) : argv[i + 1];
    if (!v) throw new Error(`${flag} needs a comma-separated list of steps (${STEPS.join(", ")})`);
    return v.split(",").map((s) => s.trim()).filter(Boolean);
  };
  const only = value("--only");
  const skip = value("--skip") ?? [];
  for (const s of [...(only ?? []), ...skip]) {
    if (!STEPS.includes(s)) throw new Error(`unknown step "${s}" (steps: ${STEPS.join(", ")})`);
  }
  const unknown = argv.filter((a, i) => a.startsWith("--") && !/^--(only|skip)(=|$)/.test(a) && !/^--(only|skip)$/.test(argv[i - 1] ?? ""));
  if (unknown.length) throw new Error(`unknown option ${unknown[0]} (use --only or --skip)`);
  return STEPS.filter((s) => (only ? only.includes(s) : true) && !skip.includes(s));
}

/** Counts from a vitest JSON report; a file that failed to load counts as one failure. */
export function countVitest(report) {
  let failed = report.numFailedTests ?? 0;
  for (const file of report.testResults ?? []) {
    const assertions = file.assertionResults ?? [];
    if (file.status === "failed" && !assertions.some((a) => a.status === "failed")) failed += 1;
  }
  return {
    passed: report.numPassedTests ?? 0,
    failed,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

/** Counts from a Playwright JSON report; errors outside tests (setup, web server) count as failures. */
export function countPlaywright(report) {
  const s = report.stats ?? {};
  return {
    passed: (s.expected ?? 0) + (s.flaky ?? 0),
    failed: (s.unexpected ?? 0) + (report.errors?.length ?? 0),
    skipped: s.skipped ?? 0,
  };
}

/**
 * One step's counted result. A step that is not a test runner counts as one
 * failure when it fails; a test runner that exits non-zero without a counted
 * failure, or runs no test at all, counts as one failure too.
 */
export function judge(step, code, counts) {
  if (!counts) return { passed: 0, failed: code === 0 ? 0 : 1, skipped: 0, ok: code === 0, note: code === 0 ? "" : `exit ${code}` };
  const r = { ...counts, ok: code === 0 && counts.failed === 0, note: "" };
  if (code !== 0 && r.failed === 0) {
    r.failed = 1;
    r.note = `exit ${code} with no failed test counted`;
  }
  if (code === 0 && counts.passed + counts.failed === 0) {
    r.failed = 1;
    r.ok = false;
    r.note = "no test ran";
  }
  return r;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

/** The e2e settings of lib/testing/env.ts, so the build sees the env the browser tests run with. */
function e2eEnvironment() {
  const out = spawnSync(bin("tsx"), [path.join(ROOT, "scripts", "lib", "print-test-env.ts"), "e2e"], { cwd: ROOT, encoding: "utf8" });
  if (out.status !== 0) {
    console.error(out.stderr);
    return {};
  }
  return JSON.parse(out.stdout);
}

function fmtTime(ms) {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}

async function main() {
  let steps;
  try {
    steps = selectSteps(process.argv.slice(2));
  } catch (error) {
    fail(error.message);
  }
  checkNode();
  await ensureDependencies();
  // The browser tests run against the production build: make one when it is missing or stale.
  if (steps.includes("e2e") && !steps.includes("build")) {
    const why = buildStale();
    if (why) {
      console.log(c.yellow(`e2e needs a fresh build (${why}): adding the build step`));
      steps.splice(steps.indexOf("e2e"), 0, "build");
    }
  }
  mkdirSync(RESULTS_DIR, { recursive: true });

  if (steps.includes("int") || steps.includes("e2e")) {
    heading("Services");
    const pgAdmin = process.env.PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
    const redis = process.env.TEST_REDIS_BASE_URL ?? "redis://127.0.0.1:6379";
    await ensureServices({ databaseUrl: pgAdmin, redisUrl: redis });
  }

  const env = { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? "1" : "0") };
  const vitest = (project) => {
    const out = path.join(RESULTS_DIR, `${project}.json`);
    return {
      cmd: bin("vitest"),
      args: ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`],
      report: out,
      count: countVitest,
    };
  };
  const e2eReport = path.join(RESULTS_DIR, "e2e.json");
  const defs = {
    typecheck: { cmd: bin("tsc"), args: ["--noEmit", "-p", "tsconfig.json"] },
    lint: { cmd: bin("eslint"), args: ["--max-warnings=0", "."] },
    unit: vitest("unit"),
    int: vitest("int"),
    build: (() => {
      const [cmd, args] = withBuildLock("npm", ["run", "--silent", "build"]);
      // NEXTAUTH_URL follows GATEHOUSE_E2E_PORT, as in playwright.config.ts.
      const nextauthUrl = `http://127.0.0.1:${process.env.GATEHOUSE_E2E_PORT ?? "3100"}`;
      return { cmd, args, env: () => ({ ...env, ...e2eEnvironment(), NEXTAUTH_URL: nextauthUrl, NODE_ENV: "production" }) };
    })(),
    e2e: { cmd: bin("playwright"), args: ["test"], report: e2eReport, count: countPlaywright },
  };

  const results = [];
  for (const step of steps) {
    const def = defs[step];
    if (step === "e2e" && results.some((r) => r.step === "build" && !r.ok)) {
      results.push({ step, passed: 0, failed: 1, skipped: 0, ok: false, note: "not run: the build failed", ms: 0 });
      continue;
    }
    heading(`${step}: ${path.relative(ROOT, def.cmd) || def.cmd} ${def.args.join(" ")}`);
    if (def.report) rmSync(def.report, { force: true });
    const started = Date.now();
    const code = await run(def.cmd, def.args, { env: def.env ? def.env() : env });
    const ms = Date.now() - started;
    let counts = null;
    if (def.count) {
      const report = readJson(def.report);
      counts = report ? def.count(report) : { passed: 0, failed: 0, skipped: 0 };
    }
    results.push({ step, ...judge(step, code, counts), ms, counted: Boolean(def.count) });
  }

  // ---------------------------------------------------------------- summary
  const total = results.reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }), {
    passed: 0,
    failed: 0,
    skipped: 0,
  });
  console.log(`\n${c.bold("Summary")}`);
  console.log(c.dim(`  ${"step".padEnd(10)} ${"result".padEnd(7)} ${"tests".padEnd(34)} time`));
  for (const r of results) {
    const status = r.ok ? c.green("ok".padEnd(7)) : c.red("FAILED".padEnd(7));
    const tests = r.counted || r.note.startsWith("not run") ? `passed ${r.passed}  failed ${r.failed}  skipped ${r.skipped}` : "-";
    console.log(`  ${r.step.padEnd(10)} ${status} ${tests.padEnd(34)} ${fmtTime(r.ms)}${r.note ? `  ${c.yellow(r.note)}` : ""}`);
  }
  const skippedPart = total.skipped ? `, ${total.skipped} skipped` : "";
  console.log(`\nTotal: ${total.passed} passed, ${total.failed} failed${skippedPart}`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

const invoked = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  main().catch((error) => fail(error instanceof Error ? error.stack ?? error.message : String(error)));
}

