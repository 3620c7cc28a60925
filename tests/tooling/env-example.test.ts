import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvSchema, parseEnv } from "@/lib/env";

// .env.example documents every variable of lib/env.ts, and the file that
// `npm run quickstart` writes from it (secrets filled in) is a valid env.
const root = path.resolve(import.meta.dirname, "../..");
const example = readFileSync(path.join(root, ".env.example"), "utf8");

function documented(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1]) vars.set(m[1], m[2] ?? "");
  }
  return vars;
}

describe(".env.example", () => {
  const vars = documented(example);

  it.each(Object.keys(EnvSchema.shape))("documents %s", (name) => {
    expect(vars.has(name)).toBe(true);
  });

  it("is a valid environment once the generated secrets are filled in", () => {
    const active = Object.fromEntries(
      example
        .split("\n")
        .map((l) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1] ?? "", m[2] ?? ""]),
    );
    expect(() => parseEnv(active)).toThrow(/NEXTAUTH_SECRET is required; GATEHOUSE_ENCRYPTION_KEY is required/);
    const env = parseEnv({ ...active, NEXTAUTH_SECRET: "x".repeat(43), GATEHOUSE_ENCRYPTION_KEY: "ab".repeat(32) });
    expect(env.DATABASE_URL).toBe("postgresql://postgres@127.0.0.1:5432/gatehouse");
  });
});
