"use client";

import { useState } from "react";
import { flagLifetimeDays, isFlagStale, type Flag } from "@/lib/flags/schema";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";

const DAY_MS = 86_400_000;

function Lifetime({ flag, now }: { flag: Flag; now: number }) {
  const days = flagLifetimeDays(flag);
  if (days === null) return <span className="muted">permanent</span>;
  if (isFlagStale(flag, new Date(now))) return <Badge tone="warning">stale</Badge>;
  const left = Math.max(0, Math.ceil((Date.parse(flag.createdAt) + days * DAY_MS - now) / DAY_MS));
  return (
    <span className="sub" title={`Expected lifetime ${days} days`}>
      {left} {left === 1 ? "day" : "days"} left
    </span>
  );
}

/** Every flag with its kind, scope, state, rollout, owner and staleness; Edit and History per row. */
export function FlagTable({
  flags,
  featureLabel,
  targetLabel,
  canEdit,
  onEdit,
  onHistory,
}: {
  flags: Flag[];
  featureLabel: (id: string | null, none?: string) => string;
  targetLabel: (f: Pick<Flag, "providerId" | "routeTargetId">) => string;
  canEdit: (f: Flag) => boolean;
  onEdit: (f: Flag) => void;
  onHistory: (f: Flag) => void;
}) {
  // One clock per render of the page: staleness does not change while it is open.
  const [now] = useState(() => Date.now());
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Flags">
        <thead>
          <tr>
            <th>Key</th>
            <th>State</th>
            <th>Kind</th>
            <th>Scope</th>
            <th className="num">Rollout</th>
            <th>Owner</th>
            <th>Lifetime</th>
            <th className="actions">Actions</th>
          </tr>
        </thead>
        <tbody>
          {flags.map((f) => {
            const kill = f.kind === "kill_switch";
            return (
              <tr key={f.id} data-flag={f.key}>
                <td>
                  <div className="mono">{f.key}</div>
                  {f.description ? <div className="sub">{f.description}</div> : null}
                  {f.isGlobal ? <Badge tone="info">platform-wide</Badge> : null}
                </td>
                <td>
                  {kill ? (
                    <Badge tone={f.enabled ? "danger" : "success"}>{f.enabled ? "ON: traffic stopped" : "OFF"}</Badge>
                  ) : (
                    <Badge tone={f.enabled ? "success" : "neutral"}>{f.enabled ? "On" : "Off"}</Badge>
                  )}
                </td>
                <td>
                  <Badge tone={kill ? "danger" : "neutral"}>{f.kind.replace("_", " ")}</Badge>
                </td>
                <td>
                  <div>{f.scope}</div>
                  {f.scope === "feature" ? <div className="sub">{featureLabel(f.featureId)}</div> : null}
                  {f.scope === "target" ? <div className="sub">{targetLabel(f)}</div> : null}
                </td>
                <td className="num">
                  {f.rolloutPercent}%
                  {f.rules.length ? (
                    <div className="sub">
                      {f.rules.length} {f.rules.length === 1 ? "rule" : "rules"}
                    </div>
                  ) : null}
                </td>
                <td>{f.owner || <span className="muted">—</span>}</td>
                <td className="nowrap">
                  <Lifetime flag={f} now={now} />
                </td>
                <td className="actions">
                  {canEdit(f) ? (
                    <Button size="sm" variant="ghost" aria-label={`Edit ${f.key}`} onClick={() => onEdit(f)}>
                      Edit
                    </Button>
                  ) : null}
                  <Button size="sm" variant="ghost" aria-label={`History of ${f.key}`} onClick={() => onHistory(f)}>
                    History
                  </Button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
