"use client";

import Link from "next/link";
import { useState } from "react";
import type { Prompt } from "@/lib/prompts/schema";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { CreatePromptDialog } from "./create-prompt-dialog";
import { LabelBadge } from "./label-badge";
import { usePrompts } from "./use-prompts";

function PromptRow({ slug, prompt, featureLabel }: { slug: string; prompt: Prompt; featureLabel: (id: string | null, none?: string) => string }) {
  const latest = prompt.versions[0];
  return (
    <tr data-prompt={prompt.name}>
      <td>
        <Link className="mono" href={`/t/${slug}/prompts/${encodeURIComponent(prompt.id)}`} aria-label={`Open prompt ${prompt.name}`}>
          {prompt.name}
        </Link>
        {prompt.description ? <div className="sub">{prompt.description}</div> : null}
      </td>
      <td>{featureLabel(prompt.featureId, "none")}</td>
      <td>
        <div className="badges" aria-label="Labels">
          {prompt.labels.length === 0 ? <span className="muted">No labels</span> : null}
          {prompt.labels.map((l) => (
            <LabelBadge key={l.id} label={l} versions={prompt.versions} />
          ))}
        </div>
      </td>
      <td className="num">{prompt.versions.length}</td>
      <td className="nowrap">
        {latest ? (
          <>
            v{latest.version} · {formatDateTime(latest.createdAt)}
            <div className="sub">{latest.commitMessage}</div>
          </>
        ) : (
          <span className="muted">No versions yet</span>
        )}
      </td>
    </tr>
  );
}

export function PromptsView() {
  const { slug } = useTenant();
  const canWrite = useCan("prompts:write");
  const prompts = usePrompts(slug);
  const featureLabel = useFeatureLabel(slug);
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Prompts"
        description="Versioned prompt templates. Applications call a prompt by name and label (support-reply@production); moving a label rolls forward or back without a deploy."
        actions={
          canWrite ? (
            <Button variant="primary" onClick={() => setCreating(true)}>
              New prompt
            </Button>
          ) : null
        }
      />
      <QueryView
        query={prompts}
        what="prompts"
        emptyTitle="No prompts yet"
        empty="Prompts appear here with their versions and the labels (production, staging) that point at them."
      >
        {(rows) => (
          <div className="table-wrap">
            <table className="table" aria-label="Prompts">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Feature</th>
                  <th>Labels</th>
                  <th className="num">Versions</th>
                  <th>Latest version</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((p) => (
                  <PromptRow key={p.id} slug={slug} prompt={p} featureLabel={featureLabel} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
      {canWrite ? <CreatePromptDialog slug={slug} open={creating} onClose={() => setCreating(false)} /> : null}
    </>
  );
}
