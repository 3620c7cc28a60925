"use client";

import { useId, useState, type FormEvent } from "react";
import { CreatePromptVersionInput, PromptRole, PromptVariableType, type Prompt, type PromptVersion } from "@/lib/prompts/schema";
import { ApiError } from "@/components/api/client";
import { Button } from "@/components/ui/button";
import { ErrorAlert } from "@/components/ui/states";
import { useCreatePromptVersion } from "./use-create-prompt-version";
import {
  fieldErrors,
  formFromVersion,
  issuesToErrors,
  messageErrors,
  newMessage,
  newVariable,
  otherErrors,
  usedVariables,
  variableErrors,
  versionInput,
  type FormErrors,
  type MessageRow,
  type VariableRow,
  type VersionFormState,
} from "./version-form";

function Errors({ messages }: { messages: string[] }) {
  return messages.length ? (
    <span className="field-error" role="alert">
      {messages.join("; ")}
    </span>
  ) : null;
}

/**
 * Writes a new version: messages by role with {{variables}}, the declared
 * variables with their types, default parameters, an optional output JSON
 * schema and a commit message. Versions are immutable: saving never changes
 * what a label serves until the label is moved.
 */
export function VersionEditor({
  slug,
  prompt,
  base,
  onSaved,
  onCancel,
}: {
  slug: string;
  prompt: Prompt;
  base: PromptVersion | null;
  onSaved: (v: PromptVersion) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const save = useCreatePromptVersion(slug, prompt.id);
  const [state, setState] = useState<VersionFormState>(() => formFromVersion(base));
  const [errors, setErrors] = useState<FormErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const set = (patch: Partial<VersionFormState>) => setState((s) => ({ ...s, ...patch }));
  const setMessage = (i: number, patch: Partial<MessageRow>) => set({ messages: state.messages.map((m, k) => (k === i ? { ...m, ...patch } : m)) });
  const setVariable = (i: number, patch: Partial<VariableRow>) => set({ variables: state.variables.map((v, k) => (k === i ? { ...v, ...patch } : v)) });
  const moveMessage = (i: number, by: -1 | 1) => {
    const next = [...state.messages];
    const [row] = next.splice(i, 1);
    if (row) next.splice(i + by, 0, row);
    set({ messages: next });
  };

  const used = usedVariables(state.messages);
  const declared = new Set(state.variables.map((v) => v.name.trim()));
  const undeclared = used.filter((n) => !declared.has(n));
  const unused = state.variables.filter((v) => v.name.trim() && !used.includes(v.name.trim())).map((v) => v.name.trim());

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setFormError(null);
    const { input, errors: buildErrors } = versionInput(state);
    const parsed = CreatePromptVersionInput.safeParse(input);
    const all = { ...(parsed.success ? {} : issuesToErrors(parsed.error.issues)), ...buildErrors };
    if (!parsed.success || Object.keys(all).length) {
      setErrors(all);
      return;
    }
    setErrors({});
    save.mutate(parsed.data, {
      onSuccess: onSaved,
      onError: (err) => {
        if (err instanceof ApiError && err.param) {
          // "template.1.content" / "variables.order_id": shown under that message or variable, naming it.
          setErrors({ [err.param]: err.message });
        } else {
          setFormError(err);
        }
      },
    });
  }

  const general = otherErrors(errors, state);

  return (
    <form className="card form-card" onSubmit={onSubmit} noValidate aria-label="New version">
      <div className="card-body form">
        <div>
          <h3>New version of {prompt.name}</h3>
          <p className="muted" style={{ margin: "2px 0 0" }}>
            {base ? `Starting from v${base.version}. ` : ""}Saved as v{(prompt.versions[0]?.version ?? 0) + 1}; no label moves until you move it.
          </p>
        </div>
        {formError ? <ErrorAlert error={formError} title="Version not saved" /> : null}
        {general.length ? (
          <div className="alert alert-error" role="alert">
            {general.join("; ")}
          </div>
        ) : null}

        <div className="field">
          <span className="field-label">Messages</span>
          <span className="field-hint">
            Use <code>{"{{name}}"}</code> for a variable, <code>{"{{#name}}…{{/name}}"}</code> for a block shown when it is set.
          </span>
          <ol className="stack" style={{ listStyle: "none", margin: 0, padding: 0 }} aria-label="Messages">
            {state.messages.map((m, i) => {
              const errs = messageErrors(errors, i);
              return (
                <li key={m.key} className="message-editor" aria-label={`Message ${i + 1}`}>
                  <div className="row" style={{ justifyContent: "space-between" }}>
                    <div className="row">
                      <strong>{i + 1}.</strong>
                      <select className="select select-sm" aria-label={`Message ${i + 1} role`} value={m.role} onChange={(e) => setMessage(i, { role: PromptRole.parse(e.target.value) })}>
                        {PromptRole.options.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    </div>
                    <div className="row" style={{ gap: 4 }}>
                      <Button size="sm" variant="ghost" disabled={i === 0} aria-label={`Move message ${i + 1} up`} onClick={() => moveMessage(i, -1)}>
                        ↑
                      </Button>
                      <Button size="sm" variant="ghost" disabled={i === state.messages.length - 1} aria-label={`Move message ${i + 1} down`} onClick={() => moveMessage(i, 1)}>
                        ↓
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost-danger"
                        disabled={state.messages.length === 1}
                        aria-label={`Remove message ${i + 1}`}
                        onClick={() => set({ messages: state.messages.filter((_, k) => k !== i) })}
                      >
                        Remove
                      </Button>
                    </div>
                  </div>
                  <textarea
                    className="textarea"
                    rows={Math.min(12, Math.max(3, m.content.split("\n").length + 1))}
                    aria-label={`Message ${i + 1} content`}
                    aria-invalid={errs.length ? true : undefined}
                    value={m.content}
                    onChange={(e) => setMessage(i, { content: e.target.value })}
                  />
                  <Errors messages={errs} />
                </li>
              );
            })}
          </ol>
          <Errors messages={errors.template ? [errors.template] : []} />
          <div className="row">
            <Button size="sm" onClick={() => set({ messages: [...state.messages, newMessage(state.messages.at(-1)?.role === "user" ? "assistant" : "user")] })}>
              Add message
            </Button>
          </div>
        </div>

        <div className="field">
          <span className="field-label">Variables</span>
          <span className="field-hint">
            Every variable the messages use must be declared; callers must send the required ones with the declared type (400 naming the variable otherwise).
            Retrieved documents go in a <em>context</em> variable, which may appear only in user or assistant messages.
          </span>
          {undeclared.length ? (
            <div className="alert alert-warning row" style={{ flexWrap: "wrap" }}>
              <span>
                Used but not declared: <span className="mono">{undeclared.join(", ")}</span>
              </span>
              <Button size="sm" onClick={() => set({ variables: [...state.variables, ...undeclared.map((n) => newVariable(n))] })}>
                Declare {undeclared.length === 1 ? "it" : "them"}
              </Button>
            </div>
          ) : null}
          {unused.length ? (
            <span className="field-hint">
              Declared but unused: <span className="mono">{unused.join(", ")}</span>
            </span>
          ) : null}
          {state.variables.length ? (
            <div className="table-wrap">
              <table className="table" aria-label="Declared variables">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Type</th>
                    <th>Required</th>
                    <th>Context</th>
                    <th>Description</th>
                    <th className="actions" />
                  </tr>
                </thead>
                <tbody>
                  {state.variables.map((v, i) => {
                    const errs = variableErrors(errors, i, v.name);
                    return (
                      <tr key={v.key}>
                        <td>
                          <input
                            className="input mono"
                            style={{ padding: "3px 6px", minWidth: 140 }}
                            aria-label={`Variable ${i + 1} name`}
                            aria-invalid={errs.length ? true : undefined}
                            value={v.name}
                            onChange={(e) => setVariable(i, { name: e.target.value })}
                          />
                          <Errors messages={errs} />
                        </td>
                        <td>
                          <select className="select select-sm" aria-label={`Variable ${i + 1} type`} value={v.type} onChange={(e) => setVariable(i, { type: PromptVariableType.parse(e.target.value) })}>
                            {PromptVariableType.options.map((t) => (
                              <option key={t} value={t}>
                                {t}
                              </option>
                            ))}
                          </select>
                        </td>
                        <td>
                          <input type="checkbox" aria-label={`Variable ${i + 1} required`} checked={v.required} onChange={(e) => setVariable(i, { required: e.target.checked })} />
                        </td>
                        <td>
                          <input type="checkbox" aria-label={`Variable ${i + 1} holds retrieved context`} checked={v.context} onChange={(e) => setVariable(i, { context: e.target.checked })} />
                        </td>
                        <td>
                          <input className="input" style={{ padding: "3px 6px" }} aria-label={`Variable ${i + 1} description`} value={v.description} maxLength={500} onChange={(e) => setVariable(i, { description: e.target.value })} />
                        </td>
                        <td className="actions">
                          <Button size="sm" variant="ghost-danger" aria-label={`Remove variable ${i + 1}`} onClick={() => set({ variables: state.variables.filter((_, k) => k !== i) })}>
                            Remove
                          </Button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted" style={{ margin: 0 }}>
              No variables declared.
            </p>
          )}
          <Errors messages={errors.variables ? [errors.variables] : []} />
          <div>
            <Button size="sm" onClick={() => set({ variables: [...state.variables, newVariable()] })}>
              Add variable
            </Button>
          </div>
        </div>

        <div className="grid-2">
          <div className="field">
            <label htmlFor={`${id}-params`}>Default parameters (JSON, optional)</label>
            <textarea
              id={`${id}-params`}
              className="textarea mono"
              rows={5}
              placeholder='{ "model": "support-reply", "temperature": 0.2, "max_tokens": 256 }'
              aria-invalid={fieldErrors(errors, "params").length ? true : undefined}
              value={state.params}
              onChange={(e) => set({ params: e.target.value })}
            />
            <span className="field-hint">Applied where the caller sets none; the playground calls params.model.</span>
            <Errors messages={fieldErrors(errors, "params")} />
          </div>
          <div className="field">
            <label className="row" style={{ fontWeight: 560 }}>
              <input type="checkbox" checked={state.outputSchemaOn} onChange={(e) => set({ outputSchemaOn: e.target.checked })} />
              Output JSON schema
            </label>
            {state.outputSchemaOn ? (
              <textarea
                className="textarea mono"
                rows={5}
                aria-label="Output JSON schema"
                placeholder='{ "type": "object", "properties": { "answer": { "type": "string" } }, "required": ["answer"] }'
                aria-invalid={fieldErrors(errors, "outputSchema").length ? true : undefined}
                value={state.outputSchema}
                onChange={(e) => set({ outputSchema: e.target.value })}
              />
            ) : (
              <span className="field-hint">Off: answers are free text.</span>
            )}
            <Errors messages={fieldErrors(errors, "outputSchema")} />
          </div>
        </div>

        <div className="field">
          <label htmlFor={`${id}-commit`}>Commit message</label>
          <input
            id={`${id}-commit`}
            className="input"
            maxLength={1000}
            placeholder="What changed, and why"
            aria-invalid={errors.commitMessage ? true : undefined}
            value={state.commitMessage}
            onChange={(e) => set({ commitMessage: e.target.value })}
          />
          <Errors messages={errors.commitMessage ? [errors.commitMessage] : []} />
        </div>

        <div className="form-actions">
          <Button onClick={onCancel} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={save.isPending} pendingLabel="Saving…">
            Save version
          </Button>
        </div>
      </div>
    </form>
  );
}
