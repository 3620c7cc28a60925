"use client";

import Link from "next/link";
import { useRef, useState } from "react";
import type { Prompt, PromptVersion } from "@/lib/prompts/schema";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Button } from "@/components/ui/button";
import { formatDateTime, formatJson } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { ErrorState, Loading } from "@/components/ui/states";
import { LabelBadge } from "./label-badge";
import { LabelsPanel } from "./labels-panel";
import { Playground } from "./playground";
import { PromptDiff } from "./prompt-diff";
import { usePrompt } from "./use-prompt";
import { VersionEditor } from "./version-editor";
import { VersionStats } from "./version-stats";

function templateText(template: unknown): string {
  if (!Array.isArray(template)) return formatJson(template);
  return template
    .map((m: unknown) => {
      if (m === null || typeof m !== "object") return formatJson(m);
      const msg = m as { role?: unknown; content?: unknown };
      const content = typeof msg.content === "string" ? msg.content : formatJson(msg.content);
      return `[${String(msg.role)}]\n${content}`;
    })
    .join("\n\n");
}

function VersionsTable({
  prompt,
  canWrite,
  onCompare,
  onEditFrom,
  onTry,
}: {
  prompt: Prompt;
  canWrite: boolean;
  onCompare: (v: PromptVersion) => void;
  onEditFrom: (v: PromptVersion) => void;
  onTry: (v: PromptVersion) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Labels</th>
            <th>Commit message</th>
            <th>Template</th>
            <th className="actions">Actions</th>
          </tr>
        </thead>
        <tbody>
          {prompt.versions.map((v) => {
            const labels = prompt.labels.filter((l) => l.versionId === v.id || (l.canaryVersionId === v.id && l.canaryPercent > 0));
            return (
              <tr key={v.id} data-version={v.version}>
                <td className="nowrap">v{v.version}</td>
                <td>
                  <div className="badges">
                    {labels.map((l) => (
                      <LabelBadge key={l.id} label={l} versions={prompt.versions} />
                    ))}
                  </div>
                </td>
                <td>
                  {v.commitMessage || <span className="muted">—</span>}
                  <div className="sub">
                    {v.author ?? "unknown author"} · {formatDateTime(v.createdAt)}
                  </div>
                </td>
                <td style={{ minWidth: 200 }}>
                  <details>
                    <summary>
                      Messages
                      {Object.keys(v.variables).length ? ` · variables: ${Object.keys(v.variables).join(", ")}` : ""}
                    </summary>
                    <pre className="code">{templateText(v.template)}</pre>
                    {Object.keys(v.params).length ? <pre className="code">{formatJson(v.params)}</pre> : null}
                    {v.outputSchema !== null ? <pre className="code">{formatJson(v.outputSchema)}</pre> : null}
                  </details>
                </td>
                <td className="actions">
                  <div className="row" style={{ justifyContent: "flex-end", gap: 4 }}>
                    {prompt.versions.length > 1 ? (
                      <Button size="sm" variant="ghost" aria-label={`Compare v${v.version}`} onClick={() => onCompare(v)}>
                        Compare
                      </Button>
                    ) : null}
                    {canWrite ? (
                      <>
                        <Button size="sm" variant="ghost" aria-label={`Try v${v.version} in the playground`} onClick={() => onTry(v)}>
                          Try
                        </Button>
                        <Button size="sm" variant="ghost" aria-label={`Edit v${v.version} as a new version`} onClick={() => onEditFrom(v)}>
                          Edit as new
                        </Button>
                      </>
                    ) : null}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Detail({ slug, prompt }: { slug: string; prompt: Prompt }) {
  const canWrite = useCan("prompts:write");
  const featureLabel = useFeatureLabel(slug);
  const production = prompt.labels.find((l) => l.name === "production");
  const newest = prompt.versions[0];
  // The diff defaults to "what production serves" -> "the newest version".
  const defaultFrom = production && production.versionId !== newest?.id ? production.versionId : (prompt.versions[1]?.id ?? null);
  const [diff, setDiff] = useState<{ from: string | null; to: string | null } | null>(null);
  const from = diff?.from ?? defaultFrom;
  const to = diff?.to ?? newest?.id ?? null;
  const [editing, setEditing] = useState<{ base: PromptVersion | null } | null>(null);
  const [playVersion, setPlayVersion] = useState<string | null>(null);
  const diffRef = useRef<HTMLDivElement>(null);
  const playRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<HTMLDivElement>(null);
  const scroll = (el: HTMLElement | null) => el?.scrollIntoView({ behavior: "smooth", block: "start" });

  return (
    <>
      <PageHeader
        title={prompt.name}
        description={
          <>
            {prompt.description || "No description."} · Feature: {featureLabel(prompt.featureId, "none")} · call it as{" "}
            <code>
              {"{"} &quot;prompt&quot;: {"{"} &quot;name&quot;: &quot;{prompt.name}&quot;, &quot;label&quot;: &quot;production&quot; {"}"} {"}"}
            </code>
          </>
        }
        actions={
          <>
            {canWrite ? (
              <Button
                variant="primary"
                disabled={editing !== null}
                onClick={() => {
                  setEditing({ base: newest ?? null });
                  requestAnimationFrame(() => scroll(editorRef.current));
                }}
              >
                New version
              </Button>
            ) : null}
            <Link className="btn" href={`/t/${slug}/prompts`}>
              All prompts
            </Link>
          </>
        }
      />

      <div ref={editorRef}>
        {editing ? (
          <VersionEditor
            key={editing.base?.id ?? "empty"}
            slug={slug}
            prompt={prompt}
            base={editing.base}
            onCancel={() => setEditing(null)}
            onSaved={(v) => {
              setEditing(null);
              // Show what changed: the new version against what production serves.
              setDiff({ from: production?.versionId ?? newest?.id ?? null, to: v.id });
              requestAnimationFrame(() => scroll(diffRef.current));
            }}
          />
        ) : null}
      </div>

      <Section title="Labels" description="What callers of name@label get. Moving a label is the release, and the rollback; every gateway instance follows within a second.">
        <LabelsPanel prompt={prompt} />
      </Section>

      <Section title="Versions" description="Immutable once saved, newest first.">
        <VersionsTable
          prompt={prompt}
          canWrite={canWrite}
          onCompare={(v) => {
            const base = production && production.versionId !== v.id ? production.versionId : (prompt.versions.find((x) => x.version < v.version)?.id ?? from);
            setDiff({ from: base, to: v.id });
            scroll(diffRef.current);
          }}
          onEditFrom={(v) => {
            setEditing({ base: v });
            requestAnimationFrame(() => scroll(editorRef.current));
          }}
          onTry={(v) => {
            setPlayVersion(v.id);
            scroll(playRef.current);
          }}
        />
      </Section>

      <div ref={diffRef}>
        <Section title="Compare versions" description="Side by side: removed lines and words on the left, added on the right.">
          <PromptDiff slug={slug} promptId={prompt.id} versions={prompt.versions} from={from} to={to} onChange={(f, t) => setDiff({ from: f, to: t })} />
        </Section>
      </div>

      {canWrite ? (
        <div ref={playRef}>
          <Section title="Playground" description="Runs a version through the gateway with your variables: the same pipeline, route and request log as production traffic.">
            <div className="card">
              <div className="card-body">
                <Playground slug={slug} prompt={prompt} versionId={playVersion ?? production?.versionId ?? newest?.id ?? ""} onVersionChange={setPlayVersion} />
              </div>
            </div>
          </Section>
        </div>
      ) : null}

      <Section title="Traffic per version" description="Requests, errors, latency, cost and negative feedback per version, to judge a canary before ramping it up.">
        <VersionStats slug={slug} prompt={prompt} />
      </Section>
    </>
  );
}

export function PromptDetailView({ id }: { id: string }) {
  const { slug } = useTenant();
  const prompt = usePrompt(slug, id);
  if (prompt.isPending) return <Loading label="Loading prompt…" />;
  if (prompt.isError) return <ErrorState what="the prompt" error={prompt.error} onRetry={() => void prompt.refetch()} />;
  return <Detail slug={slug} prompt={prompt.data} />;
}
