"use client";

import { useState, type FormEvent } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Dialog } from "@/components/ui/dialog";
import { serverFieldError, TextField } from "@/components/ui/form";
import { Section } from "@/components/ui/page-header";
import { EmptyState, ErrorAlert, ErrorState, Loading } from "@/components/ui/states";
import type { ToolDefinition } from "@/lib/guards/schema";
import { toolForm, toolInput, type ToolFormErrors, type ToolFormState } from "./tool-form";
import { useDeleteTool } from "./use-delete-tool";
import { useSaveTool } from "./use-save-tool";
import { useTools } from "./use-tools";

function ToolDialog({ slug, featureId, tool, onClose }: { slug: string; featureId: string | null; tool: ToolDefinition | null; onClose: () => void }) {
  const [state, setState] = useState<ToolFormState>(() => toolForm(tool));
  const [errors, setErrors] = useState<ToolFormErrors>({});
  const save = useSaveTool(slug);
  const server = serverFieldError(save.error, ["name", "description", "parameters", "irreversible", "requiredRole"]);
  const fieldError = (k: keyof ToolFormState) => errors[k] ?? (server?.field === k ? server.message : undefined);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const { create, update, errors: found } = toolInput(state, featureId);
    if (tool) delete found.name;
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    save.mutate(tool ? { id: tool.id, input: update } : { id: null, input: create }, { onSuccess: onClose });
  }

  return (
    <Dialog open onClose={onClose} title={tool ? `Edit tool ${tool.name}` : "Declare a tool"} description="Calls to tools a feature did not declare are removed (block) or logged; irreversible tools come back with requires_confirmation.">
      <form className="form" onSubmit={onSubmit} noValidate>
        {server && !server.field ? <ErrorAlert error={save.error} title="Not saved" /> : null}
        <TextField label="Name" value={state.name} disabled={tool !== null} error={fieldError("name")} onChange={(e) => setState({ ...state, name: e.target.value })} />
        <TextField label="Description" value={state.description} error={fieldError("description")} onChange={(e) => setState({ ...state, description: e.target.value })} />
        <div className="field">
          <label htmlFor="tool-parameters">Parameters (JSON schema)</label>
          <textarea id="tool-parameters" className="textarea mono" rows={6} value={state.parameters} aria-invalid={fieldError("parameters") ? true : undefined} onChange={(e) => setState({ ...state, parameters: e.target.value })} />
          {fieldError("parameters") ? <span className="field-error">Parameters {fieldError("parameters")}</span> : null}
        </div>
        <TextField label="Required end-user role (empty = anyone)" value={state.requiredRole} error={fieldError("requiredRole")} onChange={(e) => setState({ ...state, requiredRole: e.target.value })} />
        <label className="row" style={{ gap: 6 }}>
          <input type="checkbox" checked={state.irreversible} onChange={(e) => setState({ ...state, irreversible: e.target.checked })} />
          Irreversible (delete, send, purchase, permission change): needs the user&apos;s confirmation
        </label>
        <div className="form-actions">
          <Button onClick={onClose} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={save.isPending}>
            {tool ? "Save tool" : "Declare tool"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** The tool surface of one scope: its own tools, plus (for a feature) the tenant-wide ones it also gets. */
export function ToolsSection({ slug, featureId, scopeLabel, canWrite }: { slug: string; featureId: string | null; scopeLabel: string; canWrite: boolean }) {
  const tools = useTools(slug);
  const remove = useDeleteTool(slug);
  const [editing, setEditing] = useState<ToolDefinition | "new" | null>(null);
  const [deleting, setDeleting] = useState<ToolDefinition | null>(null);
  const rows = (tools.data ?? []).filter((t) => t.featureId === featureId || (featureId !== null && t.featureId === null));

  return (
    <Section
      title="Tool surface"
      description={`Tools ${scopeLabel} may call. With none declared, tool calls are not restricted.`}
      actions={canWrite ? <Button onClick={() => setEditing("new")}>Declare a tool</Button> : undefined}
    >
      {tools.isPending ? (
        <Loading label="Loading tools…" />
      ) : tools.isError ? (
        <ErrorState what="tools" error={tools.error} onRetry={() => void tools.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title="No tools declared">Declare the tools the model may call, with the end-user role each needs; undeclared calls are then blocked and logged.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Tools">
            <thead>
              <tr>
                <th>Name</th>
                <th>Description</th>
                <th>Parameters</th>
                <th>Required role</th>
                <th>Flags</th>
                {canWrite ? <th aria-label="Actions" /> : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.id}>
                  <td className="mono">{t.name}</td>
                  <td>{t.description || <span className="muted">—</span>}</td>
                  <td>
                    <code className="mono" style={{ fontSize: "0.8em", wordBreak: "break-all" }}>
                      {JSON.stringify(t.parameters).slice(0, 160)}
                    </code>
                  </td>
                  <td>{t.requiredRole ?? <span className="muted">anyone</span>}</td>
                  <td>
                    {t.irreversible ? <Badge tone="warning">irreversible</Badge> : null} {t.featureId === null && featureId !== null ? <Badge>all features</Badge> : null}
                  </td>
                  {canWrite ? (
                    <td className="nowrap">
                      {t.featureId === featureId ? (
                        <>
                          <Button size="sm" variant="ghost" onClick={() => setEditing(t)}>
                            Edit
                          </Button>
                          <Button size="sm" variant="ghost-danger" onClick={() => setDeleting(t)}>
                            Delete
                          </Button>
                        </>
                      ) : (
                        <span className="muted">edit under Tenant default</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing ? <ToolDialog slug={slug} featureId={featureId} tool={editing === "new" ? null : editing} onClose={() => setEditing(null)} /> : null}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete tool ${deleting?.name ?? ""}?`}
        description="Calls to it are then undeclared: blocked or logged by the tool surface mode."
        confirmLabel="Delete tool"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
        onClose={() => {
          setDeleting(null);
          remove.reset();
        }}
      />
    </Section>
  );
}
