"use client";

import { useState } from "react";
import type { Route, RouteTarget, RouteTargetHealth } from "@/lib/routes/schema";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatMs } from "@/components/ui/format";
import { ErrorAlert } from "@/components/ui/states";
import { CircuitState, ErrorRate } from "./circuit-state";
import { groupShares } from "./group-shares";
import { useResetCircuit } from "./use-reset-circuit";
import { useUpdateRouteTarget } from "./use-update-route-target";

type Action = { target: RouteTarget; kind: "forced_open" | "forced_closed" };

const label = (t: RouteTarget) => `${t.provider.name}/${t.model.name}`;

/** One route's chain: settings, live circuit, recent error rate and the override buttons. */
export function RouteTargetsTable({
  slug,
  route,
  health,
  windowMinutes,
  canWrite,
}: {
  slug: string;
  route: Route;
  health: Map<string, RouteTargetHealth>;
  windowMinutes: number | undefined;
  canWrite: boolean;
}) {
  const update = useUpdateRouteTarget(slug);
  const reset = useResetCircuit(slug);
  const [confirming, setConfirming] = useState<Action | null>(null);

  if (route.targets.length === 0) return <p className="muted">No targets: every call is answered by the static fallback, or fails.</p>;
  const shares = groupShares(route.targets);
  const firstPosition = route.targets[0]?.position;

  return (
    <>
      {update.isError && !confirming ? <ErrorAlert error={update.error} title="Circuit not changed" /> : null}
      {reset.isError ? <ErrorAlert error={reset.error} title="Circuit not reset" /> : null}
      <div className="table-wrap">
        <table className="table" aria-label={`Targets of ${route.alias}`}>
          <thead>
            <tr>
              <th title="Targets at the same position form a load-balanced group">Position</th>
              <th>Target</th>
              <th>Attempt policy</th>
              <th>Breaker</th>
              <th>Circuit</th>
              <th>Errors, last {windowMinutes ?? 15} min</th>
              {canWrite ? <th className="actions">Override</th> : null}
            </tr>
          </thead>
          <tbody>
            {route.targets.map((t) => {
              const h = health.get(t.id);
              const share = shares[route.targets.indexOf(t)] ?? null;
              const busy = (update.isPending && update.variables.id === t.id) || (reset.isPending && reset.variables === t.id);
              return (
                <tr key={t.id} data-target={label(t)} data-group={share === null ? undefined : t.position}>
                  <td className="nowrap">
                    {t.position}
                    <div className="sub">{t.position === firstPosition ? "primary" : "fallback"}</div>
                    {share !== null ? <div className="sub">{`group: ${Math.round(share * 100)}% of traffic`}</div> : null}
                  </td>
                  <td>
                    <div className="mono">{label(t)}</div>
                    <div className="sub">{t.provider.kind}</div>
                    {!t.enabled ? <Badge>disabled</Badge> : null}
                  </td>
                  <td className="nowrap">
                    timeout {formatMs(t.timeoutMs)}
                    <div className="sub">
                      {t.maxRetries} {t.maxRetries === 1 ? "retry" : "retries"}, weight {t.weight}
                    </div>
                  </td>
                  <td className="nowrap">
                    opens after {t.failureThreshold}
                    <div className="sub">cool-down {formatMs(t.cooldownMs)}</div>
                  </td>
                  <td>
                    <CircuitState health={h} />
                  </td>
                  <td>
                    <ErrorRate health={h} windowMinutes={windowMinutes} />
                  </td>
                  {canWrite ? (
                    <td className="actions">
                      <div className="row" style={{ justifyContent: "flex-end", gap: 4 }}>
                        {t.circuitOverride !== "forced_open" ? (
                          <Button size="sm" variant="ghost-danger" disabled={busy} aria-label={`Force open ${label(t)}`} onClick={() => setConfirming({ target: t, kind: "forced_open" })}>
                            Force open
                          </Button>
                        ) : null}
                        {t.circuitOverride !== "forced_closed" ? (
                          <Button size="sm" variant="ghost" disabled={busy} aria-label={`Force closed ${label(t)}`} onClick={() => setConfirming({ target: t, kind: "forced_closed" })}>
                            Force closed
                          </Button>
                        ) : null}
                        {t.circuitOverride !== "none" ? (
                          <Button
                            size="sm"
                            disabled={busy}
                            pending={update.isPending && update.variables.id === t.id && update.variables.circuitOverride === "none"}
                            aria-label={`Clear override of ${label(t)}`}
                            onClick={() => update.mutate({ id: t.id, circuitOverride: "none" })}
                          >
                            Clear override
                          </Button>
                        ) : null}
                        {t.circuitOverride === "none" && h?.circuit && (h.circuit.state !== "closed" || h.circuit.failures > 0) ? (
                          <Button size="sm" disabled={busy} pending={reset.isPending && reset.variables === t.id} aria-label={`Reset circuit of ${label(t)}`} onClick={() => reset.mutate(t.id)}>
                            Reset circuit
                          </Button>
                        ) : null}
                      </div>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <ConfirmDialog
        open={confirming !== null}
        title={confirming ? `${confirming.kind === "forced_open" ? "Force open" : "Force closed"} ${label(confirming.target)}?` : ""}
        description={
          confirming?.kind === "forced_open"
            ? `Every gateway instance stops sending ${route.alias} traffic to this target within seconds and moves on to the next target (or the static answer) until you clear the override.`
            : `Every gateway instance sends traffic to this target whatever its circuit breaker says, even while it is failing, until you clear the override.`
        }
        confirmLabel={confirming?.kind === "forced_open" ? "Force open" : "Force closed"}
        pending={update.isPending}
        error={update.error}
        onConfirm={() => {
          if (confirming) update.mutate({ id: confirming.target.id, circuitOverride: confirming.kind }, { onSuccess: () => setConfirming(null) });
        }}
        onClose={() => {
          update.reset();
          setConfirming(null);
        }}
      />
    </>
  );
}
