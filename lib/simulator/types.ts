import type { IncomingHttpHeaders } from "node:http";
import type { PromptCache } from "./content";
import type { Provider, SimKnobs } from "./faults";
import type { Plan, StreamEvent } from "./http";

/** One request as a wire-format module sees it. */
export interface SimRequest {
  /** Sequence number of the request on this server (also in the `x-sim-request-seq` header). */
  seq: number;
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when there was none). */
  body: unknown;
  /** Named groups of the route pattern (model, deployment, action...). */
  params: Record<string, string>;
  knobs: SimKnobs;
  promptCache: PromptCache;
  models: readonly string[];
}

export interface Route {
  method: "GET" | "POST";
  /** Matched against the path without the query string; named groups become `params`. */
  pattern: RegExp;
  /** Optional extra condition (e.g. `GET /v1/models` is Anthropic's listing when `anthropic-version` is sent). */
  when?(req: Pick<SimRequest, "headers">): boolean;
  /** The model named by the request (body, deployment or path), for per-model config. */
  model(req: Pick<SimRequest, "body" | "params">): string | undefined;
  /** Whether the request asks for a stream (decides nothing but the recorded `stream` flag). */
  stream(req: Pick<SimRequest, "body" | "params" | "url">): boolean;
  handle(req: SimRequest): Plan;
}

export interface WireFormat {
  provider: Provider;
  routes: Route[];
  /** Throws SimHttpError when the request carries no (or, with `apiKey` set, a wrong) credential. */
  authenticate(req: Pick<SimRequest, "headers" | "url">, apiKey: string | undefined): void;
  /** The provider's own error body for a status. */
  errorBody(status: number, message: string, extra?: { code?: string | undefined; retryAfterSeconds?: number | undefined }): unknown;
  /** The provider's in-stream error event (`stream-error` fault). */
  streamErrorEvent(): StreamEvent;
}
