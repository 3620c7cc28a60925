import { RequestAttempt, type RequestLogDetail } from "@/lib/requests/schema";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { formatJson, formatMs } from "@/components/ui/format";

const OUTCOME_TONE: Record<string, BadgeTone> = { ok: "success", error: "danger", timeout: "danger", aborted: "warning", skipped: "neutral" };
const OUTCOME_LABEL: Record<string, string> = { skipped: "skipped (circuit open)", aborted: "aborted (client gone)" };

/**
 * The upstream attempts of one request, in order: target, outcome, HTTP status,
 * error class, latency (with a bar against the slowest), time to first token,
 * and where the gateway moved on to the next target, why.
 */
export function AttemptTimeline({ request }: { request: RequestLogDetail }) {
  const parsed = request.attempts.map((a) => RequestAttempt.safeParse(a));
  const attempts = parsed.flatMap((p) => (p.success ? [p.data] : []));
  const unreadable = parsed.filter((p) => !p.success).length;
  if (request.attempts.length === 0) {
    return <p className="muted">No upstream attempt was made{request.errorCode ? ` (${request.errorCode})` : ""}{request.cache ? ` (cache ${request.cache})` : ""}.</p>;
  }

  const answeredAt = attempts.findLastIndex((a) => a.status === "ok");
  const answered = attempts[answeredAt];
  // The gateway fell back where the target changes after a failure (or at the end, for the static answer).
  const fellBackAfter = (i: number) => {
    const a = attempts[i];
    if (!a || a.status === "ok") return false;
    const next = attempts[i + 1];
    return next ? next.target !== a.target : request.status === "fallback" && answeredAt < 0;
  };
  const slowest = Math.max(1, ...attempts.map((a) => a.latencyMs ?? 0));
  const summary = answered
    ? `Answered by ${answered.target} on attempt ${answeredAt + 1} of ${attempts.length}.`
    : request.status === "fallback"
      ? `Every target failed; the route's static answer was returned after ${attempts.length} attempts.`
      : `No target answered after ${attempts.length} attempts.`;

  return (
    <div className="stack" style={{ gap: 8 }}>
      <p style={{ margin: 0 }}>
        {summary}
        {request.fallbackReason ? (
          <>
            {" "}
            Fallback reason: <span className="mono">{request.fallbackReason}</span>.
          </>
        ) : null}
      </p>
      <div className="table-wrap">
        <table className="table" aria-label="Attempt timeline">
          <thead>
            <tr>
              <th>#</th>
              <th>Target</th>
              <th>Outcome</th>
              <th>Error class</th>
              <th className="num">Latency</th>
              <th className="num">First token</th>
              <th>Then</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td className="mono">{a.target}</td>
                <td className="nowrap">
                  <Badge tone={OUTCOME_TONE[a.status] ?? "neutral"}>{OUTCOME_LABEL[a.status] ?? a.status}</Badge>
                  {a.httpStatus ? <span className="sub"> HTTP {a.httpStatus}</span> : null}
                </td>
                <td className="mono">{a.errorClass ?? <span className="muted">—</span>}</td>
                <td className="num nowrap">
                  {formatMs(a.latencyMs ?? null)}
                  <div
                    aria-hidden="true"
                    style={{
                      height: 4,
                      marginTop: 4,
                      marginLeft: "auto",
                      width: `${Math.max(2, Math.round(((a.latencyMs ?? 0) / slowest) * 100))}%`,
                      background: a.status === "ok" ? "var(--success)" : "var(--danger)",
                      borderRadius: 2,
                    }}
                  />
                </td>
                <td className="num">{formatMs(a.ttftMs ?? null)}</td>
                <td>
                  {a.fallbackReason ? (
                    <span>fell back: {a.fallbackReason}</span>
                  ) : fellBackAfter(i) ? (
                    <span>fell back{request.fallbackReason ? `: ${request.fallbackReason}` : ""}</span>
                  ) : a.status !== "ok" && attempts[i + 1] ? (
                    <span className="muted">retried</span>
                  ) : a.status === "ok" ? (
                    <span className="muted">answered</span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {unreadable > 0 ? (
        <details>
          <summary>{unreadable} attempt records in an unknown format</summary>
          <pre className="code">{formatJson(request.attempts)}</pre>
        </details>
      ) : null}
    </div>
  );
}
