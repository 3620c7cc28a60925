"use client";

import { useState } from "react";
import type { Provider } from "@/lib/providers/schema";
import { StaticFallback, type Route, type RouteTargetHealth } from "@/lib/routes/schema";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatJson, formatMs } from "@/components/ui/format";
import { RouteEditor } from "./route-editor";
import { RouteTargetsTable } from "./route-targets-table";

function FallbackAnswer({ value }: { value: unknown }) {
  if (value === null) return <span className="muted">None: the caller gets an error when every target failed.</span>;
  const parsed = StaticFallback.safeParse(value);
  return parsed.success ? <q>{parsed.data.content}</q> : <pre className="code">{formatJson(value)}</pre>;
}

export function RouteCard({
  slug,
  route,
  health,
  windowMinutes,
  providers,
  canWrite,
}: {
  slug: string;
  route: Route;
  health: Map<string, RouteTargetHealth>;
  windowMinutes: number | undefined;
  providers: Provider[] | undefined;
  canWrite: boolean;
}) {
  const [editing, setEditing] = useState(false);
  return (
    <div className="card" role="region" aria-label={`Route ${route.alias}`}>
      <div className="card-body stack">
        <div className="row" style={{ justifyContent: "space-between", alignItems: "flex-start" }}>
          <div>
            <h3 className="mono" style={{ margin: 0, fontSize: 16 }}>
              {route.alias}
            </h3>
            <div className="muted">
              {route.featureKey ? <Badge>{route.featureKey}</Badge> : null} {route.description || null}
            </div>
            <div className="muted">Total time budget {formatMs(route.totalTimeoutMs)}</div>
          </div>
          {canWrite && !editing ? (
            <Button onClick={() => setEditing(true)} disabled={!providers} aria-label={`Edit route ${route.alias}`}>
              Edit route
            </Button>
          ) : null}
        </div>
        {editing && providers ? (
          <RouteEditor slug={slug} route={route} providers={providers} onDone={() => setEditing(false)} />
        ) : (
          <>
            <RouteTargetsTable slug={slug} route={route} health={health} windowMinutes={windowMinutes} canWrite={canWrite} />
            <div>
              <strong>Static fallback: </strong>
              <FallbackAnswer value={route.staticFallback} />
            </div>
          </>
        )}
      </div>
    </div>
  );
}
