import type { GuardMode, GuardPolicyConfig, GuardVerdict, Verdict } from "@/lib/guards/policy";
import { scoreInjection } from "@/lib/guards/injection";
import { detectPii, type PiiFinding } from "@/lib/guards/pii";
import { moderateText } from "@/lib/guards/moderation";

/**
 * One guard on one text, decided by the policy: the single entry point of the
 * CLI (`npm run guards`), the dashboard's "test this text" box and the
 * gateway's guard stages, so the figures measured with the CLI are the
 * gateway's. Modes: off -> pass without running; log -> flag; redact -> PII
 * redact (others flag); block -> block. Spans and detail never hold values.
 */
export type TextGuard = "injection" | "pii" | "moderation";

function decide(mode: GuardMode, hit: boolean, guard: TextGuard): Verdict {
  if (!hit || mode === "off") return "pass";
  if (mode === "block") return "block";
  if (mode === "redact" && guard === "pii") return "redact";
  return "flag";
}

const now = (): number => performance.now();

export interface TextGuardVerdict extends GuardVerdict {
  guard: TextGuard;
}

/** PII findings of the last `runTextGuard("pii", ...)` are returned here for redaction (values in memory only). */
export interface PiiVerdict extends TextGuardVerdict {
  findings: PiiFinding[];
}

export function runTextGuard(guard: "pii", text: string, policy: GuardPolicyConfig): PiiVerdict;
export function runTextGuard(guard: TextGuard, text: string, policy: GuardPolicyConfig): TextGuardVerdict;
export function runTextGuard(guard: TextGuard, text: string, policy: GuardPolicyConfig): TextGuardVerdict {
  const t0 = now();
  const mode = policy[guard].mode;
  if (mode === "off") {
    const off: TextGuardVerdict = { guard, verdict: "pass", score: 0, spans: [], latencyMs: 0, detail: { mode } };
    if (guard !== "pii") return off;
    const pii: PiiVerdict = { ...off, findings: [] };
    Object.defineProperty(pii, "findings", { enumerable: false });
    return pii;
  }
  switch (guard) {
    case "injection": {
      const r = scoreInjection(text);
      const threshold = policy.injection.threshold;
      return {
        guard,
        verdict: decide(mode, r.score >= threshold, guard),
        score: r.score,
        spans: r.spans,
        latencyMs: now() - t0,
        detail: { mode, threshold, rules: r.rules },
      };
    }
    case "pii": {
      const findings = detectPii(text, policy.pii.types);
      const score = findings.reduce((m, f) => Math.max(m, f.score), 0);
      const kinds: Record<string, number> = {};
      for (const f of findings) kinds[f.type] = (kinds[f.type] ?? 0) + 1;
      const verdict: PiiVerdict = {
        guard,
        verdict: decide(mode, findings.length > 0, guard),
        score,
        spans: findings.map((f) => ({ start: f.start, end: f.end, type: f.type })),
        latencyMs: now() - t0,
        detail: { mode, kinds },
        findings,
      };
      // `findings` hold raw values: keep them off anything serialised
      Object.defineProperty(verdict, "findings", { enumerable: false });
      return verdict;
    }
    case "moderation": {
      const r = moderateText(text);
      const threshold = policy.moderation.threshold;
      return {
        guard,
        verdict: decide(mode, r.score >= threshold, guard),
        score: r.score,
        spans: r.spans,
        latencyMs: now() - t0,
        detail: { mode, threshold, categories: r.categories, rules: r.rules },
      };
    }
  }
}

/** Whether a verdict counts as "flagged" for the CLI and the measurements (anything but pass). */
export function isFlagged(v: GuardVerdict): boolean {
  return v.verdict !== "pass";
}
