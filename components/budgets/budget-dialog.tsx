"use client";

import { useState, type FormEvent } from "react";
import { CreateBudgetInput, UpdateBudgetInput, type Budget } from "@/lib/budgets/schema";
import { useApiKeys } from "@/components/api-keys/use-api-keys";
import { useFeatures } from "@/components/features/use-features";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField, serverFieldError, zodFieldErrors, type FieldErrors } from "@/components/ui/form";
import { ErrorAlert } from "@/components/ui/states";
import { dollarsToMicros, microsToDollars, parseThresholds } from "./money";
import { useSaveBudget } from "./use-save-budget";

const FIELDS = ["name", "scope", "featureId", "apiKeyId", "endUserId", "period", "limitMicros", "mode", "alertThresholds", "enabled"] as const;

const SCOPES: Array<{ value: Budget["scope"]; label: string }> = [
  { value: "tenant", label: "Whole tenant" },
  { value: "feature", label: "One feature" },
  { value: "tenant_feature", label: "Each feature (one counter per feature)" },
  { value: "api_key", label: "API key (one, or each key)" },
  { value: "end_user", label: "End user (one, or each end user)" },
];

/** Create (budget null) or edit a budget. The subject (scope and who) is fixed once created. */
export function BudgetDialog({ slug, budget, open, onClose }: { slug: string; budget: Budget | null; open: boolean; onClose: () => void }) {
  const save = useSaveBudget(slug);
  const features = useFeatures(slug);
  const keys = useApiKeys(slug);
  const [scope, setScope] = useState<Budget["scope"]>(budget?.scope ?? "tenant");
  const [errors, setErrors] = useState<FieldErrors>({});
  const editing = budget !== null;

  function close() {
    setErrors({});
    save.reset();
    onClose();
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const limit = dollarsToMicros(text("limit"));
    const thresholds = parseThresholds(text("alertThresholds"));
    const local: FieldErrors = {};
    if (limit === null) local.limitMicros = "must be an amount in dollars, e.g. 250 or 12.50 (at most 6 decimals)";
    if (thresholds === null) local.alertThresholds = "must be whole percentages separated by commas, e.g. 50, 80, 100";
    const common = {
      name: text("name"),
      period: text("period"),
      limitMicros: limit ?? "",
      mode: text("mode"),
      alertThresholds: thresholds ?? [],
      enabled: form.get("enabled") === "on",
    };
    const raw = editing
      ? common
      : {
          ...common,
          scope,
          featureId: scope === "feature" ? text("featureId") || null : null,
          apiKeyId: scope === "api_key" ? text("apiKeyId") || null : null,
          endUserId: scope === "end_user" ? text("endUserId") || null : null,
        };
    const parsed = editing ? UpdateBudgetInput.safeParse(raw) : CreateBudgetInput.safeParse(raw);
    if (!parsed.success || Object.keys(local).length > 0) {
      setErrors({ ...(parsed.success ? {} : zodFieldErrors(parsed.error)), ...local });
      return;
    }
    setErrors({});
    const onSuccess = () => close();
    if (budget) save.mutate({ id: budget.id, input: UpdateBudgetInput.parse(raw) }, { onSuccess });
    else save.mutate({ id: null, input: CreateBudgetInput.parse(raw) }, { onSuccess });
  }

  const server = serverFieldError(save.error, FIELDS);
  const fieldError = (name: string) => errors[name] ?? (server?.field === name ? server.message : undefined);

  return (
    <Dialog
      open={open}
      onClose={close}
      title={editing ? `Edit budget ${budget.name}` : "New budget"}
      description="A hard budget refuses requests whose worst-case cost no longer fits (429 budget_exceeded); a soft one only counts and alerts. Gateways apply changes within a second."
    >
      <form className="form" onSubmit={onSubmit} noValidate>
        {save.isError && !server?.field ? <ErrorAlert error={save.error} /> : null}
        <TextField label="Name" name="name" required autoFocus autoComplete="off" maxLength={100} defaultValue={budget?.name ?? ""} placeholder="Monthly tenant cap" error={fieldError("name")} />
        {editing ? null : (
          <SelectField label="Applies to" name="scope" value={scope} onChange={(e) => setScope(e.currentTarget.value as Budget["scope"])} error={fieldError("scope")}>
            {SCOPES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </SelectField>
        )}
        {!editing && scope === "feature" ? (
          <SelectField label="Feature" name="featureId" defaultValue="" error={fieldError("featureId")} hint={features.isError ? "Features could not be loaded." : undefined}>
            <option value="">Choose a feature…</option>
            {(features.data ?? []).map((f) => (
              <option key={f.id} value={f.id}>
                {f.name} ({f.key})
              </option>
            ))}
          </SelectField>
        ) : null}
        {!editing && scope === "api_key" ? (
          <SelectField label="API key" name="apiKeyId" defaultValue="" error={fieldError("apiKeyId")} hint="Each key gets its own counter of this size, or pick one key.">
            <option value="">Each API key</option>
            {(keys.data ?? []).map((k) => (
              <option key={k.id} value={k.id}>
                {k.name} ({k.prefix}…)
              </option>
            ))}
          </SelectField>
        ) : null}
        {!editing && scope === "end_user" ? (
          <TextField label="End user (optional)" name="endUserId" autoComplete="off" maxLength={256} hint="Leave empty: every end user gets their own counter of this size." error={fieldError("endUserId")} />
        ) : null}
        <SelectField label="Period (UTC)" name="period" defaultValue={budget?.period ?? "month"} error={fieldError("period")}>
          <option value="day">Per day</option>
          <option value="month">Per month</option>
          <option value="total">In total (never resets)</option>
        </SelectField>
        <TextField
          label="Limit (US dollars)"
          name="limit"
          inputMode="decimal"
          required
          autoComplete="off"
          defaultValue={budget ? microsToDollars(budget.limitMicros) : ""}
          placeholder="250.00"
          error={fieldError("limitMicros")}
        />
        <SelectField label="Mode" name="mode" defaultValue={budget?.mode ?? "hard"} error={fieldError("mode")}>
          <option value="hard">Hard: refuse requests over the limit</option>
          <option value="soft">Soft: count and alert only</option>
        </SelectField>
        <TextField
          label="Alert at (% of the limit)"
          name="alertThresholds"
          autoComplete="off"
          defaultValue={(budget?.alertThresholds ?? [50, 80, 100]).join(", ")}
          hint="Each threshold alerts once per period."
          error={fieldError("alertThresholds")}
        />
        <label className="row">
          <input type="checkbox" name="enabled" defaultChecked={budget?.enabled ?? true} /> Enabled
        </label>
        <div className="form-actions">
          <Button onClick={close} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={save.isPending} pendingLabel="Saving…">
            {editing ? "Save budget" : "Create budget"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
