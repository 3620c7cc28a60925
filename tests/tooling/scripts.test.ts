import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { generateSecrets, parseDotenv, renderEnvFile } from "@/scripts/lib/tooling.mjs";
import { childEnv, writeEnvFileIfMissing } from "@/scripts/quickstart.mjs";
import { countPlaywright, countVitest, judge, selectSteps, STEPS } from "@/scripts/test.mjs";

const root = path.resolve(import.meta.dirname, "../..");

describe("quickstart: .env", () => {
  it("fills the generated secrets into .env.example and the result is a valid environment", () => {
    const secrets = generateSecrets();
    const text = renderEnvFile(readFileSync(path.join(root, ".env.example"), "utf8"), secrets);
    const vars = parseDotenv(text);
    expect(vars).toMatchObject(secrets);
    expect(secrets.GATEHOUSE_DEMO_API_KEY).toMatch(/^gh_live_[A-Za-z0-9_-]{43}$/);
    expect(secrets.GATEHOUSE_ADMIN_TOKEN).toMatch(/^gh_admin_[A-Za-z0-9_-]{43}$/);
    const env = parseEnv(vars);
    expect(env.NEXTAUTH_SECRET).toBe(secrets.NEXTAUTH_SECRET);
    expect(env.GATEHOUSE_ENCRYPTION_KEY).toBe(secrets.GATEHOUSE_ENCRYPTION_KEY);
    expect(generateSecrets().NEXTAUTH_SECRET).not.toBe(secrets.NEXTAUTH_SECRET);
  });

  it("writes .env only when it is missing, readable by its owner only", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gh-qs-"));
    writeFileSync(path.join(dir, ".env.example"), "A=1\nNEXTAUTH_SECRET=\n");
    expect(writeEnvFileIfMissing(dir, { NEXTAUTH_SECRET: "s3cret" })).toBe(true);
    expect(readFileSync(path.join(dir, ".env"), "utf8")).toBe("A=1\nNEXTAUTH_SECRET=s3cret\n");
    expect(statSync(path.join(dir, ".env")).mode & 0o777).toBe(0o600);
    writeFileSync(path.join(dir, ".env"), "MINE=1\n");
    expect(writeEnvFileIfMissing(dir, { NEXTAUTH_SECRET: "other" })).toBe(false);
    expect(readFileSync(path.join(dir, ".env"), "utf8")).toBe("MINE=1\n");
  });

  it("parses dotenv lines: comments, quotes, export, trailing comments", () => {
    expect(parseDotenv('# c\nexport A=1\nB="two words"\nC=\'x#y\'\nD=3 # note\n  \nE=\nbad line\n')).toEqual({
      A: "1",
      B: "two words",
      C: "x#y",
      D: "3",
      E: "",
    });
  });

  it("lets the process environment win over .env, and ignores empty values", () => {
    const env = childEnv({ PORT: "3000", DATABASE_URL: "postgresql://a/b" }, { PORT: "3300", DATABASE_URL: "" });
    expect(env.PORT).toBe("3300");
    expect(env.DATABASE_URL).toBe("postgresql://a/b");
    expect(env.REDIS_URL).toBe("redis://127.0.0.1:6379");
  });
});

describe("npm test: step selection and counting", () => {
  it("selects steps with --only and --skip and refuses unknown ones", () => {
    expect(selectSteps([])).toEqual([...STEPS]);
    expect(selectSteps(["--only", "unit,int"])).toEqual(["unit", "int"]);
    expect(selectSteps(["--only=lint"])).toEqual(["lint"]);
    expect(selectSteps(["--skip", "e2e,build"])).toEqual(["typecheck", "lint", "unit", "int"]);
    expect(() => selectSteps(["--only", "units"])).toThrow(/unknown step "units"/);
    expect(() => selectSteps(["--fast"])).toThrow(/unknown option --fast/);
    expect(() => selectSteps(["--only"])).toThrow(/needs a comma-separated list/);
  });

  it("counts vitest's JSON, a file that failed to load as one failure", () => {
    const report = {
      numPassedTests: 7,
      numFailedTests: 2,
      numPendingTests: 1,
      numTodoTests: 1,
      testResults: [
        { status: "failed", assertionResults: [{ status: "failed" }, { status: "failed" }, { status: "passed" }] },
        { status: "failed", assertionResults: [] },
        { status: "passed", assertionResults: [{ status: "passed" }] },
      ],
    };
    expect(countVitest(report)).toEqual({ passed: 7, failed: 3, skipped: 2 });
  });

  it("counts Playwright's JSON, errors outside tests as failures", () => {
    expect(countPlaywright({ stats: { expected: 4, unexpected: 1, flaky: 1, skipped: 2 }, errors: [{ message: "webServer" }] })).toEqual({
      passed: 5,
      failed: 2,
      skipped: 2,
    });
  });

  it("never reports success for a failed step or a layer that ran no test", () => {
    expect(judge("lint", 0, null)).toMatchObject({ ok: true, failed: 0 });
    expect(judge("lint", 1, null)).toMatchObject({ ok: false, failed: 1 });
    expect(judge("unit", 1, { passed: 3, failed: 0, skipped: 0 })).toMatchObject({ ok: false, failed: 1 });
    expect(judge("unit", 0, { passed: 0, failed: 0, skipped: 4 })).toMatchObject({ ok: false, failed: 1, note: "no test ran" });
    expect(judge("unit", 1, { passed: 3, failed: 2, skipped: 0 })).toMatchObject({ ok: false, failed: 2 });
    expect(judge("unit", 0, { passed: 3, failed: 0, skipped: 0 })).toMatchObject({ ok: true, failed: 0 });
  });
});
