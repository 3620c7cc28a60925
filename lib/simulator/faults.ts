import { z } from "zod";
import { seededRandom } from "./content";

/**
 * Latency, fault and content knobs of the simulator, and where they come from:
 * per request (`x-sim-*` headers) > per-server rules that match the request
 * (model, path prefix, provider; the most recently set rule first) > the
 * server-wide defaults (`POST /_sim/config` without `match`).
 */

export const FAULT_MODES = ["none", "hang", "reset", "malformed", "cut", "stall", "stream-error"] as const;

/** A mode above, or an HTTP status to answer with (400-599) in the provider's error format. */
export const Fault = z.union([
  z.enum(FAULT_MODES),
  z.string().regex(/^[45]\d\d$/, "must be an HTTP status 400-599 or one of " + FAULT_MODES.join(", ")),
]);
export type Fault = z.infer<typeof Fault>;

const Ms = z.number().int().min(0).max(600_000);

export const SimKnobs = z
  .object({
    /** Delay before the response starts (headers; the whole body when not streaming). */
    latencyMs: Ms,
    /** Uniform random extra delay in [0, latencyJitterMs), from the server's seeded PRNG. */
    latencyJitterMs: Ms,
    /** Streaming: delay after the headers before the first event. Not streaming: added to latencyMs. */
    ttftMs: Ms,
    /** Streaming: delay between events. */
    interChunkMs: Ms,
    fault: Fault,
    /** Probability in [0, 1] that `fault` applies to a request (seeded PRNG). Default 1. */
    faultRate: z.number().min(0).max(1),
    /** Apply `fault` to the first n requests of this scope only, then succeed (retry tests). */
    faultCount: z.number().int().min(0),
    /** `retry-after` header (seconds) on 429 and 503. Default 1. */
    retryAfterSeconds: z.number().int().min(0).max(86_400),
    /** cut / stall / stream-error: how many events are sent before the fault. Default: half of them. */
    cutAfterChunks: z.number().int().min(0),
    /** Pad generated replies to this many words. */
    replyWords: z.number().int().min(0).max(20_000),
    /** Answer with exactly this text. */
    reply: z.string().max(1_000_000),
    /** Answer with the last user turn, verbatim. */
    echo: z.boolean(),
    /** Report this many cached prompt tokens (capped at the prompt size). */
    cachedTokens: z.number().int().min(0),
    /** Report this many reasoning / thinking tokens. */
    reasoningTokens: z.number().int().min(0),
  })
  .partial()
  .strict();
export type SimKnobs = z.infer<typeof SimKnobs>;

export const Provider = z.enum(["openai", "azure", "anthropic", "gemini"]);
export type Provider = z.infer<typeof Provider>;

export const SimMatch = z
  .object({
    model: z.string().min(1).optional(),
    pathPrefix: z.string().startsWith("/").optional(),
    provider: Provider.optional(),
  })
  .strict();
export type SimMatch = z.infer<typeof SimMatch>;

/** Body of `POST /_sim/config`: knobs for the whole server, or for the requests that `match`. */
export const SimConfigInput = SimKnobs.extend({ match: SimMatch.optional() }).strict();
export type SimConfigInput = z.infer<typeof SimConfigInput>;

/** Header name -> knob. Values are parsed with the knob's schema. */
const HEADER_KNOBS: Record<string, keyof SimKnobs> = {
  "x-sim-fault": "fault",
  "x-sim-latency-ms": "latencyMs",
  "x-sim-latency-jitter-ms": "latencyJitterMs",
  "x-sim-ttft-ms": "ttftMs",
  "x-sim-inter-chunk-ms": "interChunkMs",
  "x-sim-retry-after": "retryAfterSeconds",
  "x-sim-cut-after": "cutAfterChunks",
  "x-sim-reply-words": "replyWords",
  "x-sim-reply": "reply",
  "x-sim-echo": "echo",
  "x-sim-cached-tokens": "cachedTokens",
  "x-sim-reasoning-tokens": "reasoningTokens",
};

export class KnobHeaderError extends Error {
  override name = "KnobHeaderError";
}

/** Per-request knobs from `x-sim-*` headers; throws KnobHeaderError naming the bad header. */
export function knobsFromHeaders(headers: Record<string, string | string[] | undefined>): SimKnobs {
  const raw: Record<string, unknown> = {};
  for (const [header, knob] of Object.entries(HEADER_KNOBS)) {
    const value = headers[header];
    if (typeof value !== "string") continue;
    const shape = SimKnobs.shape[knob].unwrap();
    if (shape instanceof z.ZodBoolean) raw[knob] = value === "1" || value === "true";
    else if (shape instanceof z.ZodNumber) raw[knob] = Number(value);
    else raw[knob] = value;
  }
  const parsed = SimKnobs.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const knob = String(issue?.path[0] ?? "");
    const header = Object.entries(HEADER_KNOBS).find(([, k]) => k === knob)?.[0] ?? "x-sim-*";
    throw new KnobHeaderError(`invalid ${header} header: ${issue?.message ?? "bad value"}`);
  }
  return parsed.data;
}

