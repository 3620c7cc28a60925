"use client";

import type { Prompt } from "@/lib/prompts/schema";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useTenant } from "@/components/tenant/tenant-context";
import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatJson } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { usePrompts } from "./use-prompts";

function PromptCard({ prompt, featureLabel }: { prompt: Prompt; featureLabel: (id: string | null, none?: string) => string }) {
  const labelsByVersion = new Map<string, string[]>();
  for (const l of prompt.labels) labelsByVersion.set(l.versionId, [...(labelsByVersion.get(l.versionId) ?? []), l.name]);
  return (
    <section className="card" aria-label={`Prompt ${prompt.name}`}>
      <div className="card-body">
        <div className="section-header">
          <div>
            <h2 className="mono">{prompt.name}</h2>
            <p>
              {prompt.description || "No description."} · Feature: {featureLabel(prompt.featureId, "none")} · {prompt.versions.length}{" "}
              {prompt.versions.length === 1 ? "version" : "versions"}
            </p>
          </div>
          <div className="badges" aria-label="Labels">
            {prompt.labels.length === 0 ? <span className="muted">No labels</span> : null}
            {prompt.labels.map((l) => (
              <Badge key={l.id} tone={l.name === "production" ? "success" : "accent"}>
                {l.name} → v{l.version}
                {l.canaryVersionId && l.canaryPercent > 0 ? ` (+${l.canaryPercent}% canary)` : ""}
                {l.protected ? " · protected" : ""}
              </Badge>
            ))}
          </div>
        </div>
        <div className="table-wrap">
          <table className="table" aria-label={`Versions of ${prompt.name}`}>
            <thead>
              <tr>
                <th>Version</th>
                <th>Labels</th>
                <th>Commit message</th>
                <th>Created</th>
                <th>Template</th>
              </tr>
            </thead>
            <tbody>
              {prompt.versions.map((v) => (
                <tr key={v.id}>
                  <td className="nowrap">v{v.version}</td>
                  <td>
                    <div className="badges">
                      {(labelsByVersion.get(v.id) ?? []).map((name) => (
                        <Badge key={name} tone={name === "production" ? "success" : "accent"}>
                          {name}
                        </Badge>
                      ))}
                    </div>
                  </td>
                  <td>{v.commitMessage || <span className="muted">—</span>}</td>
                  <td className="nowrap">{formatDateTime(v.createdAt)}</td>
                  <td style={{ minWidth: 280 }}>
                    <details>
                      <summary>
                        Messages
                        {Object.keys(v.variables).length ? ` · variables: ${Object.keys(v.variables).join(", ")}` : ""}
                      </summary>
                      <pre className="code">{formatJson(v.template)}</pre>
                      {Object.keys(v.params).length ? <pre className="code">{formatJson(v.params)}</pre> : null}
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

export function PromptsView() {
  const { slug } = useTenant();
  const prompts = usePrompts(slug);
  const featureLabel = useFeatureLabel(slug);
  return (
    <>
      <PageHeader
        title="Prompts"
        description="Versioned prompt templates. Applications call a prompt by name and label (support-reply@production); moving a label rolls forward or back without a deploy."
      />
      <QueryView
        query={prompts}
        what="prompts"
        emptyTitle="No prompts yet"
        empty="Prompts appear here with every saved version, its template and variables, and the labels (production, staging) that point at it."
      >
        {(rows) => (
          <div className="stack">
            {rows.map((p) => (
              <PromptCard key={p.id} prompt={p} featureLabel={featureLabel} />
            ))}
          </div>
        )}
      </QueryView>
    </>
  );
}
