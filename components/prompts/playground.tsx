"use client";

import Link from "next/link";
import { useId, useState, type FormEvent } from "react";
import { z } from "zod";
import { PlaygroundInput, PromptVariableSpec, type Prompt, type PlaygroundResult } from "@/lib/prompts/schema";
import { ApiError } from "@/components/api/client";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatJson, formatMs } from "@/components/ui/format";
import { ErrorAlert } from "@/components/ui/states";
import { useRunPlayground } from "./use-run-playground";

/** The parts of a gateway answer the playground shows; anything else is in the raw body. */
const ChatAnswer = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable().optional() }).loose(), finish_reason: z.string().nullable().optional() }).loose()),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).loose().optional(),
});
const GatewayError = z.object({ error: z.object({ message: z.string(), code: z.string().nullable().optional(), param: z.string().nullable().optional() }).loose() });

type Values = Record<string, string | boolean>;

function specsOf(variables: Record<string, unknown>): Array<[string, PromptVariableSpec]> {
  const out: Array<[string, PromptVariableSpec]> = [];
  for (const [name, raw] of Object.entries(variables)) {
    const spec = PromptVariableSpec.safeParse(raw);
    if (spec.success) out.push([name, spec.data]);
  }
  return out;
}

/** Form values -> typed variables: numbers parsed, empty optional ones left out (the gateway says what is missing). */
function toVariables(specs: Array<[string, PromptVariableSpec]>, values: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of specs) {
    const v = values[name];
    if (spec.type === "boolean") out[name] = v === true;
    else if (typeof v === "string" && v !== "") out[name] = spec.type === "number" ? Number(v) : v;
  }
  return out;
}

function Result({ slug, result }: { slug: string; result: PlaygroundResult }) {
  const ok = result.status >= 200 && result.status < 300;
  const answer = ChatAnswer.safeParse(result.body);
  const error = GatewayError.safeParse(result.body);
  const h = result.headers;
  const requestId = h["x-gatehouse-request-id"];
  const latency = h["x-gatehouse-latency-ms"];
  const cost = h["x-gatehouse-cost-usd"];
  return (
    <div className="stack" role="region" aria-label="Playground result">
      <div className="row" style={{ flexWrap: "wrap", gap: 12 }}>
        <Badge tone={ok ? "success" : "danger"}>HTTP {result.status}</Badge>
        <span>
          <span className="muted">Target </span>
          <span className="mono" data-testid="playground-target">
            {h["x-gatehouse-target"] ?? "—"}
          </span>
        </span>
        <span>
          <span className="muted">Latency </span>
          {latency ? formatMs(Number(latency)) : "—"}
        </span>
        <span>
          <span className="muted">Cost </span>
          {cost ? `$${cost}` : "—"}
        </span>
        <span>
          <span className="muted">Model </span>
          <span className="mono">{result.model}</span>
        </span>
        {answer.success && answer.data.usage ? (
          <span className="muted">
            {answer.data.usage.prompt_tokens} + {answer.data.usage.completion_tokens} tokens
          </span>
        ) : null}
        {requestId ? (
          <Link href={`/t/${slug}/requests/${encodeURIComponent(requestId)}`} className="mono">
            {requestId}
          </Link>
        ) : null}
      </div>
      {answer.success ? (
        <div className="answer" aria-label="Answer">
          {answer.data.choices[0]?.message.content ?? <span className="muted">(no text)</span>}
        </div>
      ) : error.success ? (
        <div className="alert alert-error" role="alert">
          <strong>{error.data.error.code ?? "error"}: </strong>
          {error.data.error.message}
        </div>
      ) : null}
      <details>
        <summary>Raw response</summary>
        <pre className="code">{formatJson(result.body)}</pre>
      </details>
    </div>
  );
}

/**
 * Runs a version through the real gateway (the simulator in the demo) with
 * the variables filled in: the same pipeline as production traffic, so kill
 * switches, guards, routing and the request log all apply.
 */
export function Playground({ slug, prompt, versionId, onVersionChange }: { slug: string; prompt: Prompt; versionId: string; onVersionChange: (id: string) => void }) {
  const id = useId();
  const run = useRunPlayground(slug, prompt.id);
  const version = prompt.versions.find((v) => v.id === versionId) ?? prompt.versions[0];
  const specs = version ? specsOf(version.variables) : [];
  const [values, setValues] = useState<Values>({});
  const [model, setModel] = useState("");
  const defaultModel = typeof version?.params.model === "string" ? version.params.model : "";

  if (!version) return <p className="muted">Save a version to try it here.</p>;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!version) return;
    const input = PlaygroundInput.parse({ versionId: version.id, variables: toVariables(specs, values), ...(model.trim() ? { model: model.trim() } : {}) });
    run.mutate(input);
  }

  const serverField = run.error instanceof ApiError ? run.error.param : null;
  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="Playground">
      <div className="form-row">
        <div className="field">
          <label htmlFor={`${id}-version`}>Version</label>
          <select id={`${id}-version`} className="select" value={version.id} onChange={(e) => onVersionChange(e.target.value)}>
            {prompt.versions.map((v) => (
              <option key={v.id} value={v.id}>
                v{v.version} · {v.commitMessage || "no message"}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-model`}>Model or route (optional)</label>
          <input id={`${id}-model`} className="input mono" value={model} placeholder={defaultModel || "the feature's route"} onChange={(e) => setModel(e.target.value)} />
          {serverField === "model" ? <span className="field-error">{run.error instanceof Error ? run.error.message : null}</span> : null}
        </div>
      </div>
      {specs.length ? (
        <div className="form-row">
          {specs.map(([name, spec]) => (
            <div className="field" key={`${version.id}-${name}`}>
              {spec.type === "boolean" ? (
                <label className="row">
                  <input type="checkbox" checked={values[name] === true} onChange={(e) => setValues((v) => ({ ...v, [name]: e.target.checked }))} />
                  <span className="mono">{name}</span>
                </label>
              ) : (
                <>
                  <label htmlFor={`${id}-var-${name}`}>
                    <span className="mono">{name}</span> <span className="muted">({spec.type}{spec.required ? ", required" : ""})</span>
                  </label>
                  <input
                    id={`${id}-var-${name}`}
                    className="input"
                    type={spec.type === "number" ? "number" : "text"}
                    value={typeof values[name] === "string" ? values[name] : ""}
                    onChange={(e) => setValues((v) => ({ ...v, [name]: e.target.value }))}
                  />
                </>
              )}
              {spec.description ? <span className="field-hint">{spec.description}</span> : null}
            </div>
          ))}
        </div>
      ) : (
        <p className="muted" style={{ margin: 0 }}>
          This version declares no variables.
        </p>
      )}
      {run.isError && serverField !== "model" ? <ErrorAlert error={run.error} title="Not run" /> : null}
      <div className="row">
        <Button type="submit" variant="primary" pending={run.isPending} pendingLabel="Running…">
          Run v{version.version}
        </Button>
      </div>
      {run.data ? <Result slug={slug} result={run.data} /> : null}
    </form>
  );
}
