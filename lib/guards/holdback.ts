/**
 * The stream hold-back window of the output moderation: text reaches the
 * client only once it is outside the window (after the first sentence, if
 * `firstSentence`, and then more than `tokens` tokens, about 4 characters
 * each, behind the newest text) and the check has passed on everything
 * received up to then. When the check blocks, nothing more is released:
 * the offending text is still inside the window, so the client never sees it.
 *
 * The check runs only when something would be released and at the end, so
 * a stream of many small deltas does not rescan the text on every one.
 */

export interface HoldBackOptions {
  firstSentence: boolean;
  tokens: number;
}

export interface HoldBackStep {
  release: string;
  blocked: boolean;
}

export interface HoldBack {
  push(delta: string): HoldBackStep;
  end(): HoldBackStep;
}

export const CHARS_PER_TOKEN = 4;
/** A first "sentence" without an end mark is cut here, so a long line still streams. */
export const FIRST_SENTENCE_MAX_CHARS = 400;

/** End (exclusive) of the first sentence in `s`, or -1 while it is not complete. */
export function firstSentenceEnd(s: string, from = 0): number {
  const limit = Math.min(s.length, FIRST_SENTENCE_MAX_CHARS);
  for (let i = from; i < limit; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a) return i + 1;
    if (c === 0x2e || c === 0x21 || c === 0x3f || c === 0x3002 || c === 0xff01 || c === 0xff1f) {
      // a sentence mark counts once whitespace follows it ("3.5" and "e.g." mid-word do not end it)
      if (i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d === 0x20 || d === 0x0a || d === 0x09 || d === 0x0d || c >= 0x3000) return i + 1;
      }
    }
  }
  return s.length >= FIRST_SENTENCE_MAX_CHARS ? FIRST_SENTENCE_MAX_CHARS : -1;
}

export function createHoldBack(opts: HoldBackOptions, check: (textSoFar: string) => { block: boolean }): HoldBack {
  const windowChars = Math.max(0, Math.floor(opts.tokens)) * CHARS_PER_TOKEN;
  let text = "";
  let released = 0;
  let blocked = false;
  let sentenceDone = !opts.firstSentence;
  let scanned = 0; // where the first-sentence scan resumes

  function cut(upto: number): number {
    // never split a surrogate pair
    if (upto > 0 && upto < text.length) {
      const c = text.charCodeAt(upto - 1);
      if (c >= 0xd800 && c <= 0xdbff) return upto - 1;
    }
    return upto;
  }

  function releaseUpTo(upto: number): HoldBackStep {
    if (upto <= released) return { release: "", blocked: false };
    if (check(text).block) {
      blocked = true;
      return { release: "", blocked: true };
    }
    const out = text.slice(released, upto);
    released = upto;
    return { release: out, blocked: false };
  }

  return {
    push(delta) {
      if (blocked) return { release: "", blocked: true };
      text += delta;
      if (!sentenceDone) {
        const end = firstSentenceEnd(text, Math.max(0, scanned - 1));
        if (end < 0) {
          scanned = text.length;
          return { release: "", blocked: false };
        }
        sentenceDone = true;
        // the first sentence is released whole (once checked), then the rolling window applies
        return releaseUpTo(cut(Math.max(end, text.length - windowChars)));
      }
      return releaseUpTo(cut(text.length - windowChars));
    },
    end() {
      if (blocked) return { release: "", blocked: true };
      if (check(text).block) {
        blocked = true;
        return { release: "", blocked: true };
      }
      const out = text.slice(released);
      released = text.length;
      return { release: out, blocked: false };
    },
  };
}
