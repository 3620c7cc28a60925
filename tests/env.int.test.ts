/**
 * Start-up env validation of the real entry points: a missing or malformed
 * variable stops the process with exit code 1 and exactly one stderr line
 * naming it (no stack trace).
 */
import { describe, expect, it } from "vitest";
import { childEnv, spawnEntry } from "@/lib/testing/spawn";

async function runEntry(entry: string, overrides: Record<string, string | undefined>) {
  const child = spawnEntry(entry, childEnv({ GATEHOUSE_ROLE: "gateway", ...overrides }));
  try {
    const code = await child.exited();
    return { code, lines: child.stderr().split("\n").filter((l) => l.trim() !== ""), stdout: child.stdout() };
  } finally {
    child.kill();
  }
}

describe.each(["server.ts", "workers/index.ts"])("%s start-up", (entry) => {
  it("exits 1 with one line when DATABASE_URL is unset", async () => {
    const { code, lines, stdout } = await runEntry(entry, { DATABASE_URL: undefined });
    expect(code).toBe(1);
    expect(lines).toEqual(["Invalid environment: DATABASE_URL is required"]);
    expect(stdout).not.toContain("listening");
  });

  it("exits 1 with one line naming a malformed GATEHOUSE_ENCRYPTION_KEY", async () => {
    const { code, lines } = await runEntry(entry, { GATEHOUSE_ENCRYPTION_KEY: "too-short" });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid environment: GATEHOUSE_ENCRYPTION_KEY must be 32 bytes/);
  });
});

it("server.ts names every bad variable on its one line", async () => {
  const { code, lines } = await runEntry("server.ts", { GATEHOUSE_ROLE: "both", PORT: "99999" });
  expect(code).toBe(1);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^Invalid environment: /);
  expect(lines[0]).toContain("PORT");
  expect(lines[0]).toContain("GATEHOUSE_ROLE");
});
