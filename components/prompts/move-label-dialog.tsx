"use client";

import { useId, useState, type FormEvent } from "react";
import { MovePromptLabelInput, PromptLabelName, type Prompt, type PromptLabel } from "@/lib/prompts/schema";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ErrorAlert } from "@/components/ui/states";
import { useMoveLabel } from "./use-move-label";

type Errors = Partial<Record<string, string>>;

/** "support-reply@production will serve v3 (was v1)…" */
function summary(prompt: Prompt, name: string, label: PromptLabel | null, version: number | undefined, canary: { version: number; percent: number } | null): string {
  if (!name || version === undefined) return "";
  const ref = `${prompt.name}@${name}`;
  const was = label ? ` (was v${label.version}${label.canaryVersionId && label.canaryPercent > 0 ? ` with a ${label.canaryPercent}% canary` : ""})` : "";
  const split = canary && canary.percent > 0 ? `: ${100 - canary.percent}% of end-users get v${version} and ${canary.percent}% get v${canary.version} (sticky per end-user)` : `: every request gets v${version}`;
  return `Requests for ${ref} will be served by the new state on every gateway instance within a second${was}${split}.`;
}

/**
 * Moves a label (or creates one) with an optional canary split. The dialog
 * is the confirmation: it says what callers of name@label will get, and the
 * button names the move.
 */
export function MoveLabelDialog({
  slug,
  prompt,
  label,
  initialVersionId,
  onClose,
}: {
  slug: string;
  prompt: Prompt;
  /** null: a new label. */
  label: PromptLabel | null;
  initialVersionId: string | null;
  onClose: () => void;
}) {
  const id = useId();
  const move = useMoveLabel(slug, prompt.id);
  const [name, setName] = useState(label?.name ?? "");
  const [versionId, setVersionId] = useState(initialVersionId ?? label?.versionId ?? prompt.versions[0]?.id ?? "");
  const [canaryOn, setCanaryOn] = useState(Boolean(label?.canaryVersionId && label.canaryPercent > 0));
  const [canaryVersionId, setCanaryVersionId] = useState(label?.canaryVersionId ?? prompt.versions.find((v) => v.id !== versionId)?.id ?? "");
  const [canaryPercent, setCanaryPercent] = useState(String(label?.canaryPercent || 5));
  const [errors, setErrors] = useState<Errors>({});

  const version = prompt.versions.find((v) => v.id === versionId);
  const canaryVersion = prompt.versions.find((v) => v.id === canaryVersionId);
  const percent = canaryPercent.trim() === "" ? Number.NaN : Number(canaryPercent);
  const text = summary(prompt, name.trim(), label, version?.version, canaryOn && canaryVersion ? { version: canaryVersion.version, percent: Number.isFinite(percent) ? percent : 0 } : null);
  const isProtected = label?.protected ?? name.trim() === "production";
  const title = label ? `Move label ${label.name}` : "New label";

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const errs: Errors = {};
    const n = PromptLabelName.safeParse(name.trim());
    if (!n.success) errs.name = n.error.issues[0]?.message ?? "invalid label name";
    const input = canaryOn ? { versionId, canaryVersionId: canaryVersionId || null, canaryPercent: percent } : { versionId, canaryVersionId: null, canaryPercent: 0 };
    const parsed = MovePromptLabelInput.safeParse(input);
    if (!parsed.success) for (const issue of parsed.error.issues) errs[String(issue.path[0] ?? "_form")] ??= issue.message;
    if (canaryOn && canaryVersionId === versionId) errs.canaryVersionId = "the canary must be another version";
    if (Object.keys(errs).length || !parsed.success || !n.success) {
      setErrors(errs);
      return;
    }
    setErrors({});
    move.mutate({ name: n.data, ...parsed.data }, { onSuccess: onClose });
  }

  const fieldError = (k: string) =>
    errors[k] ? (
      <span className="field-error" role="alert">
        {errors[k]}
      </span>
    ) : null;

  return (
    <Dialog
      open
      onClose={() => {
        move.reset();
        onClose();
      }}
      title={title}
      description={isProtected ? "Protected label: moving it needs the prompts:promote permission. This is a release (or a rollback): production traffic changes at once." : "Callers that name this label get the version it points at."}
    >
      <form className="form" onSubmit={onSubmit} noValidate aria-label={title}>
        {move.isError ? <ErrorAlert error={move.error} title="Label not moved" /> : null}
        {label ? null : (
          <div className="field">
            <label htmlFor={`${id}-name`}>Label name</label>
            <input id={`${id}-name`} className="input mono" value={name} placeholder="staging" autoFocus onChange={(e) => setName(e.target.value)} aria-invalid={errors.name ? true : undefined} />
            {fieldError("name")}
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-version`}>Version</label>
          <select id={`${id}-version`} className="select" value={versionId} onChange={(e) => setVersionId(e.target.value)}>
            {prompt.versions.map((v) => (
              <option key={v.id} value={v.id}>
                v{v.version} · {v.commitMessage || "no message"}
                {label?.versionId === v.id ? " (current)" : ""}
              </option>
            ))}
          </select>
          {fieldError("versionId")}
        </div>
        <label className="row" style={{ fontWeight: 560 }}>
          <input type="checkbox" checked={canaryOn} onChange={(e) => setCanaryOn(e.target.checked)} />
          Canary: send a share of end-users to another version
        </label>
        {canaryOn ? (
          <div className="form-row">
            <div className="field">
              <label htmlFor={`${id}-canary`}>Canary version</label>
              <select id={`${id}-canary`} className="select" value={canaryVersionId} onChange={(e) => setCanaryVersionId(e.target.value)}>
                {prompt.versions.map((v) => (
                  <option key={v.id} value={v.id}>
                    v{v.version} · {v.commitMessage || "no message"}
                  </option>
                ))}
              </select>
              {fieldError("canaryVersionId")}
            </div>
            <div className="field">
              <label htmlFor={`${id}-pct`}>Canary share (%)</label>
              <input id={`${id}-pct`} className="input" type="number" min={0} max={100} step={1} value={canaryPercent} onChange={(e) => setCanaryPercent(e.target.value)} aria-invalid={errors.canaryPercent ? true : undefined} />
              {fieldError("canaryPercent")}
            </div>
          </div>
        ) : null}
        {text ? (
          <div className="alert alert-info" role="status">
            {text}
          </div>
        ) : null}
        <div className="form-actions">
          <Button
            onClick={() => {
              move.reset();
              onClose();
            }}
            disabled={move.isPending}
          >
            Cancel
          </Button>
          <Button type="submit" variant={isProtected ? "danger" : "primary"} pending={move.isPending} pendingLabel="Moving…">
            {label ? `Move ${label.name} to v${version?.version ?? "?"}` : `Create label${name.trim() ? ` ${name.trim()}` : ""}`}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
