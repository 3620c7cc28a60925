"use client";

import { FlagAttribute, FlagOperator } from "@/lib/flags/schema";
import { Button } from "@/components/ui/button";
import { ATTRIBUTE_LABELS, OPERATOR_LABELS, newCondition, newRule, type ConditionRow, type FormErrors, type RuleRow } from "./flag-form";

function FieldError({ message }: { message: string | undefined }) {
  return message ? (
    <span className="field-error" role="alert">
      {message}
    </span>
  ) : null;
}

/** Errors under `rules.<i>.conditions.<j>` (the condition, or one of its fields). */
function conditionErrors(errors: FormErrors, i: number, j: number): string[] {
  const prefix = `rules.${i}.conditions.${j}`;
  return Object.entries(errors)
    .filter(([k]) => k === prefix || k.startsWith(`${prefix}.`))
    .map(([k, v]) => (k === prefix ? String(v) : `${k.slice(prefix.length + 1)}: ${v}`));
}

function ConditionEditor({
  c,
  label,
  errors,
  onChange,
  onRemove,
}: {
  c: ConditionRow;
  label: string;
  errors: string[];
  onChange: (patch: Partial<ConditionRow>) => void;
  onRemove: () => void;
}) {
  return (
    <li className="condition-row">
      <div className="row" style={{ flexWrap: "wrap", alignItems: "flex-start" }}>
        <select className="select select-sm" aria-label={`${label} attribute`} value={c.attribute} onChange={(e) => onChange({ attribute: FlagAttribute.parse(e.target.value) })}>
          {FlagAttribute.options.map((a) => (
            <option key={a} value={a}>
              {ATTRIBUTE_LABELS[a]}
            </option>
          ))}
        </select>
        {c.attribute === "metadata" ? (
          <input className="input" style={{ width: 140, padding: "3px 6px" }} aria-label={`${label} metadata key`} placeholder="metadata key" value={c.metaKey} onChange={(e) => onChange({ metaKey: e.target.value })} />
        ) : null}
        <select className="select select-sm" aria-label={`${label} operator`} value={c.op} onChange={(e) => onChange({ op: FlagOperator.parse(e.target.value) })}>
          {FlagOperator.options.map((o) => (
            <option key={o} value={o}>
              {OPERATOR_LABELS[o]}
            </option>
          ))}
        </select>
        {c.op === "eq" || c.op === "starts_with" ? (
          <input className="input" style={{ width: 220, padding: "3px 6px" }} aria-label={`${label} value`} value={c.value} onChange={(e) => onChange({ value: e.target.value })} />
        ) : null}
        {c.op === "in" || c.op === "not_in" ? (
          <textarea
            className="textarea"
            style={{ width: 260, padding: "3px 6px" }}
            rows={2}
            aria-label={`${label} values`}
            placeholder="one per line, or comma-separated"
            value={c.values}
            onChange={(e) => onChange({ values: e.target.value })}
          />
        ) : null}
        <Button size="sm" variant="ghost-danger" aria-label={`Remove ${label.toLowerCase()}`} onClick={onRemove}>
          Remove
        </Button>
      </div>
      {errors.length ? (
        <div className="field-error" role="alert">
          {errors.join("; ")}
        </div>
      ) : null}
    </li>
  );
}

/**
 * Targeting rules, tried in order: a rule applies when all its conditions
 * match (none = everyone) and the end-user falls inside its percentage
 * (sticky bucketing; empty = the flag's rollout). The first rule that applies
 * serves its value (default true); nobody matched = off.
 */
