"use client";

import { useState, type FormEvent } from "react";
import { CreateRateLimitInput, UpdateRateLimitInput, type RateLimit } from "@/lib/budgets/schema";
import { useApiKeys } from "@/components/api-keys/use-api-keys";
import { useFeatures } from "@/components/features/use-features";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField, serverFieldError, zodFieldErrors, type FieldErrors } from "@/components/ui/form";
import { ErrorAlert } from "@/components/ui/states";
import { useSaveRateLimit } from "./use-save-rate-limit";

const FIELDS = ["scope", "featureId", "apiKeyId", "requestsPerMinute", "tokensPerMinute", "maxConcurrent", "enabled"] as const;

export const RATE_SCOPES: Record<RateLimit["scope"], string> = {
  api_key: "Each API key",
  end_user: "Each end user",
  tenant: "Whole tenant",
  feature: "Each feature",
  ip: "Each client IP",
};

/** "" -> null, "120" -> 120, "abc" -> NaN (zod names the field). */
function count(value: FormDataEntryValue | null): number | null {
  const s = String(value ?? "").trim();
  return s === "" ? null : Number(s);
}

/** Create (limit null) or edit a rate limit; scope and subject are fixed once created. */
export function RateLimitDialog({ slug, limit, open, onClose }: { slug: string; limit: RateLimit | null; open: boolean; onClose: () => void }) {
  const save = useSaveRateLimit(slug);
  const features = useFeatures(slug);
  const keys = useApiKeys(slug);
  const [scope, setScope] = useState<RateLimit["scope"]>(limit?.scope ?? "api_key");
  const [errors, setErrors] = useState<FieldErrors>({});
  const editing = limit !== null;

  function close() {
    setErrors({});
    save.reset();
    onClose();
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const numbers = {
      requestsPerMinute: count(form.get("requestsPerMinute")),
      tokensPerMinute: count(form.get("tokensPerMinute")),
      maxConcurrent: scope === "api_key" ? count(form.get("maxConcurrent")) : null,
      enabled: form.get("enabled") === "on",
    };
    const raw = editing
      ? numbers
      : { ...numbers, scope, featureId: String(form.get("featureId") ?? "") || null, apiKeyId: scope === "api_key" ? String(form.get("apiKeyId") ?? "") || null : null };
    const parsed = editing ? UpdateRateLimitInput.safeParse(raw) : CreateRateLimitInput.safeParse(raw);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    if (numbers.requestsPerMinute === null && numbers.tokensPerMinute === null && numbers.maxConcurrent === null) {
      setErrors({ requestsPerMinute: "set at least one of requests per minute, tokens per minute or concurrent requests" });
      return;
    }
    setErrors({});
    const onSuccess = () => close();
    if (limit) save.mutate({ id: limit.id, input: UpdateRateLimitInput.parse(raw) }, { onSuccess });
    else save.mutate({ id: null, input: CreateRateLimitInput.parse(raw) }, { onSuccess });
  }

  const server = serverFieldError(save.error, FIELDS);
  const fieldError = (name: string) => errors[name] ?? (server?.field === name ? server.message : undefined);

  return (
    <Dialog
      open={open}
      onClose={close}
      title={editing ? "Edit rate limit" : "New rate limit"}
      description="Counted over a rolling minute in Redis, shared by every gateway: 100 requests per minute means 100, whatever the number of instances. Refusals are 429 rate_limit_exceeded with retry-after."
    >
      <form className="form" onSubmit={onSubmit} noValidate>
        {save.isError && !server?.field ? <ErrorAlert error={save.error} /> : null}
        {editing ? null : (
          <>
            <SelectField label="Counted per" name="scope" value={scope} onChange={(e) => setScope(e.currentTarget.value as RateLimit["scope"])} error={fieldError("scope")}>
              {Object.entries(RATE_SCOPES).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </SelectField>
            {scope === "api_key" ? (
              <SelectField label="API key" name="apiKeyId" defaultValue="" error={fieldError("apiKeyId")}>
                <option value="">Every key (each its own counter)</option>
                {(keys.data ?? []).map((k) => (
                  <option key={k.id} value={k.id}>
                    {k.name} ({k.prefix}…)
                  </option>
                ))}
              </SelectField>
            ) : null}
            <SelectField label="Only requests of feature (optional)" name="featureId" defaultValue="" error={fieldError("featureId")}>
              <option value="">All features</option>
              {(features.data ?? []).map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name} ({f.key})
                </option>
              ))}
            </SelectField>
          </>
        )}
        <TextField label="Requests per minute" name="requestsPerMinute" inputMode="numeric" autoComplete="off" defaultValue={limit?.requestsPerMinute ?? ""} error={fieldError("requestsPerMinute")} />
        <TextField
          label="Tokens per minute"
          name="tokensPerMinute"
          inputMode="numeric"
          autoComplete="off"
          defaultValue={limit?.tokensPerMinute ?? ""}
          hint="Prompt + max output tokens are reserved up front, corrected to the real count when the call ends."
          error={fieldError("tokensPerMinute")}
        />
        {scope === "api_key" ? (
          <TextField label="Concurrent requests" name="maxConcurrent" inputMode="numeric" autoComplete="off" defaultValue={limit?.maxConcurrent ?? ""} error={fieldError("maxConcurrent")} />
        ) : null}
        <label className="row">
          <input type="checkbox" name="enabled" defaultChecked={limit?.enabled ?? true} /> Enabled
        </label>
        <div className="form-actions">
          <Button onClick={close} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={save.isPending} pendingLabel="Saving…">
            {editing ? "Save rate limit" : "Create rate limit"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
