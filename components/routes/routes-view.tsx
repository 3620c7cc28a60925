"use client";

import { useTenant } from "@/components/tenant/tenant-context";
import { Badge, BoolBadge } from "@/components/ui/badge";
import { formatJson, formatMicros, formatMs, formatNumber } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { useProviders } from "./use-providers";
import { useRoutes } from "./use-routes";

const CIRCUIT: Record<string, string> = { forced_open: "circuit forced open", forced_closed: "circuit forced closed" };

export function RoutesView() {
  const { slug } = useTenant();
  const routes = useRoutes(slug);
  const providers = useProviders(slug);

  return (
    <>
      <PageHeader
        title="Routes & providers"
        description="A route is what applications call as a model name: an ordered chain of provider targets, tried in turn with retries, timeouts and circuit breakers, closing with an optional static answer."
      />
      <Section title="Routes">
        <QueryView
          query={routes}
          what="routes"
          emptyTitle="No routes"
          empty="Routes appear here with their alias (the model name callers use), their targets in order and their static fallback."
        >
          {(rows) => (
            <div className="table-wrap">
              <table className="table" aria-label="Routes">
                <thead>
                  <tr>
                    <th>Alias</th>
                    <th>Feature</th>
                    <th>Targets, in order</th>
                    <th>Time budget</th>
                    <th>Static fallback</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <div className="mono">{r.alias}</div>
                        {r.description ? <div className="sub">{r.description}</div> : null}
                      </td>
                      <td>{r.featureKey ?? <span className="muted">—</span>}</td>
                      <td>
                        {r.targets.length === 0 ? (
                          <span className="muted">No targets</span>
                        ) : (
                          <ol className="targets">
                            {r.targets.map((t) => (
                              <li key={t.id}>
                                <span className="mono">
                                  {t.provider.name}/{t.model.name}
                                </span>{" "}
                                <span className="sub">
                                  timeout {formatMs(t.timeoutMs)}, {t.maxRetries} {t.maxRetries === 1 ? "retry" : "retries"}
                                  {t.weight !== 1 ? `, weight ${t.weight}` : ""}
                                </span>{" "}
                                {!t.enabled ? <Badge>disabled</Badge> : null}
                                {CIRCUIT[t.circuitOverride] ? <Badge tone="warning">{CIRCUIT[t.circuitOverride]}</Badge> : null}
                              </li>
                            ))}
                          </ol>
                        )}
                      </td>
                      <td className="nowrap">{formatMs(r.totalTimeoutMs)}</td>
                      <td>
                        {r.staticFallback === null ? (
                          <span className="muted">None: errors out</span>
                        ) : (
                          <details>
                            <summary>Static answer</summary>
                            <pre className="code">{formatJson(r.staticFallback)}</pre>
                          </details>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </Section>

      <Section title="Providers" description="Upstream LLM APIs. Secrets are encrypted at rest and never shown; only whether one is set.">
        <QueryView
          query={providers}
          what="providers"
          emptyTitle="No providers"
          empty="Providers (OpenAI, Anthropic, Azure OpenAI, Gemini, OpenAI-compatible servers) appear here with their models and prices."
        >
          {(rows) => (
            <div className="table-wrap">
              <table className="table" aria-label="Providers">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Kind</th>
                    <th>Base URL</th>
                    <th>Secret</th>
                    <th>Status</th>
                    <th>Models (input / output per 1M tokens)</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((p) => (
                    <tr key={p.id}>
                      <td>{p.name}</td>
                      <td>
                        <Badge>{p.kind}</Badge>
                      </td>
                      <td className="mono">{p.baseUrl}</td>
                      <td>
                        <Badge tone={p.hasSecret ? "success" : "neutral"}>{p.hasSecret ? "Set (encrypted)" : "Not set"}</Badge>
                      </td>
                      <td>
                        <BoolBadge value={p.enabled} />
                      </td>
                      <td>
                        {p.models.length === 0 ? (
                          <span className="muted">No models</span>
                        ) : (
                          <ul style={{ margin: 0, paddingLeft: 18 }}>
                            {p.models.map((m) => (
                              <li key={m.id}>
                                <span className="mono">{m.name}</span>{" "}
                                <span className="sub">
                                  {m.price
                                    ? `${formatMicros(m.price.inputPerMTokMicros)} / ${formatMicros(m.price.outputPerMTokMicros)}`
                                    : "no price"}
                                  {` · ${formatNumber(m.contextWindow)} ctx`}
                                  {m.supportsEmbeddings ? " · embeddings" : ""}
                                </span>
                                {!m.enabled ? <Badge>disabled</Badge> : null}
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </Section>
    </>
  );
}
