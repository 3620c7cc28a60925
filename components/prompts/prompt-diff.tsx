"use client";

import type { PromptDiffCell, PromptDiffRow, PromptDiffSection, PromptVersion, PromptVersionDiff } from "@/lib/prompts/schema";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { usePromptDiff } from "./use-prompt-diff";

const FIELD_LABELS: Record<PromptDiffSection["field"], string> = {
  template: "Template",
  variables: "Variables",
  params: "Default parameters",
  outputSchema: "Output schema",
};

/** A changed line's words: removed ones struck on the left, added ones marked on the right. */
function CellText({ cell }: { cell: PromptDiffCell }) {
  if (!cell.segments) return <>{cell.text === "" ? "\u00a0" : cell.text}</>;
  return (
    <>
      {cell.segments.map((s, i) =>
        s.kind === "removed" ? (
          <del key={i}>{s.text}</del>
        ) : s.kind === "added" ? (
          <ins key={i}>{s.text}</ins>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </>
  );
}

function Side({ cell, tone }: { cell: PromptDiffCell | null; tone: "removed" | "added" | null }) {
  if (!cell)
    return (
      <>
        <td className="diff-ln diff-empty" />
        <td className="diff-side diff-empty" />
      </>
    );
  const cls = tone ? `diff-${tone}` : "";
  return (
    <>
      <td className={`diff-ln ${cls}`}>{cell.line}</td>
      <td className={`diff-side ${cls}`} data-kind={tone ?? "same"}>
        <CellText cell={cell} />
      </td>
    </>
  );
}

function Row({ row }: { row: PromptDiffRow }) {
  const changed = row.kind !== "same";
  return (
    <tr data-kind={row.kind}>
      <Side cell={row.left} tone={changed ? "removed" : null} />
      <Side cell={row.right} tone={changed ? "added" : null} />
    </tr>
  );
}

function Section({ section, from, to }: { section: PromptDiffSection; from: number; to: number }) {
  const label = FIELD_LABELS[section.field];
  return (
    <div className="table-wrap" role="region" aria-label={`${label} diff`}>
      <div className="diff-section-title">
        {label}{" "}
        {section.changed ? (
          <span className="muted">
            (<span style={{ color: "var(--success)" }}>+{section.added}</span> <span style={{ color: "var(--danger)" }}>−{section.removed}</span>)
          </span>
        ) : (
          <span className="muted">(no change)</span>
        )}
      </div>
      {section.changed || section.field === "template" ? (
        <table className="diff-table" aria-label={`${label}: v${from} → v${to}`}>
          <colgroup>
            <col style={{ width: 44 }} />
            <col />
            <col style={{ width: 44 }} />
            <col />
          </colgroup>
          <thead className="sr-only">
            <tr>
              <th>Line</th>
              <th>v{from}</th>
              <th>Line</th>
              <th>v{to}</th>
            </tr>
          </thead>
          <tbody>
            {section.rows.map((r, i) => (
              <Row key={i} row={r} />
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function DiffView({ diff }: { diff: PromptVersionDiff }) {
  if (diff.identical) return <EmptyState title="No differences">v{diff.from} and v{diff.to} have the same template, variables, parameters and output schema.</EmptyState>;
  return (
    <div className="stack">
      {diff.sections
        .filter((s) => s.changed || s.field === "template")
        .map((s) => (
          <Section key={s.field} section={s} from={diff.from} to={diff.to} />
        ))}
      {diff.sections.some((s) => !s.changed && s.field !== "template") ? (
        <p className="muted" style={{ margin: 0 }}>
          Unchanged:{" "}
          {diff.sections
            .filter((s) => !s.changed && s.field !== "template")
            .map((s) => FIELD_LABELS[s.field].toLowerCase())
            .join(", ")}
          .
        </p>
      ) : null}
    </div>
  );
}

/** Side-by-side diff of any two versions, chosen with two selects (old on the left). */
export function PromptDiff({
  slug,
  promptId,
  versions,
  from,
  to,
  onChange,
}: {
  slug: string;
  promptId: string;
  versions: PromptVersion[];
  from: string | null;
  to: string | null;
  onChange: (from: string | null, to: string | null) => void;
}) {
  const diff = usePromptDiff(slug, promptId, from, from === to ? null : to);
  if (versions.length < 2) return <EmptyState title="Nothing to compare yet">Save a second version to compare it with the first.</EmptyState>;
  const options = versions.map((v) => (
    <option key={v.id} value={v.id}>
      v{v.version} · {v.commitMessage || "no message"}
    </option>
  ));
  return (
    <div className="stack">
      <div className="filters" style={{ marginBottom: 0 }}>
        <div className="field">
          <label htmlFor="diff-from">From (left)</label>
          <select id="diff-from" className="select" value={from ?? ""} onChange={(e) => onChange(e.target.value || null, to)}>
            {options}
          </select>
        </div>
        <div className="field">
          <label htmlFor="diff-to">To (right)</label>
          <select id="diff-to" className="select" value={to ?? ""} onChange={(e) => onChange(from, e.target.value || null)}>
            {options}
          </select>
        </div>
        <Button onClick={() => onChange(to, from)} aria-label="Swap versions">
          ⇄ Swap
        </Button>
      </div>
      {from === to ? (
        <p className="muted">Pick two different versions.</p>
      ) : diff.isPending ? (
        <Loading label="Comparing…" />
      ) : diff.isError ? (
        <ErrorState what="the diff" error={diff.error} onRetry={() => void diff.refetch()} />
      ) : (
        <DiffView diff={diff.data} />
      )}
    </div>
  );
}
