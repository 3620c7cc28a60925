"use client";

import { useState, type FormEvent } from "react";
import { CreateAlertChannelInput, type AlertChannel, type AlertChannelTestResult } from "@/lib/alerts/schema";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Badge, BoolBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Dialog } from "@/components/ui/dialog";
import { formatDateTime } from "@/components/ui/format";
import { SelectField, TextField, serverFieldError, zodFieldErrors, type FieldErrors } from "@/components/ui/form";
import { Section } from "@/components/ui/page-header";
import { EmptyState, ErrorAlert, ErrorState, Loading } from "@/components/ui/states";
import { useAlertChannels, useCreateAlertChannel, useDeleteAlertChannel, useTestAlertChannel } from "./use-alert-channels";

const FIELDS = ["name", "kind", "url"] as const;

function AddChannelDialog({ slug, open, onClose }: { slug: string; open: boolean; onClose: () => void }) {
  const create = useCreateAlertChannel(slug);
  const [errors, setErrors] = useState<FieldErrors>({});

  function close() {
    setErrors({});
    create.reset();
    onClose();
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const raw = { name: String(form.get("name") ?? "").trim(), kind: String(form.get("kind") ?? ""), url: String(form.get("url") ?? "").trim() };
    const parsed = CreateAlertChannelInput.safeParse(raw);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    setErrors({});
    create.mutate(parsed.data, { onSuccess: close });
  }

  const server = serverFieldError(create.error, FIELDS);
  const fieldError = (name: string) => errors[name] ?? (server?.field === name ? server.message : undefined);

  return (
    <Dialog open={open} onClose={close} title="Add alert channel" description="Budget alerts and budget incidents are POSTed here as JSON.">
      <form className="form" onSubmit={onSubmit} noValidate>
        {create.isError && !server?.field ? <ErrorAlert error={create.error} /> : null}
        <TextField label="Name" name="name" required autoFocus autoComplete="off" placeholder="finance-alerts" maxLength={100} error={fieldError("name")} />
        <SelectField label="Kind" name="kind" defaultValue="webhook" error={fieldError("kind")}>
          <option value="webhook">Webhook (the event as JSON)</option>
          <option value="slack">Slack-compatible ({"{ text, blocks }"})</option>
        </SelectField>
        <TextField label="URL" name="url" type="url" required autoComplete="off" placeholder="https://hooks.slack.com/services/…" error={fieldError("url")} hint="Kept secret: only its origin and last characters are shown afterwards." />
        <div className="form-actions">
          <Button onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={create.isPending} pendingLabel="Adding…">
            Add channel
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function TestOutcome({ result }: { result: AlertChannelTestResult }) {
  return result.ok ? (
    <div className="alert alert-success" role="status">
      Test alert delivered (receiver answered {result.status}).
    </div>
  ) : (
    <div className="alert alert-error" role="alert">
      Test alert failed: {result.error}
    </div>
  );
}

/** Settings: where budget alerts and budget incidents are sent (webhook or Slack). */
export function AlertChannelsSection() {
  const { slug } = useTenant();
  const canRead = useCan("alerts:read");
  const canWrite = useCan("alerts:write");
  const channels = useAlertChannels(slug, canRead);
  const remove = useDeleteAlertChannel(slug);
  const test = useTestAlertChannel(slug);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<AlertChannel | null>(null);
  const [tested, setTested] = useState<{ id: string; result: AlertChannelTestResult } | null>(null);

  if (!canRead) return null;

  return (
    <Section
      title="Alert channels"
      description="Budget thresholds (once per threshold and period) and budget incidents are sent to every enabled channel, retried with backoff."
      actions={
        canWrite ? (
          <Button variant="primary" onClick={() => setAdding(true)}>
            Add alert channel
          </Button>
        ) : null
      }
    >
      {test.isError ? <ErrorAlert error={test.error} title="Test failed" /> : null}
      {tested ? <TestOutcome result={tested.result} /> : null}
      {channels.isPending ? (
        <Loading label="Loading alert channels…" />
      ) : channels.isError ? (
        <ErrorState what="alert channels" error={channels.error} onRetry={() => void channels.refetch()} />
      ) : channels.data.length === 0 ? (
        <EmptyState title="No alert channels">Add a webhook or a Slack incoming webhook to hear about budget thresholds and incidents.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Alert channels">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>URL</th>
                <th>Status</th>
                <th>Added</th>
                {canWrite ? <th className="actions">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {channels.data.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td>
                    <Badge tone={c.kind === "slack" ? "accent" : "info"}>{c.kind}</Badge>
                  </td>
                  <td className="mono nowrap">{c.urlPreview}</td>
                  <td>
                    <BoolBadge value={c.enabled} />
                  </td>
                  <td className="nowrap">{formatDateTime(c.createdAt)}</td>
                  {canWrite ? (
                    <td className="actions">
                      <Button
                        size="sm"
                        aria-label={`Send a test alert to ${c.name}`}
                        pending={test.isPending && test.variables === c.id}
                        pendingLabel="Sending…"
                        onClick={() => {
                          setTested(null);
                          test.mutate(c.id, { onSuccess: (result) => setTested({ id: c.id, result }) });
                        }}
                      >
                        Send test
                      </Button>
                      <Button variant="ghost-danger" size="sm" aria-label={`Remove ${c.name}`} onClick={() => setRemoving(c)}>
                        Remove
                      </Button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {canWrite ? <AddChannelDialog slug={slug} open={adding} onClose={() => setAdding(false)} /> : null}

      <ConfirmDialog
        open={removing !== null}
        title={`Remove alert channel “${removing?.name ?? ""}”?`}
        description="Alerts stop going there at once, including ones waiting to be retried."
        confirmLabel="Remove channel"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => {
          if (removing) remove.mutate(removing.id, { onSuccess: () => setRemoving(null) });
        }}
        onClose={() => {
          remove.reset();
          setRemoving(null);
        }}
      />
    </Section>
  );
}
