"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { CreatePromptInput } from "@/lib/prompts/schema";
import { useFeatures } from "@/components/features/use-features";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField, serverFieldError, zodFieldErrors, type FieldErrors } from "@/components/ui/form";
import { ErrorAlert } from "@/components/ui/states";
import { useCreatePrompt } from "./use-create-prompt";

const FIELDS = ["name", "featureId", "description"] as const;

/** Creates an empty prompt, then opens it to write its first version. */
export function CreatePromptDialog({ slug, open, onClose }: { slug: string; open: boolean; onClose: () => void }) {
  const router = useRouter();
  const create = useCreatePrompt(slug);
  const features = useFeatures(slug);
  const [errors, setErrors] = useState<FieldErrors>({});

  function close() {
    setErrors({});
    create.reset();
    onClose();
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const featureId = String(form.get("featureId") ?? "");
    const parsed = CreatePromptInput.safeParse({
      name: String(form.get("name") ?? "").trim(),
      featureId: featureId || null,
      description: String(form.get("description") ?? ""),
    });
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    setErrors({});
    create.mutate(parsed.data, { onSuccess: (p) => router.push(`/t/${slug}/prompts/${encodeURIComponent(p.id)}?new=1`) });
  }

  const server = serverFieldError(create.error, FIELDS);
  const fieldError = (name: string) => errors[name] ?? (server?.field === name ? server.message : undefined);

  return (
    <Dialog open={open} onClose={close} title="New prompt" description="Applications call it by name and label; its versions are written next.">
      <form className="form" onSubmit={onSubmit} noValidate>
        {create.isError && !server?.field ? <ErrorAlert error={create.error} /> : null}
        <TextField label="Name" name="name" required autoFocus autoComplete="off" placeholder="order-status" maxLength={100} error={fieldError("name")} />
        <SelectField label="Feature (optional)" name="featureId" defaultValue="" error={fieldError("featureId")}>
          <option value="">No feature</option>
          {(features.data ?? []).map((f) => (
            <option key={f.id} value={f.id}>
              {f.name} ({f.key})
            </option>
          ))}
        </SelectField>
        <TextField label="Description (optional)" name="description" maxLength={2000} error={fieldError("description")} />
        <div className="form-actions">
          <Button onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={create.isPending} pendingLabel="Creating…">
            Create prompt
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
