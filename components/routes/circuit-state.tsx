import type { RouteTargetHealth } from "@/lib/routes/schema";
import { Badge, type BadgeTone } from "@/components/ui/badge";

type Effective = RouteTargetHealth["effectiveState"];

const LABEL: Record<Effective, string> = {
  closed: "closed",
  open: "open",
  half_open: "half-open",
  forced_open: "forced open",
  forced_closed: "forced closed",
  unknown: "unknown",
};
const TONE: Record<Effective, BadgeTone> = {
  closed: "success",
  open: "danger",
  half_open: "warning",
  forced_open: "danger",
  forced_closed: "info",
  unknown: "neutral",
};

const time = (iso: string) => new Date(iso).toISOString().slice(11, 19);

/**
 * A target's circuit as the gateway acts on it: the admin override when one is
 * set (with what the breaker itself says underneath), else the breaker's state.
 */
export function CircuitState({ health }: { health: RouteTargetHealth | undefined }) {
  if (!health) return <span className="muted">…</span>;
  const c = health.circuit;
  return (
    <div>
      <Badge tone={TONE[health.effectiveState]}>
        <span data-testid="circuit-state">{LABEL[health.effectiveState]}</span>
      </Badge>
      {c === null ? (
        <div className="sub">Circuit state unavailable (Redis did not answer)</div>
      ) : (
        <div className="sub">
          {health.circuitOverride !== "none" ? `breaker: ${LABEL[c.state]}` : null}
          {c.state === "closed" && c.failures > 0 ? `${health.circuitOverride !== "none" ? ", " : ""}${c.failures} failures in a row` : null}
          {c.state === "open" && c.openUntil ? `${health.circuitOverride !== "none" ? ", " : ""}probe after ${time(c.openUntil)} UTC` : null}
          {c.state === "half_open" ? `${health.circuitOverride !== "none" ? ", " : ""}probing` : null}
        </div>
      )}
    </div>
  );
}

export function ErrorRate({ health, windowMinutes }: { health: RouteTargetHealth | undefined; windowMinutes: number | undefined }) {
  if (!health) return <span className="muted">…</span>;
  const { attempts, failures, errorRate } = health.recent;
  if (errorRate === null) return <span className="muted">no attempts{windowMinutes ? ` in ${windowMinutes} min` : ""}</span>;
  const pct = errorRate * 100;
  return (
    <div>
      <span style={{ color: pct >= 20 ? "var(--danger)" : pct >= 5 ? "var(--warning)" : undefined, fontWeight: 560 }}>
        {pct < 10 && pct > 0 ? pct.toFixed(1) : pct.toFixed(0)} %
      </span>
      <div className="sub">
        {failures} of {attempts} attempts failed
      </div>
    </div>
  );
}
