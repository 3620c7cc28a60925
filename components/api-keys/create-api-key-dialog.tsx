"use client";

import { useState, type FormEvent } from "react";
import { CreateApiKeyInput, type CreatedApiKey } from "@/lib/api-keys/schema";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField, serverFieldError, zodFieldErrors, type FieldErrors } from "@/components/ui/form";
import { SecretReveal } from "@/components/ui/secret-reveal";
import { ErrorAlert } from "@/components/ui/states";
import { useFeatures } from "@/components/features/use-features";
import { useCreateApiKey } from "./use-create-api-key";

const FIELDS = ["name", "featureId", "expiresAt", "scopes"] as const;

/** Today's date (UTC) as yyyy-mm-dd, the earliest expiry the date picker offers. */
function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export function CreateApiKeyDialog({ slug, open, onClose }: { slug: string; open: boolean; onClose: () => void }) {
  const create = useCreateApiKey(slug);
  const features = useFeatures(slug);
  const [errors, setErrors] = useState<FieldErrors>({});
  // The secret lives only here, for as long as the dialog is open.
  const [created, setCreated] = useState<CreatedApiKey | null>(null);

  function close() {
    setCreated(null);
    setErrors({});
    create.reset();
    onClose();
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const expiresOn = String(form.get("expiresAt") ?? "");
    const featureId = String(form.get("featureId") ?? "");
    const raw = {
      name: String(form.get("name") ?? ""),
      featureId: featureId || null,
      // The key stops working at the end of the chosen day, UTC.
      expiresAt: expiresOn ? `${expiresOn}T23:59:59.999Z` : null,
    };
    const parsed = CreateApiKeyInput.safeParse(raw);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    if (parsed.data.expiresAt && parsed.data.expiresAt <= new Date()) {
      setErrors({ expiresAt: "must be in the future" });
      return;
    }
    setErrors({});
    create.mutate({ ...raw, name: raw.name.trim() }, { onSuccess: (result) => setCreated(result) });
  }

  const server = serverFieldError(create.error, FIELDS);
  const fieldError = (name: string) => errors[name] ?? (server?.field === name ? server.message : undefined);

  if (created) {
    return (
      <Dialog open={open} onClose={close} title="Save your API key">
        <SecretReveal
          kind="API key"
          title={created.key.name}
          label="Secret key"
          secret={created.secret}
          usage={
            <>
              Send it as <code>Authorization: Bearer {created.key.prefix}…</code> to <code>/v1/*</code>.
            </>
          }
          onDone={close}
        />
      </Dialog>
    );
  }

  return (
    <Dialog open={open} onClose={close} title="Create API key" description="Applications call the gateway with this key. The secret is shown once.">
      <form className="form" onSubmit={onSubmit} noValidate>
        {create.isError && !server?.field ? <ErrorAlert error={create.error} /> : null}
        <TextField label="Name" name="name" required autoFocus autoComplete="off" placeholder="support-backend-prod" maxLength={100} error={fieldError("name")} />
        <SelectField
          label="Feature (optional)"
          name="featureId"
          defaultValue=""
          hint={features.isError ? "Features could not be loaded; the key can still be created for all features." : "Pin the key to one feature, or leave it open to all."}
          error={fieldError("featureId")}
        >
          <option value="">All features</option>
          {(features.data ?? []).map((f) => (
            <option key={f.id} value={f.id}>
              {f.name} ({f.key})
            </option>
          ))}
        </SelectField>
        <TextField label="Expires on (optional)" name="expiresAt" type="date" min={todayUtc()} hint="The key stops working at the end of this day (UTC). Leave empty for no expiry." error={fieldError("expiresAt")} />
        <div className="form-actions">
          <Button onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={create.isPending} pendingLabel="Creating…">
            Create key
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
