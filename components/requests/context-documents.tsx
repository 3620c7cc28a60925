import { ContextDocument } from "@/lib/requests/schema";
import { Badge } from "@/components/ui/badge";
import { formatJson } from "@/components/ui/format";

/** The retrieved documents the caller passed as context, with source and retrieval score, as stored. */
export function ContextDocuments({ docs }: { docs: unknown[] }) {
  if (docs.length === 0) return <p className="muted">No retrieved context was passed.</p>;
  return (
    <ol style={{ paddingLeft: 0, listStyle: "none", margin: 0 }} aria-label="Context documents">
      {docs.map((raw, i) => {
        const parsed = ContextDocument.safeParse(raw);
        if (!parsed.success) {
          return (
            <li key={i} className="card">
              <div className="card-body">
                <pre className="code">{formatJson(raw)}</pre>
              </div>
            </li>
          );
        }
        const d = parsed.data;
        return (
          <li key={`${d.id}-${i}`} className="card">
            <div className="card-body">
              <div className="row" style={{ justifyContent: "space-between" }}>
                <span>
                  <span className="mono" title="Source">
                    {d.source}
                  </span>{" "}
                  <span className="muted mono">#{d.id}</span>
                </span>
                {d.score !== null && d.score !== undefined ? <Badge tone="info">score {d.score.toFixed(2)}</Badge> : <Badge>no score</Badge>}
              </div>
              <p style={{ whiteSpace: "pre-wrap", margin: "6px 0 0" }}>{d.text}</p>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
