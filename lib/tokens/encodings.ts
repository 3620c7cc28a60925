import { TextCountCache } from "./lru";

/**
 * The BPE encodings Gatehouse counts with (gpt-tokenizer, pure JS, the same
 * ranks as OpenAI's tiktoken), loaded lazily: each encoding's rank table is a
 * few MB of JS and takes 0.3-1.4 s to load on this machine, so a process that
 * never counts (the worker, most test files) never pays for it, and a gateway
 * pays once, on its first counted request (or at start: `warmEncodings`).
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

function makeCounter(mod: EncodingModule): TextCounter {
  const memo = new TextCountCache({ maxEntries: 2_048, maxChars: 8_000_000 });
  return (text) => {
    if (text.length === 0) return 0;
    if (text.length < MEMO_MIN_CHARS) return mod.countTokens(text, PLAIN_TEXT);
    const hit = memo.get(text);
    if (hit !== undefined) return hit;
    const n = mod.countTokens(text, PLAIN_TEXT);
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

/** Loads every encoding (a gateway may call it at start so no request pays the load). */
export async function warmEncodings(): Promise<void> {
  await Promise.all(ENCODINGS.map(loadEncoding));
}
