import type { GuardPolicyEntry } from "@/lib/gateway/config/types";
import { noteLog } from "@/lib/gateway/record";
import type { GatewayContext } from "@/lib/gateway/types";
import type { GuardVerdict as PolicyVerdict } from "@/lib/guards/policy";
import { detectPii } from "@/lib/guards/pii";
import { createRedactor } from "@/lib/guards/redact";
import type { GuardVerdict, Redaction } from "@/lib/queues/request-log";

export type Redactor = ReturnType<typeof createRedactor>;

/**
 * What the guards of one request know, kept on its call state (stages/state.ts):
 * the effective policy (snapshot.guardPolicyFor), every verdict so far, and
 * the request's redactor. The redactor holds the only copy of the raw PII
 * values (placeholder -> value), in memory, for this request only: it is what
 * re-identifies the answer, and it is never logged or stored.
 */
export interface GuardRun {
  policy: GuardPolicyEntry;
  verdicts: GuardVerdict[];
  /** Placeholders were put into what is sent upstream (PII mode redact). */
  redactor: Redactor | null;
  /**
   * PII mode log: the request goes upstream as is, but what is recorded is
   * redacted (copies) with this redactor.
   */
  logRedactor: Redactor | null;
  /** The request as recorded (redacted); set by the input guards. */
  loggedRequest: unknown;
  /** Where each kind was redacted (`messages[1]`, `context[0]`). */
  redactedWhere: Map<string, Set<string>>;
  /** The end-user's role (x-gatehouse-end-user-role, for keys holding the `end-user-role` scope). */
  endUserRole: string | null;
}

export function newGuardRun(policy: GuardPolicyEntry, endUserRole: string | null): GuardRun {
  return { policy, verdicts: [], redactor: null, logRedactor: null, loggedRequest: undefined, redactedWhere: new Map(), endUserRole };
}

export function addVerdict(ctx: GatewayContext, run: GuardRun, verdict: PolicyVerdict, stage: "input" | "output"): void {
  run.verdicts.push({ ...verdict, latencyMs: Math.round(verdict.latencyMs * 1000) / 1000, stage } as GuardVerdict);
  noteGuards(ctx, run);
}

/** The verdicts and redactions as request-log fields (kinds, counts, where; never values). */
export function noteGuards(ctx: GatewayContext, run: GuardRun): void {
  const summary = (run.redactor ?? run.logRedactor)?.summary() ?? [];
  const redactions: Redaction[] = summary
    .filter((s) => s.count > 0)
    .map((s) => {
      const where = run.redactedWhere.get(s.type);
      return { type: s.type, count: s.count, ...(where ? { where: [...where] } : {}) };
    });
  noteLog(ctx, { guardVerdicts: run.verdicts, redactions });
}

/** For the request log: a text with every PII finding replaced (the run's placeholders, so request and answer agree). */
export function redactForLog(run: GuardRun, text: string): string {
  const r = run.redactor ?? run.logRedactor;
  if (!r) return text;
  const findings = detectPii(text, piiTypes(run));
  return findings.length ? r.redact(text, findings) : text;
}

/** The policy's PII kinds, undefined for all. */
export function piiTypes(run: GuardRun): GuardPolicyEntry["config"]["pii"]["types"] | undefined {
  const types = run.policy.config.pii.types;
  return types.length > 0 ? types : undefined;
}