export interface RequestFacts {
  provider: Provider;
  path: string;
  model: string | undefined;
}

interface Scope {
  id: string;
  match: SimMatch | null;
  knobs: SimKnobs;
  /** Requests this scope has failed so far (for faultCount). */
  faulted: number;
}

export interface ConfigSnapshot {
  defaults: SimKnobs & { faulted: number };
  rules: Array<{ id: string; match: SimMatch; knobs: SimKnobs; faulted: number }>;
}

function matches(match: SimMatch, facts: RequestFacts): boolean {
  if (match.model !== undefined && match.model !== facts.model) return false;
  if (match.pathPrefix !== undefined && !facts.path.startsWith(match.pathPrefix)) return false;
  if (match.provider !== undefined && match.provider !== facts.provider) return false;
  return true;
}

/** The server's knob configuration: defaults plus rules, with fault counters. */
export class SimConfigStore {
  private defaults: Scope;
  private rules: Scope[] = [];
  private nextId = 1;
  private random: () => number;

  constructor(
    private readonly initial: SimKnobs = {},
    private readonly seed = 42,
  ) {
    this.defaults = { id: "defaults", match: null, knobs: { ...initial }, faulted: 0 };
    this.random = seededRandom(seed);
  }

  /**
   * Without `match`: replaces the server-wide defaults. With `match`: replaces
   * the rule with the same match (or adds one). Counters of the scope restart.
   */
  set(input: SimConfigInput): ConfigSnapshot {
    const { match, ...knobs } = SimConfigInput.parse(input);
    if (!match || Object.keys(match).length === 0) {
      this.defaults = { id: "defaults", match: null, knobs, faulted: 0 };
    } else {
      const key = JSON.stringify([match.model, match.pathPrefix, match.provider]);
      this.rules = this.rules.filter((r) => JSON.stringify([r.match?.model, r.match?.pathPrefix, r.match?.provider]) !== key);
      this.rules.push({ id: `rule_${this.nextId++}`, match, knobs, faulted: 0 });
    }
    return this.snapshot();
  }

  /** Back to the options the server was created with; rules, counters and the PRNG restart. */
  reset(): ConfigSnapshot {
    this.defaults = { id: "defaults", match: null, knobs: { ...this.initial }, faulted: 0 };
    this.rules = [];
    this.random = seededRandom(this.seed);
    return this.snapshot();
  }

  snapshot(): ConfigSnapshot {
    return {
      defaults: { ...this.defaults.knobs, faulted: this.defaults.faulted },
      rules: this.rules.map((r) => ({ id: r.id, match: r.match ?? {}, knobs: { ...r.knobs }, faulted: r.faulted })),
    };
  }

  /** A uniform float in [0, 1) from the server's seeded PRNG (latency jitter). */
  next(): number {
    return this.random();
  }

  private scopes(facts: RequestFacts): Scope[] {
    return [...this.rules.filter((r) => r.match && matches(r.match, facts)).reverse(), this.defaults];
  }

  /** The knobs of a request: header knobs > matching rules (newest first) > defaults, knob by knob. */
  knobs(facts: RequestFacts, headerKnobs: SimKnobs = {}): SimKnobs {
    const knobs: SimKnobs = {};
    for (const scope of this.scopes(facts).reverse()) Object.assign(knobs, scope.knobs);
    return Object.assign(knobs, headerKnobs);
  }

  /**
   * The fault to apply to a request, or null. A header fault always applies.
   * Otherwise the highest-precedence scope that sets `fault` decides, with its
   * `faultRate` (seeded PRNG) and `faultCount` (first n requests); this counts.
   */
  fault(facts: RequestFacts, headerKnobs: SimKnobs = {}): Fault | null {
    if (headerKnobs.fault !== undefined) return headerKnobs.fault === "none" ? null : headerKnobs.fault;
    const owner = this.scopes(facts).find((s) => s.knobs.fault !== undefined);
    if (!owner || owner.knobs.fault === undefined || owner.knobs.fault === "none") return null;
    const { faultRate, faultCount } = owner.knobs;
    if (faultCount !== undefined && owner.faulted >= faultCount) return null;
    if (faultRate !== undefined && this.random() >= faultRate) return null;
    owner.faulted++;
    return owner.knobs.fault;
  }
}

/** true for faults that answer with an HTTP error status. */
export function faultStatus(fault: Fault | null): number | null {
  return fault !== null && /^\d{3}$/.test(fault) ? Number(fault) : null;
}
