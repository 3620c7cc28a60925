"use client";

import { useState, type FormEvent } from "react";
import { microsToDollars, type ModelPrices } from "@/lib/prices/schema";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField, serverFieldError, type FieldErrors } from "@/components/ui/form";
import { ErrorAlert } from "@/components/ui/states";
import { PRICE_FIELDS, parsePriceForm, type PriceFormValues } from "./price-form";
import { useCreatePrice } from "./use-create-price";

/**
 * Adds a price for one model: a new row from the chosen time (default now),
 * never a change of an existing one. Amounts in dollars per million tokens.
 */
export function AddPriceDialog({
  slug,
  models,
  modelId,
  open,
  onClose,
  onAdded,
}: {
  slug: string;
  models: ModelPrices[];
  /** Preselected model. */
  modelId: string | null;
  open: boolean;
  onClose: () => void;
  onAdded: (model: ModelPrices, effectiveFrom: string | null) => void;
}) {
  const create = useCreatePrice(slug);
  const [errors, setErrors] = useState<FieldErrors>({});

  function close() {
    setErrors({});
    create.reset();
    onClose();
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const values = Object.fromEntries(PRICE_FIELDS.map((f) => [f, String(form.get(f) ?? "")])) as PriceFormValues;
    const parsed = parsePriceForm(values);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    create.mutate(parsed.body, {
      onSuccess: (model) => {
        onAdded(model, parsed.body.effectiveFrom ?? null);
        close();
      },
    });
  }

  const server = serverFieldError(create.error, PRICE_FIELDS);
  const fieldError = (name: string) => errors[name] ?? (server?.field === name ? server.message : undefined);
  const current = models.find((m) => m.modelId === modelId)?.current ?? null;
  const dollars = (micros: string | undefined) => (micros ? microsToDollars(micros) : "");

  return (
    <Dialog
      open={open}
      onClose={close}
      title="Add a price"
      description="A new price applies from the time you choose (default: now). Past prices stay as they were, so the cost already recorded on requests stays explainable."
    >
      <form className="form" onSubmit={onSubmit} noValidate>
        {create.isError && !server?.field ? <ErrorAlert error={create.error} /> : null}
        <SelectField label="Model" name="modelId" defaultValue={modelId ?? ""} required error={fieldError("modelId")}>
          <option value="" disabled>
            Choose a model
          </option>
          {models.map((m) => (
            <option key={m.modelId} value={m.modelId}>
              {m.providerName} / {m.modelName}
            </option>
          ))}
        </SelectField>
        <div className="form-row">
          <TextField label="Input ($ per 1M tokens)" name="inputPerMTokMicros" inputMode="decimal" required autoComplete="off" placeholder="2.50" defaultValue={dollars(current?.inputPerMTokMicros)} error={fieldError("inputPerMTokMicros")} />
          <TextField label="Output ($ per 1M tokens)" name="outputPerMTokMicros" inputMode="decimal" required autoComplete="off" placeholder="10.00" defaultValue={dollars(current?.outputPerMTokMicros)} error={fieldError("outputPerMTokMicros")} />
        </div>
        <div className="form-row">
          <TextField
            label="Cached input (optional)"
            name="cachedInputPerMTokMicros"
            inputMode="decimal"
            autoComplete="off"
            placeholder="1.25"
            defaultValue={current && current.cachedInputPerMTokMicros !== "0" ? dollars(current.cachedInputPerMTokMicros) : ""}
            hint="Prompt-cache reads. Empty: charged at the input price."
            error={fieldError("cachedInputPerMTokMicros")}
          />
          <TextField
            label="Cache write (optional)"
            name="cacheWritePerMTokMicros"
            inputMode="decimal"
            autoComplete="off"
            placeholder="3.75"
            defaultValue={current && current.cacheWritePerMTokMicros !== "0" ? dollars(current.cacheWritePerMTokMicros) : ""}
            hint="Anthropic cache writes. Empty: charged at the input price."
            error={fieldError("cacheWritePerMTokMicros")}
          />
        </div>
        <TextField label="Effective from (optional)" name="effectiveFrom" type="datetime-local" hint="Your local time. Empty: now. A later time schedules the price." error={fieldError("effectiveFrom")} />
        <div className="form-actions">
          <Button onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={create.isPending} pendingLabel="Adding…">
            Add price
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
