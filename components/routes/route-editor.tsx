"use client";

import { useState, type FormEvent } from "react";
import type { z } from "zod";
import type { Provider } from "@/lib/providers/schema";
import { MAX_TARGETS_PER_ROUTE, StaticFallback, TARGET_LIMITS, UpdateRouteInput, type Route } from "@/lib/routes/schema";
import { ApiError } from "@/components/api/client";
import { Button } from "@/components/ui/button";
import { ErrorAlert } from "@/components/ui/states";
import { groupShares } from "./group-shares";
import { useUpdateRoute } from "./use-update-route";

type NumberField = Exclude<keyof typeof TARGET_LIMITS, "position">;
const NUMBER_FIELDS: Array<{ name: NumberField; label: string; title: string; width: number }> = [
  { name: "timeoutMs", label: "Timeout ms", title: "Per-attempt timeout (ms)", width: 84 },
  { name: "maxRetries", label: "Retries", title: "Retries on retryable failures", width: 60 },
  { name: "weight", label: "Weight", title: "Weight among equals", width: 64 },
  { name: "failureThreshold", label: "Opens after", title: "Consecutive failures that open the circuit", width: 64 },
  { name: "cooldownMs", label: "Cool-down ms", title: "How long the circuit stays open before a probe (ms)", width: 84 },
];
/** The chain table is wide; tighter cells than the default table. */
const cell = { padding: "6px 8px" } as const;

type Row = { key: string; id?: string; modelId: string; enabled: boolean; position: string } & Record<NumberField, string>;
type Errors = Partial<Record<string, string>>;

let nextKey = 0;
const newKey = () => `row-${++nextKey}`;

function rowsOf(route: Route): Row[] {
  return route.targets.map((t) => ({
    key: t.id,
    id: t.id,
    modelId: t.model.id,
    enabled: t.enabled,
    position: String(t.position),
    timeoutMs: String(t.timeoutMs),
    maxRetries: String(t.maxRetries),
    weight: String(t.weight),
    failureThreshold: String(t.failureThreshold),
    cooldownMs: String(t.cooldownMs),
  }));
}

function fallbackText(value: unknown): string | null {
  const parsed = StaticFallback.safeParse(value);
  return parsed.success ? parsed.data.content : null;
}

/** "" -> NaN so the schema reports "must be a whole number" instead of taking 0. */
const num = (s: string) => (s.trim() === "" ? Number.NaN : Number(s));

/** Distinct positions renumbered 0, 1, 2, ... in order (groups kept), so the stored chain has no gaps. */
function compactPositions(positions: readonly number[]): number[] {
  const ranks = new Map([...new Set(positions)].sort((a, b) => a - b).map((p, i) => [p, i]));
  return positions.map((p) => ranks.get(p) ?? p);
}

/** zod issues and the server's `param` ("targets.2.timeoutMs") -> messages by dotted path. */
function issuesToErrors(issues: z.core.$ZodIssue[]): Errors {
  const out: Errors = {};
  for (const issue of issues) out[issue.path.map(String).join(".") || "_form"] ??= issue.message;
  return out;
}

/**
 * Edits a route in place: description, total time budget, the static answer
 * that closes the chain, and the chain itself (add, remove, reorder targets;
 * per-target timeout, retries, weight and breaker thresholds). Saved as one
 * audited change; every gateway instance reloads it within a second.
 */
