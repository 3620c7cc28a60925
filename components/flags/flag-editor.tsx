"use client";

import { useId, useState, type FormEvent } from "react";
import type { Feature } from "@/lib/features/schema";
import { DEFAULT_LIFETIME_DAYS, FlagDefinition, FlagKind, FlagScope, type Flag } from "@/lib/flags/schema";
import { ApiError } from "@/components/api/client";
import { useCan } from "@/components/tenant/tenant-context";
import { Button } from "@/components/ui/button";
import { ErrorAlert } from "@/components/ui/states";
import { errorFor, flagInput, formFromFlag, issuesToErrors, type FlagFormState, type FormErrors } from "./flag-form";
import { RulesEditor } from "./rules-editor";
import { useCreateFlag } from "./use-create-flag";
import type { TargetOption } from "./use-target-options";
import { useUpdateFlag } from "./use-update-flag";

const KIND_LABELS: Record<Flag["kind"], string> = {
  kill_switch: "Kill switch",
  release: "Release",
  experiment: "Experiment",
  operational: "Operational",
  permission: "Permission",
};
const SCOPE_LABELS: Record<Flag["scope"], string> = {
  global: "Global (every tenant)",
  tenant: "Tenant",
  feature: "Feature",
  target: "Provider, model or route target",
  segment: "End-user segment (rules)",
};

function FieldError({ message }: { message: string | undefined }) {
  return message ? (
    <span className="field-error" role="alert">
      {message}
    </span>
  ) : null;
}

/**
 * Creates or edits a flag: kind, scope and what it targets, on/off, rollout
 * percentage (slider and number, 0..100), targeting rules, owner, description
 * and expected lifetime. Checked with the server's own schema before saving;
 * the server's errors land next to the field they name.
 */
