"use client";

import type { Provider } from "@/lib/providers/schema";
import { Badge, BoolBadge } from "@/components/ui/badge";
import { formatMicros, formatNumber } from "@/components/ui/format";

export function ProvidersTable({ rows }: { rows: Provider[] }) {
  return (
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
                          {m.price ? `${formatMicros(m.price.inputPerMTokMicros)} / ${formatMicros(m.price.outputPerMTokMicros)}` : "no price"}
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
  );
}