export function RulesEditor({ rules, errors, onChange }: { rules: RuleRow[]; errors: FormErrors; onChange: (rules: RuleRow[]) => void }) {
  const setRule = (i: number, patch: Partial<RuleRow>) => onChange(rules.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  const setCondition = (i: number, j: number, patch: Partial<ConditionRow>) =>
    setRule(i, { conditions: (rules[i]?.conditions ?? []).map((c, k) => (k === j ? { ...c, ...patch } : c)) });
  const move = (i: number, by: -1 | 1) => {
    const next = [...rules];
    const [row] = next.splice(i, 1);
    if (row) next.splice(i + by, 0, row);
    onChange(next);
  };

  return (
    <div className="field">
      <span className="field-label">Rules</span>
      <span className="field-hint">
        Tried in order; the first rule whose conditions all match (and whose percentage includes the end-user) applies. With no rules, the rollout percentage
        applies to everyone.
      </span>
      {rules.length === 0 ? <p className="muted" style={{ margin: 0 }}>No rules.</p> : null}
      <ol className="rules-list" aria-label="Rules">
        {rules.map((r, i) => {
          const n = i + 1;
          return (
            <li key={r.key} className="rule-card" aria-label={`Rule ${n}`}>
              <div className="row" style={{ justifyContent: "space-between" }}>
                <strong>Rule {n}</strong>
                <div className="row" style={{ gap: 4 }}>
                  <Button size="sm" variant="ghost" disabled={i === 0} aria-label={`Move rule ${n} up`} onClick={() => move(i, -1)}>
                    ↑
                  </Button>
                  <Button size="sm" variant="ghost" disabled={i === rules.length - 1} aria-label={`Move rule ${n} down`} onClick={() => move(i, 1)}>
                    ↓
                  </Button>
                  <Button size="sm" variant="ghost-danger" aria-label={`Remove rule ${n}`} onClick={() => onChange(rules.filter((_, k) => k !== i))}>
                    Remove rule
                  </Button>
                </div>
              </div>
              <FieldError message={errors[`rules.${i}`]} />
              <div className="field">
                <label htmlFor={`${r.key}-desc`}>Description (optional)</label>
                <input id={`${r.key}-desc`} className="input" value={r.description} maxLength={500} onChange={(e) => setRule(i, { description: e.target.value })} />
              </div>
              <div className="field">
                <span className="field-label">Conditions (all must match; none = everyone)</span>
                <ul className="conditions-list">
                  {r.conditions.map((c, j) => (
                    <ConditionEditor
                      key={c.key}
                      c={c}
                      label={`Rule ${n} condition ${j + 1}`}
                      errors={conditionErrors(errors, i, j)}
                      onChange={(patch) => setCondition(i, j, patch)}
                      onRemove={() => setRule(i, { conditions: r.conditions.filter((_, k) => k !== j) })}
                    />
                  ))}
                </ul>
                <FieldError message={errors[`rules.${i}.conditions`]} />
                <div>
                  <Button size="sm" onClick={() => setRule(i, { conditions: [...r.conditions, newCondition()] })}>
                    Add condition
                  </Button>
                </div>
              </div>
              <div className="form-row">
                <div className="field">
                  <label htmlFor={`${r.key}-pct`}>Percentage of matching end-users</label>
                  <input
                    id={`${r.key}-pct`}
                    className="input"
                    type="number"
                    min={0}
                    max={100}
                    step={1}
                    placeholder="flag's rollout"
                    aria-invalid={errors[`rules.${i}.rolloutPercent`] ? true : undefined}
                    value={r.percent}
                    onChange={(e) => setRule(i, { percent: e.target.value })}
                  />
                  <span className="field-hint">Empty: the flag&apos;s rollout percentage.</span>
                  <FieldError message={errors[`rules.${i}.rolloutPercent`]} />
                </div>
                <div className="field">
                  <label htmlFor={`${r.key}-variant`}>Variant (optional)</label>
                  <input id={`${r.key}-variant`} className="input" placeholder="on" value={r.variant} maxLength={64} onChange={(e) => setRule(i, { variant: e.target.value })} />
                  <FieldError message={errors[`rules.${i}.variant`]} />
                </div>
                <div className="field">
                  <label htmlFor={`${r.key}-value`}>Value served (JSON, optional)</label>
                  <input
                    id={`${r.key}-value`}
                    className="input mono"
                    placeholder="true"
                    aria-invalid={errors[`rules.${i}.value`] ? true : undefined}
                    value={r.value}
                    onChange={(e) => setRule(i, { value: e.target.value })}
                  />
                  <FieldError message={errors[`rules.${i}.value`]} />
                </div>
              </div>
            </li>
          );
        })}
      </ol>
      <FieldError message={errors.rules} />
      <div>
        <Button size="sm" onClick={() => onChange([...rules, newRule()])} disabled={rules.length >= 100}>
          Add rule
        </Button>
      </div>
    </div>
  );
}
