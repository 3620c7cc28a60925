"use client";

import type { AuditLogEntry } from "@/lib/audit/schema";
import type { Flag } from "@/lib/flags/schema";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { formatDateTime } from "@/components/ui/format";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { useFlagHistory } from "./use-flag-history";

const IGNORED = new Set(["id", "tenantId", "createdAt", "updatedAt", "isGlobal"]);

function show(v: unknown): string {
  if (v === undefined) return "—";
  if (typeof v === "string") return v === "" ? '""' : v;
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** "enabled: false → true", one per changed field (rules compared as JSON). */
export function changedFields(before: unknown, after: unknown): Array<{ field: string; from: string; to: string }> {
  const b = isRecord(before) ? before : {};
  const a = isRecord(after) ? after : {};
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !IGNORED.has(k));
  return fields
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => ({ field: k, from: isRecord(before) ? show(b[k]) : "—", to: isRecord(after) ? show(a[k]) : "—" }));
}

function Entry({ e }: { e: AuditLogEntry }) {
  const changes = changedFields(e.before, e.after);
  return (
    <li className="history-entry">
      <div className="row" style={{ flexWrap: "wrap" }}>
        <Badge tone={e.action.endsWith("create") ? "accent" : e.action.endsWith("delete") ? "danger" : "neutral"}>{e.action}</Badge>
        <span>{e.actorLabel}</span>
        <span className="muted">{formatDateTime(e.createdAt)}</span>
      </div>
      {changes.length ? (
        <ul className="history-changes">
          {changes.map((c) => (
            <li key={c.field}>
              <span className="mono">{c.field}</span>: {e.before === null ? <span className="mono">{c.to}</span> : <><span className="mono">{c.from}</span> → <span className="mono">{c.to}</span></>}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** A flag's audit rows, newest first: who created, edited or flipped it, and what changed. */
export function FlagHistoryDialog({ slug, flag, onClose }: { slug: string; flag: Flag | null; onClose: () => void }) {
  const history = useFlagHistory(slug, flag?.id ?? null);
  return (
    <Dialog open={flag !== null} onClose={onClose} title={`History of ${flag?.key ?? ""}`} description="Every change from the audit log, newest first.">
      <div className="stack">
        {history.isPending ? (
          <Loading label="Loading history…" />
        ) : history.isError ? (
          <ErrorState what="the history" error={history.error} onRetry={() => void history.refetch()} />
        ) : history.data.length === 0 ? (
          <EmptyState title="No changes recorded">Changes to this flag appear here with who made them.</EmptyState>
        ) : (
          <ol className="history-list" aria-label={`History of ${flag?.key ?? ""}`}>
            {history.data.map((e) => (
              <Entry key={e.id} e={e} />
            ))}
          </ol>
        )}
        <div className="form-actions">
          <Button onClick={onClose}>Close</Button>
        </div>
      </div>
    </Dialog>
  );
}
