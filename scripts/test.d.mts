// Types of scripts/test.mjs for the TypeScript tests that import it.
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}
export const STEPS: readonly string[];
export function selectSteps(argv: string[]): string[];
export function countVitest(report: unknown): Counts;
export function countPlaywright(report: unknown): Counts;
export function judge(step: string, code: number, counts: Counts | null): Counts & { ok: boolean; note: string };
