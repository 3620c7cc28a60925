"use client";

import { useState } from "react";
import type { Prompt, PromptLabel } from "@/lib/prompts/schema";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatDateTime } from "@/components/ui/format";
import { EmptyState } from "@/components/ui/states";
import { MoveLabelDialog } from "./move-label-dialog";
import { previousVersionId, useLabelHistory } from "./use-label-history";
import { useMoveLabel } from "./use-move-label";

type Moving = { label: PromptLabel | null; versionId: string | null };

function LabelRow({
  slug,
  prompt,
  label,
  canMove,
  onMove,
  onRollback,
}: {
  slug: string;
  prompt: Prompt;
  label: PromptLabel;
  canMove: boolean;
  onMove: () => void;
  onRollback: (versionId: string) => void;
}) {
  const history = useLabelHistory(slug, canMove ? label.id : null);
  // Where it pointed before its last move; without a recorded move, the newest older version.
  const fromAudit = previousVersionId(history.data, label.versionId);
  const older = prompt.versions.find((v) => v.version < label.version);
  const back = (fromAudit ? prompt.versions.find((v) => v.id === fromAudit) : undefined) ?? (history.isFetching ? undefined : older);
  const canary = label.canaryVersionId ? prompt.versions.find((v) => v.id === label.canaryVersionId) : undefined;
  return (
    <tr data-label={label.name}>
      <td>
        <span className="mono">{label.name}</span> {label.protected ? <Badge tone="warning">protected</Badge> : null}
      </td>
      <td>
        <Badge tone={label.name === "production" ? "success" : "accent"}>v{label.version}</Badge>
        <div className="sub">{prompt.versions.find((v) => v.id === label.versionId)?.commitMessage}</div>
      </td>
      <td>{canary && label.canaryPercent > 0 ? `v${canary.version} gets ${label.canaryPercent}% (v${label.version} ${100 - label.canaryPercent}%)` : <span className="muted">—</span>}</td>
      <td className="nowrap">{formatDateTime(label.updatedAt)}</td>
      <td className="actions">
        {canMove ? (
          <div className="row" style={{ justifyContent: "flex-end", gap: 4 }}>
            <Button size="sm" onClick={onMove} aria-label={`Move label ${label.name}`}>
              Move label
            </Button>
            {back && back.id !== label.versionId ? (
              <Button size="sm" variant="ghost-danger" aria-label={`Roll back ${label.name} to v${back.version}`} onClick={() => onRollback(back.id)}>
                Roll back to v{back.version}
              </Button>
            ) : null}
          </div>
        ) : null}
      </td>
    </tr>
  );
}

/**
 * Which version each label serves (with its canary split), and the release
 * controls: "Move label" (with a confirmation) and a one-click "Roll back to
 * vN" to where the label pointed before. `production` is protected: only
 * roles with prompts:promote see its controls; the server enforces it.
 */
export function LabelsPanel({ prompt }: { prompt: Prompt }) {
  const { slug } = useTenant();
  const canWrite = useCan("prompts:write");
  const canPromote = useCan("prompts:promote");
  const rollback = useMoveLabel(slug, prompt.id);
  const [moving, setMoving] = useState<Moving | null>(null);
  const [rollingBack, setRollingBack] = useState<{ label: PromptLabel; versionId: string } | null>(null);
  const canMove = (l: PromptLabel) => (l.protected ? canPromote : canWrite);
  const target = rollingBack ? prompt.versions.find((v) => v.id === rollingBack.versionId) : undefined;

  return (
    <>
      {prompt.labels.length ? (
        <div className="table-wrap">
          <table className="table" aria-label="Labels">
            <thead>
              <tr>
                <th>Label</th>
                <th>Serves</th>
                <th>Canary</th>
                <th>Moved</th>
                <th className="actions">Actions</th>
              </tr>
            </thead>
            <tbody>
              {prompt.labels.map((l) => (
                <LabelRow
                  key={l.id}
                  slug={slug}
                  prompt={prompt}
                  label={l}
                  canMove={canMove(l) && prompt.versions.length > 0}
                  onMove={() => setMoving({ label: l, versionId: null })}
                  onRollback={(versionId) => setRollingBack({ label: l, versionId })}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState title="No labels">Point a label (production, staging) at a version so applications can call {prompt.name}@label.</EmptyState>
      )}
      {canWrite && prompt.versions.length > 0 ? (
        <div style={{ marginTop: 8 }}>
          <Button size="sm" onClick={() => setMoving({ label: null, versionId: null })}>
            New label
          </Button>
        </div>
      ) : null}

      {moving ? <MoveLabelDialog slug={slug} prompt={prompt} label={moving.label} initialVersionId={moving.versionId} onClose={() => setMoving(null)} /> : null}

      <ConfirmDialog
        open={rollingBack !== null}
        title={rollingBack ? `Roll back ${rollingBack.label.name} to v${target?.version ?? "?"}?` : ""}
        description={
          rollingBack
            ? `Requests for ${prompt.name}@${rollingBack.label.name} get v${target?.version ?? "?"} again instead of v${rollingBack.label.version}${rollingBack.label.canaryPercent > 0 ? " (the canary split ends)" : ""}, on every gateway instance within a second.`
            : ""
        }
        confirmLabel={`Roll back to v${target?.version ?? "?"}`}
        pending={rollback.isPending}
        error={rollback.error}
        onConfirm={() => {
          if (rollingBack)
            rollback.mutate(
              { name: rollingBack.label.name, versionId: rollingBack.versionId, canaryVersionId: null, canaryPercent: 0 },
              { onSuccess: () => setRollingBack(null) },
            );
        }}
        onClose={() => {
          rollback.reset();
          setRollingBack(null);
        }}
      />
    </>
  );
}