export function FlagEditor({
  slug,
  flag,
  features,
  targets,
  onDone,
}: {
  slug: string;
  flag: Flag | null;
  features: Feature[];
  targets: TargetOption[];
  onDone: () => void;
}) {
  const id = useId();
  const canKill = useCan("kill_switches:write");
  const create = useCreateFlag(slug);
  const update = useUpdateFlag(slug);
  const initial = formFromFlag(flag);
  const [state, setState] = useState<FlagFormState>(initial.state);
  const [errors, setErrors] = useState<FormErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const set = (patch: Partial<FlagFormState>) => setState((s) => ({ ...s, ...patch }));
  const pending = create.isPending || update.isPending;
  const title = flag ? `Edit flag ${flag.key}` : "New flag";

  const targetField = (value: string) => targets.find((t) => t.value === value)?.field ?? (value.startsWith("tgt_") ? "routeTargetId" : "providerId");
  const defaultLifetime = DEFAULT_LIFETIME_DAYS[state.kind];

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setFormError(null);
    const { input, errors: buildErrors } = flagInput(state, targetField);
    // A new flag without an owner is owned by its creator (the server fills it in).
    const ownerless = flag === null && state.owner.trim() === "";
    const parsed = FlagDefinition.safeParse(ownerless ? { ...input, owner: "(you)" } : input);
    const all = { ...(parsed.success ? {} : issuesToErrors(parsed.error.issues)), ...buildErrors };
    if (Object.keys(all).length) {
      setErrors(all);
      return;
    }
    setErrors({});
    const onError = (err: unknown) => {
      if (err instanceof ApiError && err.param) {
        const prefix = `${err.param}: `;
        setErrors({ [err.param]: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message });
      } else {
        setFormError(err);
      }
    };
    if (!parsed.success) return;
    if (flag) {
      // Everything but the key (which cannot change); the server re-validates the merged flag.
      const { key: _key, ...patch } = parsed.data;
      update.mutate({ id: flag.id, ...patch }, { onSuccess: onDone, onError });
    } else {
      const { owner, ...rest } = parsed.data;
      create.mutate(ownerless ? rest : { ...rest, owner }, { onSuccess: onDone, onError });
    }
  }

  const percent = Number(state.rolloutPercent);
  const scopes = FlagScope.options.filter((s) => s !== "global" || state.scope === "global");

  return (
    <form className="card form-card" onSubmit={onSubmit} noValidate aria-label={title}>
      <div className="card-body form">
        <h3>{title}</h3>
        {formError ? <ErrorAlert error={formError} title="Flag not saved" /> : null}
        {errors._form ? (
          <div className="alert alert-error" role="alert">
            {errors._form}
          </div>
        ) : null}
        {initial.rulesUnreadable ? (
          <div className="alert alert-warning" role="alert">
            The stored rules of this flag could not be read; saving replaces them with the rules below.
          </div>
        ) : null}
        <div className="form-row">
          <div className="field">
            <label htmlFor={`${id}-key`}>Key</label>
            <input
              id={`${id}-key`}
              className="input mono"
              value={state.key}
              disabled={flag !== null}
              placeholder="new-checkout-copy"
              aria-invalid={errors.key ? true : undefined}
              onChange={(e) => set({ key: e.target.value })}
            />
            <span className="field-hint">{flag ? "The key cannot change: applications evaluate the flag by it." : "Letters, digits, '.', '_' or '-'. Applications evaluate the flag by it (OFREP)."}</span>
            <FieldError message={errors.key} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-kind`}>Kind</label>
            <select id={`${id}-kind`} className="select" value={state.kind} onChange={(e) => set({ kind: FlagKind.parse(e.target.value) })}>
              {FlagKind.options.map((k) => (
                <option key={k} value={k} disabled={k === "kill_switch" && !canKill}>
                  {KIND_LABELS[k]}
                  {k === "kill_switch" && !canKill ? " (owners and admins)" : ""}
                </option>
              ))}
            </select>
            <FieldError message={errors.kind} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-scope`}>Scope</label>
            <select id={`${id}-scope`} className="select" value={state.scope} onChange={(e) => set({ scope: FlagScope.parse(e.target.value) })}>
              {scopes.map((s) => (
                <option key={s} value={s}>
                  {SCOPE_LABELS[s]}
                </option>
              ))}
            </select>
            <FieldError message={errors.scope} />
          </div>
          {state.scope === "feature" ? (
            <div className="field">
              <label htmlFor={`${id}-feature`}>Feature</label>
              <select
                id={`${id}-feature`}
                className="select"
                value={state.featureId}
                aria-invalid={errors.featureId ? true : undefined}
                onChange={(e) => set({ featureId: e.target.value })}
              >
                <option value="">Choose a feature</option>
                {features.map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.name} ({f.key})
                  </option>
                ))}
              </select>
              <FieldError message={errors.featureId} />
            </div>
          ) : null}
          {state.scope === "target" ? (
            <div className="field">
              <label htmlFor={`${id}-target`}>Target</label>
              <select
                id={`${id}-target`}
                className="select"
                value={state.target}
                aria-invalid={errorFor(errors, "target") ? true : undefined}
                onChange={(e) => set({ target: e.target.value })}
              >
                <option value="">Choose a provider, model or route target</option>
                {(["Providers", "Models", "Route targets"] as const).map((g) => (
                  <optgroup key={g} label={g}>
                    {targets
                      .filter((t) => t.group === g)
                      .map((t) => (
                        <option key={t.value} value={t.value}>
                          {t.label}
                        </option>
                      ))}
                  </optgroup>
                ))}
                {state.target && !targets.some((t) => t.value === state.target) ? <option value={state.target}>{state.target}</option> : null}
              </select>
              <FieldError message={errorFor(errors, "target")} />
            </div>
          ) : null}
        </div>

        <label className="row" style={{ fontWeight: 560 }}>
          <input type="checkbox" checked={state.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
          {state.kind === "kill_switch" ? "On (matching requests are refused)" : "On"}
        </label>

        <div className="field">
          <label htmlFor={`${id}-rollout`}>Rollout percentage</label>
          <div className="row">
            <input
              type="range"
              min={0}
              max={100}
              step={1}
              aria-label="Rollout percentage slider"
              value={Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0}
              onChange={(e) => set({ rolloutPercent: e.target.value })}
              style={{ flex: 1, maxWidth: 360 }}
            />
            <input
              id={`${id}-rollout`}
              className="input"
              style={{ width: 90 }}
              type="number"
              min={0}
              max={100}
              step={1}
              aria-invalid={errors.rolloutPercent ? true : undefined}
              value={state.rolloutPercent}
              onChange={(e) => set({ rolloutPercent: e.target.value })}
            />
            <span>%</span>
          </div>
          <span className="field-hint">
            Share of end-users who get the flag, sticky per end-user: raising it only ever adds users (5% → 50% → 100% keeps the first 5%).
          </span>
          <FieldError message={errors.rolloutPercent} />
        </div>

        <RulesEditor rules={state.rules} errors={errors} onChange={(rules) => set({ rules })} />

        <div className="form-row">
          <div className="field">
            <label htmlFor={`${id}-owner`}>Owner</label>
            <input
              id={`${id}-owner`}
              className="input"
              value={state.owner}
              placeholder={flag ? "team-checkout" : "you (or a team)"}
              maxLength={200}
              aria-invalid={errors.owner ? true : undefined}
              onChange={(e) => set({ owner: e.target.value })}
            />
            <FieldError message={errors.owner} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-lifetime`}>Expected lifetime (days)</label>
            <input
              id={`${id}-lifetime`}
              className="input"
              type="number"
              min={1}
              max={3650}
              placeholder={defaultLifetime === null ? "permanent" : String(defaultLifetime)}
              aria-invalid={errors.expectedLifetimeDays ? true : undefined}
              value={state.lifetimeDays}
              onChange={(e) => set({ lifetimeDays: e.target.value })}
            />
            <span className="field-hint">
              Empty: {defaultLifetime === null ? `${KIND_LABELS[state.kind].toLowerCase()} flags never go stale` : `${defaultLifetime} days for ${KIND_LABELS[state.kind].toLowerCase()} flags`}. Older flags are marked stale.
            </span>
            <FieldError message={errors.expectedLifetimeDays} />
          </div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-description`}>Description</label>
          <textarea id={`${id}-description`} className="textarea" rows={2} maxLength={2000} value={state.description} onChange={(e) => set({ description: e.target.value })} />
          <FieldError message={errors.description} />
        </div>

        <div className="form-actions">
          <Button onClick={onDone} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={pending} pendingLabel="Saving…">
            {flag ? "Save flag" : "Create flag"}
          </Button>
        </div>
      </div>
    </form>
  );
}
