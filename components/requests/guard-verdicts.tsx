"use client";

import { Badge, type BadgeTone } from "@/components/ui/badge";
import { formatMs } from "@/components/ui/format";
import { LoggedGuardVerdict, LoggedRedaction } from "@/lib/requests/schema";

const TONES: Record<string, BadgeTone> = { pass: "success", flag: "warning", redact: "info", block: "danger" };

export function VerdictBadge({ verdict }: { verdict: string }) {
  return <Badge tone={TONES[verdict] ?? "neutral"}>{verdict}</Badge>;
}

/** Detail says where and why (rule names, categories, outcome); shown compact and cut, never as a text field. */
function detailText(detail: Record<string, unknown> | null | undefined): string {
  if (!detail) return "";
  const s = Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ");
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

function parseAll<T>(schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false } }, raw: unknown[]): { rows: T[]; unreadable: number } {
  const rows: T[] = [];
  let unreadable = 0;
  for (const v of raw) {
    const p = schema.safeParse(v);
    if (p.success) rows.push(p.data);
    else unreadable++;
  }
  return { rows, unreadable };
}

/**
 * A request's guard verdicts and redactions as the log stores them: guard,
 * verdict, score, latency, stage, detail, and spans as kind + position. The
 * log holds no raw values; this view also never renders a stored entry as
 * raw JSON (an unreadable entry is counted, not shown).
 */
export function GuardVerdicts({ verdicts, redactions }: { verdicts: unknown[]; redactions: unknown[] }) {
  const v = parseAll(LoggedGuardVerdict, verdicts);
  const r = parseAll(LoggedRedaction, redactions);
  return (
    <div className="stack">
      {v.rows.length === 0 ? (
        <p className="muted">No guard verdicts.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Guard verdicts">
            <thead>
              <tr>
                <th>Guard</th>
                <th>Verdict</th>
                <th className="num">Score</th>
                <th className="num">Latency</th>
                <th>Stage</th>
                <th>Spans (kind @ position)</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {v.rows.map((g, i) => (
                <tr key={`${g.guard}-${i}`} data-testid={`guard-verdict-${g.guard}`}>
                  <td style={{ textTransform: "capitalize" }}>{g.guard}</td>
                  <td>
                    <VerdictBadge verdict={g.verdict} />
                  </td>
                  <td className="num">{typeof g.score === "number" ? g.score.toFixed(2) : "—"}</td>
                  <td className="num nowrap">{typeof g.latencyMs === "number" ? formatMs(g.latencyMs) : "—"}</td>
                  <td>{g.stage ?? "—"}</td>
                  <td className="mono" style={{ fontSize: "0.85em" }}>
                    {(g.spans ?? []).length === 0
                      ? "—"
                      : (g.spans ?? [])
                          .slice(0, 20)
                          .map((s) => `${s.type} @ ${s.start}–${s.end}`)
                          .join(", ") + ((g.spans ?? []).length > 20 ? ` (+${(g.spans ?? []).length - 20})` : "")}
                  </td>
                  <td className="mono" style={{ fontSize: "0.85em", wordBreak: "break-word" }}>
                    {detailText(g.detail) || "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {r.rows.length === 0 ? (
        <p className="muted">Nothing was redacted.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Redactions">
            <thead>
              <tr>
                <th>Kind redacted</th>
                <th className="num">Count</th>
                <th>Where</th>
              </tr>
            </thead>
            <tbody>
              {r.rows.map((x) => (
                <tr key={x.type} data-testid={`redaction-${x.type}`}>
                  <td className="mono">{x.type}</td>
                  <td className="num">{x.count ?? "—"}</td>
                  <td className="mono">{(x.where ?? []).join(", ") || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {v.unreadable + r.unreadable > 0 ? <p className="muted">{v.unreadable + r.unreadable} stored entries could not be read and are not shown.</p> : null}
    </div>
  );
}
