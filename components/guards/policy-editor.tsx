"use client";

import { useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "@/components/api/client";
import { Button } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/form";
import { ErrorAlert } from "@/components/ui/states";
import { PiiEntity, type GuardMode, type GuardPolicyConfig } from "@/lib/guards/schema";
import { configFromForm, formFromConfig, formPathOfParam, MODE_LABELS, MODES, PII_LABELS, type PolicyFormErrors, type PolicyFormState, type PolicyGuard } from "./policy-form";
import { GuardTestBox } from "./guard-test-box";
import { usePutGuardPolicy } from "./use-put-guard-policy";

function Check({ label, checked, onChange, disabled }: { label: string; checked: boolean; onChange: (v: boolean) => void; disabled?: boolean }) {
  return (
    <label className="row" style={{ gap: 6, fontWeight: 400 }}>
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}

function ModeSelect({ guard, value, onChange, label }: { guard: PolicyGuard; value: GuardMode; onChange: (m: GuardMode) => void; label: string }) {
  return (
    <SelectField label={label} value={value} onChange={(e) => onChange(e.target.value as GuardMode)}>
      {MODES[guard].map((m) => (
        <option key={m} value={m}>
          {MODE_LABELS[m]}
        </option>
      ))}
    </SelectField>
  );
}

function GuardCard({ title, description, children }: { title: string; description: string; children: ReactNode }) {
  return (
    <fieldset className="card" style={{ margin: 0, minWidth: 0 }}>
      <div className="card-body stack">
        <legend style={{ fontWeight: 600, padding: 0 }}>{title}</legend>
        <p className="muted" style={{ margin: 0 }}>
          {description}
        </p>
        {children}
      </div>
    </fieldset>
  );
}

/**
 * The policy of one scope (a feature or the tenant default), edited whole and
 * saved with PUT (version bumped by the server). `canWrite` is the same
 * roleCan("guards:write") check the API makes: without it the fields are
 * read-only and there is no Save button. The test box below tests the
 * settings as edited, saved or not.
 */
export function PolicyEditor({
  slug,
  featureId,
  scopeLabel,
  initial,
  canWrite,
  onSaved,
}: {
  slug: string;
  featureId: string | null;
  scopeLabel: string;
  initial: GuardPolicyConfig;
  canWrite: boolean;
  /** Told the new version; the note lives above the editor, which remounts when a new policy is created. */
  onSaved: (version: number | null) => void;
}) {
  const [state, setState] = useState<PolicyFormState>(() => formFromConfig(initial));
  const [errors, setErrors] = useState<PolicyFormErrors>({});
  const put = usePutGuardPolicy(slug);

  function set<G extends keyof PolicyFormState>(guard: G, patch: Partial<PolicyFormState[G]>) {
    setState((s) => ({ ...s, [guard]: { ...s[guard], ...patch } }));
    onSaved(null);
  }

  const current = configFromForm(state);
  const serverPath = put.error instanceof ApiError ? formPathOfParam(put.error.param) : null;
  const err = (path: string) => errors[path] ?? (serverPath === path && put.error instanceof ApiError ? put.error.message.replace(/^[^:]*: /, "") : undefined);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const { config, errors: found } = configFromForm(state);
    setErrors(found);
    if (!config) return;
    put.mutate({ featureId, config }, { onSuccess: (p) => onSaved(p.version) });
  }

  const s = state;
  const errorCount = Object.keys(errors).length;
  return (
    <>
      <form className="stack" onSubmit={onSubmit} aria-label={`Guard policy: ${scopeLabel}`} noValidate>
        <fieldset disabled={!canWrite} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }} className="stack">
          <div className="grid-2">
            <GuardCard title="Prompt injection and jailbreaks" description="Scores user turns, tool results and context documents; at or over the threshold it flags (log only) or refuses with 400 prompt_injection_detected (block).">
              <ModeSelect guard="injection" label="Injection mode" value={s.injection.mode} onChange={(mode) => set("injection", { mode })} />
              <TextField label="Injection threshold (0-1)" inputMode="decimal" value={s.injection.threshold} error={err("injection.threshold")} onChange={(e) => set("injection", { threshold: e.target.value })} />
              <div className="field">
                <span className="field-label">Scan</span>
                <Check label="User turns" checked={s.injection.userTurns} onChange={(userTurns) => set("injection", { userTurns })} />
                <Check label="Tool results" checked={s.injection.toolResults} onChange={(toolResults) => set("injection", { toolResults })} />
                <Check label="Context documents" checked={s.injection.contextDocs} onChange={(contextDocs) => set("injection", { contextDocs })} />
                {err("injection.scan") ? <span className="field-error">{err("injection.scan")}</span> : null}
              </div>
              <Check label="Second-stage classifier for the grey zone" checked={s.injection.classifierOn} onChange={(classifierOn) => set("injection", { classifierOn })} />
              {s.injection.classifierOn ? (
                <>
                  <TextField label="Classifier route alias" placeholder="prompt-guard" value={s.injection.classifierRoute} error={err("injection.classifier.route")} onChange={(e) => set("injection", { classifierRoute: e.target.value })} />
                  <TextField label="Grey zone from (0-1)" inputMode="decimal" value={s.injection.greyLow} error={err("injection.classifier.greyLow")} onChange={(e) => set("injection", { greyLow: e.target.value })} />
                  <TextField label="Classifier timeout (ms)" inputMode="numeric" value={s.injection.timeoutMs} error={err("injection.classifier.timeoutMs")} onChange={(e) => set("injection", { timeoutMs: e.target.value })} />
                  <SelectField label="On classifier error" value={s.injection.onError} onChange={(e) => set("injection", { onError: e.target.value as "open" | "closed" })}>
                    <option value="open">Pass (fail open)</option>
                    <option value="closed">Block (fail closed)</option>
                  </SelectField>
                </>
              ) : null}
            </GuardCard>

            <GuardCard title="PII" description="Redact replaces each value with a placeholder ([EMAIL_1]) before the provider sees it; log only records a redacted copy; block refuses with 400 pii_detected.">
              <ModeSelect guard="pii" label="PII mode" value={s.pii.mode} onChange={(mode) => set("pii", { mode })} />
              <div className="field">
                <span className="field-label">Entity types</span>
                <Check label="All kinds" checked={s.pii.allTypes} onChange={(allTypes) => set("pii", { allTypes })} />
                {!s.pii.allTypes ? (
                  <div className="grid-2" style={{ gap: 4 }}>
                    {PiiEntity.options.map((t) => (
                      <Check
                        key={t}
                        label={PII_LABELS[t]}
                        checked={s.pii.types.includes(t)}
                        onChange={(on) => set("pii", { types: on ? [...s.pii.types, t] : s.pii.types.filter((x) => x !== t) })}
                      />
                    ))}
                  </div>
                ) : null}
                {err("pii.types") ? <span className="field-error">{err("pii.types")}</span> : null}
              </div>
              <Check label="Re-identify the answer (the end-user sees their own data; the provider never did)" checked={s.pii.reidentify} onChange={(reidentify) => set("pii", { reidentify })} />
            </GuardCard>

            <GuardCard title="Output moderation" description="Checks every answer in line; block replaces it (or cuts a stream behind the hold-back window with content_filtered).">
              <ModeSelect guard="moderation" label="Moderation mode" value={s.moderation.mode} onChange={(mode) => set("moderation", { mode })} />
              <TextField label="Moderation threshold (0-1)" inputMode="decimal" value={s.moderation.threshold} error={err("moderation.threshold")} onChange={(e) => set("moderation", { threshold: e.target.value })} />
              <Check label="Streams: hold back the first sentence" checked={s.moderation.firstSentence} onChange={(firstSentence) => set("moderation", { firstSentence })} />
              <TextField
                label="Then hold back tokens (0-512)"
                hint="About 4 characters each; more is safer and adds time to first token."
                inputMode="numeric"
                value={s.moderation.holdBackTokens}
                error={err("moderation.holdBack.tokens")}
                onChange={(e) => set("moderation", { holdBackTokens: e.target.value })}
              />
              <Check label="Async moderation in the worker (opens a policy-violation incident)" checked={s.moderation.asyncOn} onChange={(asyncOn) => set("moderation", { asyncOn })} />
              {s.moderation.asyncOn ? (
                <>
                  <TextField label="Moderation route alias" placeholder="moderation" value={s.moderation.asyncRoute} error={err("moderation.async.route")} onChange={(e) => set("moderation", { asyncRoute: e.target.value })} />
                  <TextField label="Async threshold (0-1)" inputMode="decimal" value={s.moderation.asyncThreshold} error={err("moderation.async.threshold")} onChange={(e) => set("moderation", { asyncThreshold: e.target.value })} />
                </>
              ) : null}
            </GuardCard>

            <GuardCard title="Structured output and tools" description="JSON answers are validated against the request's schema; tool calls against the feature's declared tools (below).">
              <ModeSelect guard="schema" label="Schema mode" value={s.schema.mode} onChange={(mode) => set("schema", { mode })} />
              <Check label="Repair once with the validation error before falling back" checked={s.schema.repair} onChange={(repair) => set("schema", { repair })} />
              <ModeSelect guard="tools" label="Tool surface mode" value={s.tools.mode} onChange={(mode) => set("tools", { mode })} />
            </GuardCard>
          </div>
        </fieldset>
        {errorCount > 0 ? (
          <div className="alert alert-error" role="alert">
            {errorCount === 1 ? "One field needs" : `${errorCount} fields need`} attention before saving.
          </div>
        ) : null}
        {put.isError && !serverPath ? <ErrorAlert error={put.error} title="Not saved" /> : null}
        {canWrite ? (
          <div className="form-actions" style={{ justifyContent: "flex-start" }}>
            <Button type="submit" variant="primary" pending={put.isPending} pendingLabel="Saving…">
              Save policy
            </Button>
          </div>
        ) : (
          <p className="muted">Your role can read guard policies but not change them.</p>
        )}
      </form>
      <GuardTestBox slug={slug} featureId={featureId} config={current.config} />
    </>
  );
}
