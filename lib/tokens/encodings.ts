import { TextCountCache } from "./lru";

/**
 * The BPE encodings Gatehouse counts with (gpt-tokenizer, pure JS, the same
 * ranks as OpenAI's tiktoken), loaded lazily: each encoding's rank table is a
 * few MB of JS and takes 0.3-1.4 s to load on this machine, so a process that
 * never counts (the worker, most test files) never pays for it, and a gateway
 * pays once, on its first counted request (or earlier: the gateway loads the
 * encodings its config snapshot's models use, `warmEncodingsFor` in index.ts).
 *
 * Counting treats special-token text (`<|endoftext|>`) in a prompt as plain
 * text, as OpenAI's API does; gpt-tokenizer's default would throw on it.
 */

export type EncodingName = "o200k_base" | "cl100k_base";

export const ENCODINGS: readonly EncodingName[] = ["o200k_base", "cl100k_base"];

/** Counts the tokens of one string. */
export type TextCounter = (text: string) => number;

interface EncodingModule {
  countTokens(text: string, opts: { disallowedSpecial: Set<string> }): number;
}

const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

const loading = new Map<EncodingName, Promise<TextCounter>>();
const loaded = new Map<EncodingName, TextCounter>();

async function importEncoding(name: EncodingName): Promise<EncodingModule> {
  switch (name) {
    case "o200k_base":
      return (await import("gpt-tokenizer/encoding/o200k_base")) as EncodingModule;
    case "cl100k_base":
      return (await import("gpt-tokenizer/encoding/cl100k_base")) as EncodingModule;
  }
}

/**
 * Strings at least this long are memoised per encoding (system prompts and
 * conversation history are re-sent on every turn); shorter ones are counted
 * each time (a lookup would cost about as much as the count).
 */
export const MEMO_MIN_CHARS = 256;

/** Longest piece counted in one call; longer texts are cut before a space (see countSegmented). */
export const SEGMENT_CHARS = 1_024;
/** A run with no whitespace in a whole segment is cut every this many characters. */
export const HARD_CUT_CHARS = 128;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Before a single space between two non-space characters: where the encodings' pre-tokeniser always starts a new piece. */
function isCut(text: string, i: number): boolean {
  return text.charCodeAt(i) === 32 && !isSpace(text.charCodeAt(i - 1)) && !isSpace(text.charCodeAt(i + 1));
}

/**
 * Counts `text` in segments. BPE is quadratic in the length of one
 * pre-tokenised piece: a prompt of one 900 KB "word" took minutes in one call
 * (80 KB: 2.7 s). Cutting before a single space between two non-space
 * characters keeps the count exact (the space starts the next piece either
 * way); a run with no such space for a whole segment is cut every 128
 * characters, which can only add a token per cut (an over-count, safe for
 * budgets) and keeps counting linear in the input.
 */
export function countSegmented(count: (piece: string) => number, text: string): number {
  if (text.length <= SEGMENT_CHARS) return count(text);
  let n = 0;
  let start = 0;
  while (text.length - start > SEGMENT_CHARS) {
    let cut = start + SEGMENT_CHARS;
    while (cut > start && !isCut(text, cut)) cut--;
    if (cut <= start) cut = start + HARD_CUT_CHARS;
    n += count(text.slice(start, cut));
    start = cut;
  }
  return n + count(text.slice(start));
}

function makeCounter(mod: EncodingModule): TextCounter {
  const memo = new TextCountCache({ maxEntries: 2_048, maxChars: 8_000_000 });
  const count = (piece: string): number => mod.countTokens(piece, PLAIN_TEXT);
  return (text) => {
    if (text.length === 0) return 0;
    if (text.length < MEMO_MIN_CHARS) return count(text);
    const hit = memo.get(text);
    if (hit !== undefined) return hit;
    const n = countSegmented(count, text);
    memo.set(text, n);
    return n;
  };
}

/** The counter of an encoding, loading it on first use (concurrent callers share one load). */
export function loadEncoding(name: EncodingName): Promise<TextCounter> {
  const ready = loaded.get(name);
  if (ready) return Promise.resolve(ready);
  let p = loading.get(name);
  if (!p) {
    p = importEncoding(name).then((mod) => {
      const counter = makeCounter(mod);
      loaded.set(name, counter);
      return counter;
    });
    p.catch(() => loading.delete(name));
    loading.set(name, p);
  }
  return p;
}

/** The counter when the encoding is loaded already (the hot path: no await), else undefined. */
export function loadedEncoding(name: EncodingName): TextCounter | undefined {
  return loaded.get(name);
}