export function RouteEditor({ slug, route, providers, onDone }: { slug: string; route: Route; providers: Provider[]; onDone: () => void }) {
  const update = useUpdateRoute(slug);
  const [description, setDescription] = useState(route.description);
  const [totalTimeoutMs, setTotalTimeoutMs] = useState(String(route.totalTimeoutMs));
  const initialFallback = fallbackText(route.staticFallback);
  const [fallbackOn, setFallbackOn] = useState(route.staticFallback !== null);
  const [fallback, setFallback] = useState(initialFallback ?? "");
  const [rows, setRows] = useState<Row[]>(() => rowsOf(route));
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<unknown>(null);

  const models = providers.flatMap((p) => p.models.map((m) => ({ id: m.id, label: `${p.name}/${m.name}`, disabled: !p.enabled || !m.enabled })));
  const used = new Set(rows.map((r) => r.modelId));

  const setRow = (i: number, patch: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  // Moving a row swaps it with its neighbour, positions included (the chain's order follows).
  const move = (i: number, by: -1 | 1) =>
    setRows((rs) => {
      const next = [...rs];
      const a = next[i];
      const b = next[i + by];
      if (!a || !b) return rs;
      next[i] = { ...b, position: a.position };
      next[i + by] = { ...a, position: b.position };
      return next;
    });
  const shares = groupShares(rows.map((r) => ({ position: num(r.position), weight: num(r.weight), enabled: r.enabled })));
  const addRow = () => {
    const free = models.find((m) => !used.has(m.id) && !m.disabled) ?? models.find((m) => !used.has(m.id));
    setRows((rs) => [
      ...rs,
      {
        key: newKey(),
        position: String(rs.reduce((m, r) => Math.max(m, Number.isFinite(num(r.position)) ? num(r.position) + 1 : m), 0)),
        modelId: free?.id ?? "",
        enabled: true,
        timeoutMs: "30000",
        maxRetries: "2",
        weight: "1",
        failureThreshold: "5",
        cooldownMs: "30000",
      },
    ]);
  };

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setFormError(null);
    // The chain is ordered by position (rows keep their order among equals), positions renumbered without gaps.
    const positioned = rows.every((r) => Number.isInteger(num(r.position)));
    const ordered = positioned ? rows.map((r, i) => ({ r, i })).sort((a, b) => num(a.r.position) - num(b.r.position) || a.i - b.i).map((x) => x.r) : rows;
    const positions = positioned ? compactPositions(ordered.map((r) => num(r.position))) : ordered.map((r) => num(r.position));
    if (positioned) setRows(ordered.map((r, i) => ({ ...r, position: String(positions[i]) })));
    const input = {
      description,
      totalTimeoutMs: num(totalTimeoutMs),
      // An unparseable stored fallback is kept as it is unless the text was edited.
      ...(fallbackOn && initialFallback === null && route.staticFallback !== null && fallback === "" ? {} : { staticFallback: fallbackOn ? { role: "assistant" as const, content: fallback } : null }),
      targets: ordered.map((r, i) => ({
        ...(r.id ? { id: r.id } : {}),
        modelId: r.modelId,
        position: positions[i] ?? Number.NaN,
        enabled: r.enabled,
        timeoutMs: num(r.timeoutMs),
        maxRetries: num(r.maxRetries),
        weight: num(r.weight),
        failureThreshold: num(r.failureThreshold),
        cooldownMs: num(r.cooldownMs),
      })),
    };
    const parsed = UpdateRouteInput.safeParse(input);
    if (!parsed.success) {
      setErrors(issuesToErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    update.mutate(
      { id: route.id, ...input },
      {
        onSuccess: onDone,
        onError: (err) => {
          if (err instanceof ApiError && err.param) {
            const prefix = `${err.param}: `;
            setErrors({ [err.param]: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message });
          } else {
            setFormError(err);
          }
        },
      },
    );
  }

  const fieldError = (path: string) =>
    errors[path] ? (
      <span className="field-error" role="alert">
        {errors[path]}
      </span>
    ) : null;
  const rowErrors = (i: number) =>
    Object.entries(errors)
      .filter(([k]) => k === `targets.${i}` || k.startsWith(`targets.${i}.`))
      .map(([k, v]) => `${k.split(".").slice(2).join(".") || "target"}: ${v}`);

  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label={`Edit route ${route.alias}`}>
      {formError ? <ErrorAlert error={formError} title="Route not saved" /> : null}
      {errors._form ? <div className="alert alert-error" role="alert">{errors._form}</div> : null}
      <div className="form-row">
        <div className="field">
          <label htmlFor={`${route.id}-description`}>Description</label>
          <input id={`${route.id}-description`} className="input" value={description} maxLength={500} onChange={(e) => setDescription(e.target.value)} />
          {fieldError("description")}
        </div>
        <div className="field">
          <label htmlFor={`${route.id}-total`}>Total time budget (ms)</label>
          <input
            id={`${route.id}-total`}
            className="input"
            type="number"
            min={TARGET_LIMITS.timeoutMs.min}
            max={TARGET_LIMITS.timeoutMs.max}
            value={totalTimeoutMs}
            aria-invalid={errors.totalTimeoutMs ? true : undefined}
            onChange={(e) => setTotalTimeoutMs(e.target.value)}
          />
          <span className="field-hint">All attempts of one request together; no target&apos;s timeout may exceed it.</span>
          {fieldError("totalTimeoutMs")}
        </div>
      </div>

      <div className="field">
        <span className="field-label">Chain of targets (tried in this order)</span>
        <div className="table-wrap">
          <table className="table" aria-label={`Chain of ${route.alias}`}>
            <thead>
              <tr>
                <th style={cell} title="Targets at the same position form a load-balanced group">
                  Position
                </th>
                <th style={cell}>Model</th>
                {NUMBER_FIELDS.map((f) => (
                  <th key={f.name} style={cell} title={f.title}>
                    {f.label}
                  </th>
                ))}
                <th style={cell} title="Share of its group's traffic, by weight">
                  Share
                </th>
                <th style={cell}>On</th>
                <th style={cell} className="actions">
                  Order
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => {
                const errs = rowErrors(i);
                const share = shares[i] ?? null;
                return (
                  <tr key={r.key} data-group={share === null ? undefined : r.position}>
                    <td style={cell}>
                      <input
                        className="input"
                        style={{ width: 56, padding: "3px 6px" }}
                        type="number"
                        min={TARGET_LIMITS.position.min}
                        max={TARGET_LIMITS.position.max}
                        aria-label={`Target ${i + 1} position`}
                        aria-invalid={errors[`targets.${i}.position`] ? true : undefined}
                        value={r.position}
                        onChange={(e) => setRow(i, { position: e.target.value })}
                      />
                    </td>
                    <td style={cell}>
                      <select
                        className="select select-sm"
                        style={{ maxWidth: 220 }}
                        aria-label={`Target ${i + 1} model`}
                        value={r.modelId}
                        aria-invalid={errors[`targets.${i}.modelId`] ? true : undefined}
                        onChange={(e) => setRow(i, { modelId: e.target.value })}
                      >
                        {r.modelId === "" ? <option value="">Choose a model</option> : null}
                        {models.map((m) => (
                          <option key={m.id} value={m.id} disabled={m.id !== r.modelId && used.has(m.id)}>
                            {m.label}
                            {m.disabled ? " (disabled)" : ""}
                          </option>
                        ))}
                      </select>
                      {errs.length ? (
                        <div className="field-error" role="alert">
                          {errs.join("; ")}
                        </div>
                      ) : null}
                    </td>
                    {NUMBER_FIELDS.map((f) => (
                      <td key={f.name} style={cell}>
                        <input
                          className="input"
                          style={{ width: f.width, padding: "3px 6px" }}
                          type="number"
                          min={TARGET_LIMITS[f.name].min}
                          max={TARGET_LIMITS[f.name].max}
                          aria-label={`Target ${i + 1} ${f.title.toLowerCase()}`}
                          aria-invalid={errors[`targets.${i}.${f.name}`] ? true : undefined}
                          value={r[f.name]}
                          onChange={(e) => setRow(i, { [f.name]: e.target.value })}
                        />
                      </td>
                    ))}
                    <td style={cell} className="nowrap" aria-label={`Target ${i + 1} share of its group`}>
                      {share === null ? <span className="muted">alone</span> : `${Math.round(share * 100)}%`}
                    </td>
                    <td style={cell}>
                      <input type="checkbox" aria-label={`Target ${i + 1} enabled`} checked={r.enabled} onChange={(e) => setRow(i, { enabled: e.target.checked })} />
                    </td>
                    <td style={cell} className="actions">
                      <Button size="sm" variant="ghost" disabled={i === 0} aria-label={`Move target ${i + 1} up`} onClick={() => move(i, -1)}>
                        ↑
                      </Button>
                      <Button size="sm" variant="ghost" disabled={i === rows.length - 1} aria-label={`Move target ${i + 1} down`} onClick={() => move(i, 1)}>
                        ↓
                      </Button>
                      <Button size="sm" variant="ghost-danger" disabled={rows.length === 1} aria-label={`Remove target ${i + 1}`} onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
                        Remove
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <span className="field-hint">
          Lower positions are tried first. Targets at the same position form a load-balanced group: each request goes to one of them by weight, and the
          others of the group are its first fallbacks; a target whose circuit is open or that is switched off leaves its share to the rest of its group.
        </span>
        {fieldError("targets")}
        <div>
          <Button size="sm" onClick={addRow} disabled={rows.length >= MAX_TARGETS_PER_ROUTE || models.length <= used.size}>
            Add target
          </Button>
        </div>
      </div>

      <div className="field">
        <label className="row" style={{ fontWeight: 560 }}>
          <input type="checkbox" checked={fallbackOn} onChange={(e) => setFallbackOn(e.target.checked)} />
          Answer with a static message when every target fails
        </label>
        {fallbackOn ? (
          <>
            <textarea
              className="textarea"
              rows={3}
              aria-label="Static fallback answer"
              value={fallback}
              maxLength={8000}
              aria-invalid={errors["staticFallback.content"] ? true : undefined}
              onChange={(e) => setFallback(e.target.value)}
            />
            <span className="field-hint">Returned as the assistant&apos;s message, and the request is logged as a fallback.</span>
          </>
        ) : (
          <span className="field-hint">Without one, the caller gets an error when nothing is left to try.</span>
        )}
        {fieldError("staticFallback.content") ?? fieldError("staticFallback")}
      </div>

      <div className="form-actions">
        <Button onClick={onDone} disabled={update.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" pending={update.isPending} pendingLabel="Saving…">
          Save route
        </Button>
      </div>
    </form>
  );
}
