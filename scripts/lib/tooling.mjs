// Shared helpers of scripts/quickstart.mjs and scripts/test.mjs. Node
// built-ins only: these run on a fresh clone before node_modules exists.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

// ------------------------------------------------------------------ output

const useColour = (stream) => Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
const paint = (code) => (text) => (useColour(process.stdout) ? `\x1b[${code}m${text}\x1b[0m` : String(text));
export const c = {
  bold: paint("1"),
  dim: paint("2"),
  red: paint("31"),
  green: paint("32"),
  yellow: paint("33"),
  blue: paint("34"),
  magenta: paint("35"),
  cyan: paint("36"),
};

export function heading(text) {
  console.log(`\n${c.bold(c.cyan("==>"))} ${c.bold(text)}`);
}

export function fail(message) {
  console.error(`\n${c.red(c.bold("error:"))} ${message}`);
  process.exit(1);
}

// ------------------------------------------------------------------ processes

/** Runs a command with inherited stdio; resolves to its exit code (never rejects). */
export function run(command, args, { env = process.env, cwd = ROOT } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: "inherit" });
    child.on("error", (error) => {
      console.error(`${c.red("error:")} could not start ${command}: ${error.message}`);
      resolve(127);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1)));
  });
}

function signalNumber(signal) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal];
}

export function hasCommand(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/** `flock <file> <cmd...>` when flock exists, so two `next build`s never overlap. */
export function withBuildLock(command, args) {
  return hasCommand("flock") ? ["flock", ["/tmp/gatehouse-next.lock", command, ...args]] : [command, args];
}

export const bin = (name) => path.join(ROOT, "node_modules", ".bin", name);

// ------------------------------------------------------------------ dependencies

/** Whether `npm ci` is needed: no node_modules, or package-lock.json newer than the install. */
export function dependenciesMissing() {
  const installed = path.join(ROOT, "node_modules", ".package-lock.json");
  if (!existsSync(installed)) return "node_modules is missing";
  for (const tool of ["next", "tsx", "vitest", "eslint", "playwright", "prisma"]) {
    if (!existsSync(bin(tool))) return `node_modules/.bin/${tool} is missing`;
  }
  if (statSync(path.join(ROOT, "package-lock.json")).mtimeMs > statSync(installed).mtimeMs + 1000) {
    return "package-lock.json changed since the last install";
  }
  return null;
}

/**
 * `npm ci`, or `npm install` when npm ci refuses the lockfile: npm 11 rejects a
 * lockfile without entries for optional platform packages (other OSes' builds
 * of next/swc, unrs-resolver, msgpackr-extract) that a registry does not serve
 * (npm/cli#9846), while `npm install` installs the same locked versions.
 */
export async function installDependencies() {
  const dry = spawnSync("npm", ["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "ignore" });
  if (dry.status === 0) return run("npm", ["ci", "--no-audit", "--no-fund"]);
  console.log(c.dim("npm ci refuses this lockfile here (optional platform packages the registry lacks, npm/cli#9846): npm install, same locked versions"));
  return run("npm", ["install", "--no-audit", "--no-fund"]);
}

export async function ensureDependencies() {
  const why = dependenciesMissing();
  if (why) {
    heading(`Installing dependencies (${why})`);
    const code = await installDependencies();
    if (code !== 0) fail("installing the dependencies failed (see above). Node 20.19+ and access to the npm registry are needed.");
  }
  if (!existsSync(path.join(ROOT, "lib", "generated", "prisma", "client.ts"))) {
    heading("Generating the Prisma client: npm run db:generate");
    const code = await run("npm", ["run", "--silent", "db:generate"]);
    if (code !== 0) fail("prisma generate failed (see above).");
  }
}

export function checkNode() {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) fail(`Node ${process.versions.node} is too old: Gatehouse needs Node 20.19 or newer.`);
}

// ------------------------------------------------------------------ .env

/** A small dotenv parser: KEY=VALUE, # comments, optional quotes, `export ` prefix. */
export function parseDotenv(text) {
  const out = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[1] === '"' ? quoted[2].replace(/\\n/g, "\n") : quoted[2];
    else value = value.replace(/\s+#.*$/, "");
    out[m[1]] = value;
  }
  return out;
}

export function readDotenv(file = path.join(ROOT, ".env")) {
  return existsSync(file) ? parseDotenv(readFileSync(file, "utf8")) : {};
}

/** Fresh secrets for a new `.env`. */
export function generateSecrets() {
  return {
    NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
    GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    GATEHOUSE_DEMO_API_KEY: `gh_live_${randomBytes(32).toString("base64url")}`,
    GATEHOUSE_ADMIN_TOKEN: `gh_admin_${randomBytes(32).toString("base64url")}`,
  };
}

/** `.env.example` with the given variables filled in where the example leaves them empty. */
export function renderEnvFile(exampleText, values) {
  return exampleText
    .split("\n")
    .map((line) => {
      const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (m && m[2] === "" && values[m[1]] !== undefined) return `${m[1]}=${values[m[1]]}`;
      return line;
    })
    .join("\n");
}

// ------------------------------------------------------------------ services

function hostPort(urlText, defaultPort) {
  const u = new URL(urlText);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  return { host, port: Number(u.port || defaultPort) };
}

/** Connects, writes `hello`, resolves to the first bytes back (or null on error/timeout). */
function probe({ host, port }, hello, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (value) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.on("error", () => done(null));
    socket.on("connect", () => socket.write(hello));
    socket.on("data", (chunk) => done(chunk));
    socket.on("close", () => done(null));
  });
}

