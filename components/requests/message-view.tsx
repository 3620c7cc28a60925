import { formatJson } from "@/components/ui/format";

/**
 * Readable views of a stored prompt and response (OpenAI chat, Anthropic
 * messages, embeddings input, error bodies), with the raw JSON one click away.
 * Whatever is shown was sanitised by the guards before it was stored.
 */

type Msg = { role: string; text: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** content: a string, or parts ([{ type: "text", text }], tool calls, images ...). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => {
        if (typeof p === "string") return p;
        if (isRecord(p) && typeof p.text === "string") return p.text;
        if (isRecord(p) && typeof p.type === "string") return `[${p.type}]`;
        return "";
      })
      .filter(Boolean)
      .join("\n");
  }
  if (content === null || content === undefined) return "";
  return formatJson(content);
}

function promptMessages(request: unknown): Msg[] | null {
  if (!isRecord(request)) return null;
  const out: Msg[] = [];
  if (request.system !== undefined) out.push({ role: "system", text: textOf(request.system) });
  if (Array.isArray(request.messages)) {
    for (const m of request.messages) {
      if (!isRecord(m)) return null;
      const calls = Array.isArray(m.tool_calls) ? m.tool_calls.length : 0;
      out.push({ role: String(m.role ?? "?"), text: textOf(m.content) + (calls ? `${m.content ? "\n" : ""}[${calls} tool call${calls === 1 ? "" : "s"}]` : "") });
    }
  } else if (request.input !== undefined) {
    const input = request.input;
    out.push({ role: "input", text: Array.isArray(input) ? input.map((x) => textOf(x)).join("\n") : textOf(input) });
  }
  return out.length ? out : null;
}

function responseMessages(response: unknown): Msg[] | null {
  if (!isRecord(response)) return null;
  if (isRecord(response.error)) return [{ role: "error", text: `${String(response.error.code ?? response.error.type ?? "error")}: ${String(response.error.message ?? "")}` }];
  if (Array.isArray(response.choices)) {
    const out = response.choices.flatMap((c): Msg[] => {
      if (!isRecord(c) || !isRecord(c.message)) return [];
      const calls = Array.isArray(c.message.tool_calls) ? c.message.tool_calls : [];
      const callText = calls.map((t) => (isRecord(t) && isRecord(t.function) ? `${String(t.function.name)}(${String(t.function.arguments ?? "")})` : "[tool call]")).join("\n");
      return [{ role: `${String(c.message.role ?? "assistant")}${c.finish_reason ? ` · ${String(c.finish_reason)}` : ""}`, text: [textOf(c.message.content), callText].filter(Boolean).join("\n") }];
    });
    return out.length ? out : null;
  }
  if (Array.isArray(response.content)) return [{ role: `assistant${response.stop_reason ? ` · ${String(response.stop_reason)}` : ""}`, text: textOf(response.content) }];
  if (Array.isArray(response.data)) return [{ role: "embeddings", text: `${response.data.length} vector${response.data.length === 1 ? "" : "s"}` }];
  return null;
}

function Messages({ messages }: { messages: Msg[] }) {
  return (
    <div className="stack" style={{ gap: 8 }}>
      {messages.map((m, i) => (
        <div key={i} className="card">
          <div className="card-body" style={{ padding: "8px 12px" }}>
            <div className="muted" style={{ fontSize: 12, textTransform: "uppercase", letterSpacing: "0.03em" }}>
              {m.role}
            </div>
            <div style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{m.text || <span className="muted">(empty)</span>}</div>
          </div>
        </div>
      ))}
    </div>
  );
}

function Raw({ value }: { value: unknown }) {
  return (
    <details>
      <summary>Raw JSON</summary>
      <pre className="code">{formatJson(value)}</pre>
    </details>
  );
}

export function PromptView({ request }: { request: unknown }) {
  if (request === null || request === undefined) return <p className="muted">Not stored.</p>;
  const messages = promptMessages(request);
  return (
    <>
      {messages ? <Messages messages={messages} /> : <pre className="code">{formatJson(request)}</pre>}
      {messages ? <Raw value={request} /> : null}
    </>
  );
}

export function ResponseView({ response, streamed }: { response: unknown; streamed: boolean }) {
  if (response === null || response === undefined) return <p className="muted">{streamed ? "Streamed; no assembled response was stored." : "No response body."}</p>;
  const messages = responseMessages(response);
  return (
    <>
      {messages ? <Messages messages={messages} /> : <pre className="code">{formatJson(response)}</pre>}
      {messages ? <Raw value={response} /> : null}
    </>
  );
}
