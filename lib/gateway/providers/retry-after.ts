/**
 * How long the provider asks us to wait, from its response headers (and, for
 * Gemini, the RetryInfo detail of its error body). Returns milliseconds, or
 * undefined when the provider said nothing usable.
 *
 * Order of precedence, first usable wins:
 *   retry-after-ms                 OpenAI/Azure, milliseconds (may be fractional)
 *   retry-after                    seconds, or an HTTP date
 *   x-ratelimit-reset              seconds from now, a unix epoch (s or ms), or a duration ("1m30s")
 *   x-ratelimit-reset-requests /   OpenAI durations ("6m0s", "20ms"); the longer of the two
 *   x-ratelimit-reset-tokens
 *   anthropic-ratelimit-*-reset    RFC 3339 instants; the latest of those present
 */

export type HeaderBag = Record<string, string | string[] | undefined>;

export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

// Compiled once: "1h2m3.5s", "6m0s", "20ms", "1.5s", "2m".
const DURATION = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/;
const NUMBER = /^\d+(?:\.\d+)?$/;

/** "1m30s" / "20ms" / "1.5s" -> milliseconds; undefined if not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (s === "") return undefined;
  const m = DURATION.exec(s);
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined && m[4] === undefined)) return undefined;
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  return Math.round(n(1) * 3_600_000 + n(2) * 60_000 + n(3) * 1000 + n(4));
}

const EPOCH_SECONDS_MIN = 1_000_000_000; // 2001-09-09: larger numbers are instants, not delays
const EPOCH_MS_MIN = 1_000_000_000_000;

function nonNegative(ms: number): number | undefined {
  return Number.isFinite(ms) ? Math.max(0, Math.round(ms)) : undefined;
}

function parseRetryAfter(v: string, now: number): number | undefined {
  const s = v.trim();
  if (NUMBER.test(s)) return nonNegative(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : nonNegative(at - now);
}

function parseReset(v: string, now: number): number | undefined {
  const s = v.trim();
  if (NUMBER.test(s)) {
    const n = Number(s);
    if (n >= EPOCH_MS_MIN) return nonNegative(n - now);
    if (n >= EPOCH_SECONDS_MIN) return nonNegative(n * 1000 - now);
    return nonNegative(n * 1000);
  }
  const d = parseDurationMs(s);
  if (d !== undefined) return d;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : nonNegative(at - now);
}

const ANTHROPIC_RESETS = [
  "anthropic-ratelimit-requests-reset",
  "anthropic-ratelimit-tokens-reset",
  "anthropic-ratelimit-input-tokens-reset",
  "anthropic-ratelimit-output-tokens-reset",
] as const;

export function parseRetryAfterMs(headers: HeaderBag, now: number = Date.now()): number | undefined {
  const ms = headerValue(headers, "retry-after-ms");
  if (ms !== undefined && NUMBER.test(ms.trim())) return nonNegative(Number(ms));

  const ra = headerValue(headers, "retry-after");
  if (ra !== undefined) {
    const v = parseRetryAfter(ra, now);
    if (v !== undefined) return v;
  }

  const reset = headerValue(headers, "x-ratelimit-reset");
  if (reset !== undefined) {
    const v = parseReset(reset, now);
    if (v !== undefined) return v;
  }

  let longest: number | undefined;
  for (const name of ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]) {
    const h = headerValue(headers, name);
    const v = h === undefined ? undefined : parseDurationMs(h);
    if (v !== undefined) longest = Math.max(longest ?? 0, v);
  }
  if (longest !== undefined) return longest;

  for (const name of ANTHROPIC_RESETS) {
    const h = headerValue(headers, name);
    if (h === undefined) continue;
    const at = Date.parse(h);
    if (!Number.isNaN(at)) longest = Math.max(longest ?? 0, at - now);
  }
  return longest === undefined ? undefined : nonNegative(longest);
}