/** Postgres answers an SSLRequest with one byte, "S" or "N". */
export async function postgresAnswers(url) {
  const reply = await probe(hostPort(url, 5432), Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
  return reply !== null && (reply[0] === 0x53 || reply[0] === 0x4e);
}

/** Redis answers PING with +PONG (or an auth error, which still means it is there). */
export async function redisAnswers(url) {
  const reply = await probe(hostPort(url, 6379), "PING\r\n");
  return reply !== null && /^(\+PONG|-NOAUTH|-ERR)/.test(reply.toString("utf8"));
}

export const START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";
export const START_REDIS =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';

/** Exits with a clear message naming the start command when Postgres or Redis does not answer. */
export async function ensureServices({ databaseUrl, redisUrl }) {
  const [pgOk, redisOk] = await Promise.all([postgresAnswers(databaseUrl), redisAnswers(redisUrl)]);
  const problems = [];
  const pgAt = hostPort(databaseUrl, 5432);
  const redisAt = hostPort(redisUrl, 6379);
  if (!pgOk) problems.push(`PostgreSQL is not answering on ${pgAt.host}:${pgAt.port}. Start it (as root):\n    ${START_POSTGRES}`);
  if (!redisOk) problems.push(`Redis is not answering on ${redisAt.host}:${redisAt.port}. Start it (as root):\n    ${START_REDIS}`);
  if (problems.length) fail(problems.join("\n  "));
  console.log(`${c.green("ok")} PostgreSQL ${pgAt.host}:${pgAt.port}, Redis ${redisAt.host}:${redisAt.port}`);
}

export function portFree(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

// ------------------------------------------------------------------ build freshness

const BUILD_INPUTS = ["app", "components", "lib", "public", "proxy.ts", "middleware.ts", "next.config.mjs", "tsconfig.json", "package-lock.json", "postcss.config.mjs"];

function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const st = statSync(target);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  const stack = [target];
  while (stack.length) {
    const dir = stack.pop();
    for (const entry of readdirSafe(dir)) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(p);
      else if (entry.isFile()) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

function readdirSafe(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Why a build is needed (missing or older than its inputs), or null when `.next` is fresh. */
export function buildStale() {
  const marker = path.join(ROOT, ".next", "BUILD_ID");
  if (!existsSync(marker)) return "no build yet";
  const built = statSync(marker).mtimeMs;
  for (const input of BUILD_INPUTS) {
    if (newestMtime(path.join(ROOT, input)) > built) return `${input} changed since the last build`;
  }
  return null;
}
