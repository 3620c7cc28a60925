/**
 * `npm run guards -- --guard injection|pii|moderation [--policy policy.json]`
 *
 * Reads JSONL `{ "id", "text" }` on stdin and writes JSONL
 * `{ "id", "flagged", "score", "spans": [{ "start", "end", "type" }] }` on
 * stdout, one line per input line, in order, through exactly the gateway's
 * code (runTextGuard) and DEFAULT_GUARD_POLICY (or a policy file, parsed
 * like a stored one). Nothing else goes to stdout: malformed lines are
 * reported on stderr (with their line number) and skipped, and the exit code
 * is 1 when any line was skipped.
 */
import fs from "node:fs";
import readline from "node:readline";
import { parseArgs } from "node:util";
import { z } from "zod";
import { DEFAULT_GUARD_POLICY, parseGuardPolicy, type GuardPolicyConfig } from "@/lib/guards/policy";
import { isFlagged, runTextGuard, type TextGuard } from "@/lib/guards/text-guards";

export const GuardInputLine = z.object({ id: z.union([z.string(), z.number()]), text: z.string() });
export type GuardInputLine = z.infer<typeof GuardInputLine>;

export const GuardName = z.enum(["injection", "pii", "moderation"]);

export interface GuardOutputLine {
  id: string | number;
  flagged: boolean;
  score: number;
  spans: { start: number; end: number; type: string }[];
}

/** The CLI's work on one item (also what scripts/measure-guards.ts runs). */
export function guardLine(guard: TextGuard, item: GuardInputLine, policy: GuardPolicyConfig = DEFAULT_GUARD_POLICY): GuardOutputLine {
  const v = runTextGuard(guard, item.text, policy);
  return { id: item.id, flagged: isFlagged(v), score: v.score, spans: v.spans.map((s) => ({ start: s.start, end: s.end, type: s.type })) };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { guard: { type: "string" }, policy: { type: "string" } } });
  const guard = GuardName.safeParse(values.guard);
  if (!guard.success) {
    process.stderr.write("usage: npm run guards -- --guard injection|pii|moderation [--policy policy.json]\n");
    return 2;
  }
  const policy = values.policy ? parseGuardPolicy(JSON.parse(fs.readFileSync(values.policy, "utf8"))) : DEFAULT_GUARD_POLICY;
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let lineNo = 0;
  let skipped = 0;
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === "") continue;
    let item: GuardInputLine;
    try {
      item = GuardInputLine.parse(JSON.parse(line));
    } catch (err) {
      skipped++;
      process.stderr.write(`line ${lineNo}: skipped, not a JSON object with "id" and "text" (${err instanceof SyntaxError ? "invalid JSON" : "wrong shape"})\n`);
      continue;
    }
    const ok = process.stdout.write(JSON.stringify(guardLine(guard.data, item, policy)) + "\n");
    if (!ok) await new Promise((resolve) => process.stdout.once("drain", resolve));
  }
  return skipped > 0 ? 1 : 0;
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${fs.realpathSync(process.argv[1])}`).href;
if (isMain) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`guards: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
