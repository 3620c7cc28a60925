/**
 * Text normalisation before the guards scan it, so that obfuscation does not
 * hide what a detector looks for:
 *
 * - Unicode compatibility forms folded (NFKC per code point, then accents
 *   stripped), so fullwidth `ｉｇｎｏｒｅ`, mathematical `𝐢𝐠𝐧𝐨𝐫𝐞` and `ìgnóre`
 *   read `ignore`;
 * - zero-width, bidi and other format controls (Unicode `Cf`), variation
 *   selectors and lone surrogates dropped; Unicode tag characters (U+E0020..
 *   U+E007E, "ASCII smuggling") read as the ASCII they shadow;
 * - Cyrillic and Greek look-alikes folded to the Latin letter they imitate;
 * - leetspeak folded inside words that mix letters and digits (`1gn0r3`),
 *   never in plain numbers (`2024` stays);
 * - HTML tags removed (their `alt`/`title` text kept), comments opened,
 *   character entities decoded; hidden markup (comments, `display:none`,
 *   `hidden`, zero font size) is counted in `hidden`;
 * - whitespace runs collapsed to one space (one newline where a newline was);
 * - base64, hex and URL-encoded runs decoded and appended after the text
 *   (normalised the same way), so a detector sees the payload too.
 *
 * `map(i)` gives the offset in the original text of offset `i` of the
 * normalised text (`map(text.length)` is the original length), so findings
 * become spans over what the caller sent. Characters of an appended decoded
 * run map proportionally onto the encoded run they came from.
 *
 * Every step is a single left-to-right pass with bounded look-ahead: linear
 * in the input, whatever the input.
 */

export interface NormalizeOptions {
  /** Fold leetspeak (default true). PII detection turns it off: digits are data there. */
  leet?: boolean;
  /** Decode base64 / hex / URL-encoded runs and append them (default true). */
  decode?: boolean;
  /** Remove HTML tags and decode entities (default true). */
  html?: boolean;
}

export interface NormalizedText {
  text: string;
  /** Original offset of normalised offset `i` (0..text.length). */
  map: (i: number) => number;
  /** Offset in `text` where appended decoded payloads start (= text.length when none). */
  decodedFrom: number;
  /** How many encoded runs were decoded and appended. */
  decoded: number;
  /** How many hidden-markup constructs were found (comments, hidden elements). */
  hidden: number;
  /** How many obfuscation characters were removed or folded (zero-width, tags, look-alikes, mixed scripts). */
  obfuscation: number;
}

/** Look-alike letters that NFKC leaves alone: Cyrillic, Greek, a few Latin extensions. */
const HOMOGLYPHS: Record<string, string> = {
  // Cyrillic lower
  "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0443": "y", "\u0445": "x",
  "\u0456": "i", "\u0458": "j", "\u0455": "s", "\u0501": "d", "\u04cf": "l", "\u0261": "g", "\u044c": "b",
  "\u043a": "k", "\u043c": "m", "\u043d": "h", "\u0442": "t", "\u0432": "b", "\u0433": "r", "\u0457": "i",
  "\u0491": "r", "\u04bb": "h", "\u051b": "q", "\u051d": "w", "\u0448": "w", "\u043f": "n", "\u0438": "u",
  // Cyrillic upper
  "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041a": "K", "\u041c": "M", "\u041d": "H", "\u041e": "O",
  "\u0420": "P", "\u0421": "C", "\u0422": "T", "\u0425": "X", "\u0406": "I", "\u0408": "J", "\u0405": "S",
  "\u0423": "Y", "\u0417": "3", "\u0411": "B", "\u04c0": "I",
  // Greek lower
  "\u03b1": "a", "\u03b2": "b", "\u03b3": "y", "\u03b5": "e", "\u03b9": "i", "\u03ba": "k", "\u03bd": "v",
  "\u03bf": "o", "\u03c1": "p", "\u03c4": "t", "\u03c5": "u", "\u03c7": "x", "\u03c9": "w", "\u03b7": "n",
  "\u03bc": "u", "\u03c2": "s", "\u03c3": "o",
  // Greek upper
  "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H", "\u0399": "I", "\u039a": "K",
  "\u039c": "M", "\u039d": "N", "\u039f": "O", "\u03a1": "P", "\u03a4": "T", "\u03a5": "Y", "\u03a7": "X",
  // Latin look-alikes NFKC keeps
  "\u0131": "i", "\u0237": "j", "\u0251": "a", "\u025b": "e", "\u0269": "i", "\u028f": "y", "\u0274": "n",
  "\u0280": "r", "\u0299": "b", "\u029c": "h", "\u1d00": "a", "\u1d04": "c", "\u1d05": "d", "\u1d07": "e",
  "\u1d0a": "j", "\u1d0b": "k", "\u1d0d": "m", "\u1d0f": "o", "\u1d18": "p", "\u1d1b": "t", "\u1d1c": "u",
  "\u1d20": "v", "\u1d21": "w", "\u1d22": "z", "\u0262": "g", "\u029f": "l", "\ua731": "s", "\u00f8": "o",
  "\u00d8": "O", "\u0142": "l", "\u0141": "L", "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe",
  "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
  "\u2032": "'", "\u2033": '"', "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-",
  "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
};

const LEET: Record<string, string> = {
  "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
  "@": "a", "$": "s", "!": "i", "|": "l",
};

const NAMED_ENTITIES: Record<string, string> = {
  lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", nbsp: " ", shy: "", zwj: "", zwnj: "", lrm: "", rlm: "",
};

const FORMAT_RE = /^[\p{Cf}\p{Cc}\p{Cs}\p{Co}\p{Cn}]$/u;
const MARK_RE = /\p{M}/gu;
const ASCII_RE = /^[\x20-\x7e]*$/;
const LATIN_RE = /[a-z]/i;

/** Per-code-point folding, memoised (the set of distinct code points in a text is small). */
const foldCache = new Map<number, string>();
function foldCodePoint(cp: number, ch: string): string {
  const cached = foldCache.get(cp);
  if (cached !== undefined) return cached;
  let out: string;
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef) || cp === 0x034f || cp === 0x115f || cp === 0x1160 || cp === 0x3164 || cp === 0xffa0 || cp === 0x2800) {
    out = ""; // variation selectors, fillers, blank braille: invisible
  } else if (cp >= 0xe0000 && cp <= 0xe007f) {
    out = cp >= 0xe0020 && cp <= 0xe007e ? String.fromCharCode(cp - 0xe0000) : "";
  } else if (cp === 0xfeff || cp === 0x180e) {
    out = ""; // BOM / Mongolian vowel separator: JavaScript's \s counts them, they are invisible formats
  } else if (HOMOGLYPHS[ch] !== undefined) {
    out = HOMOGLYPHS[ch];
  } else if (/\s/u.test(ch)) {
    out = " ";
  } else if (FORMAT_RE.test(ch)) {
    out = "";
  } else {
    const nfkc = ch.normalize("NFKC");
    const stripped = nfkc.normalize("NFD").replace(MARK_RE, "");
    let folded = "";
    for (const c of stripped) folded += HOMOGLYPHS[c] ?? c;
    out = folded.length > 0 && ASCII_RE.test(folded) ? folded : nfkc;
  }
  if (foldCache.size < 20_000) foldCache.set(cp, out);
  return out;
}

const HIDDEN_ATTR_RE = /display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9])|\shidden(?:[\s=>/]|$)|aria-hidden\s*=\s*["']?true|color\s*:\s*(?:white|#fff\b|#ffffff\b|transparent)/i;
const ATTR_TEXT_RE = /\b(?:alt|title|aria-label|content|value)\s*=\s*(?:"([^"]{0,400})"|'([^']{0,400})')/gi;

class Builder {
  private parts: string[] = [];
  private last = "\n";
  private length = 0;
  private offs: Int32Array;
  constructor(capacity: number) {
    this.offs = new Int32Array(Math.max(16, capacity));
  }
  private reserve(extra: number): void {
    if (this.length + extra <= this.offs.length) return;
    const next = new Int32Array(Math.max(this.offs.length * 2, this.length + extra));
    next.set(this.offs.subarray(0, this.length));
    this.offs = next;
  }
  emit(s: string, origin: number): void {
    if (s.length === 0) return;
    this.reserve(s.length);
    this.offs.fill(origin, this.length, this.length + s.length);
    this.parts.push(s);
    this.length += s.length;
    this.last = s[s.length - 1]!;
  }
  /** Emit `text[from, to)` unchanged, each character mapping to `base + its index`. */
  emitRange(text: string, from: number, to: number, base: number): void {
    const len = to - from;
    if (len <= 0) return;
    this.reserve(len);
    for (let k = 0; k < len; k++) this.offs[this.length + k] = base + from + k;
    this.parts.push(text.slice(from, to));
    this.length += len;
    this.last = text[to - 1]!;
  }
  /** Emit with proportional mapping onto [from, to). */
  emitSpread(s: string, from: number, to: number): void {
    if (s.length === 0) return;
    this.reserve(s.length);
    const span = Math.max(1, to - from);
    for (let k = 0; k < s.length; k++) this.offs[this.length + k] = from + Math.min(span - 1, Math.floor((k * span) / s.length));
    this.parts.push(s);
    this.length += s.length;
    this.last = s[s.length - 1]!;
  }
  /** Drops a trailing single space (before a newline). */
  dropTrailingSpace(): void {
    if (this.parts.length > 0 && this.parts[this.parts.length - 1] === " ") {
      this.parts.pop();
      this.length--;
      const prev = this.parts[this.parts.length - 1];
      this.last = prev !== undefined ? prev[prev.length - 1]! : "\n";
    }
  }
  get lastChar(): string {
    return this.last;
  }
  get size(): number {
    return this.length;
  }
  /** The last character code emitted (NaN when none). */
  lastCode(): number {
    return this.length > 0 ? this.last.charCodeAt(0) : Number.NaN;
  }
  offsets(): Int32Array {
    return this.offs.subarray(0, this.length);
  }
  toString(): string {
    return this.parts.join("");
  }
}

/** Printable ASCII that passes through unchanged (not markup starters, not space). */
function isPlain(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x3c && c !== 0x26 && c !== 0x2d;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** One pass: fold, strip, open markup, collapse whitespace. */
function foldPass(text: string, base: number, opts: Required<NormalizeOptions>, b: Builder, stats: { hidden: number; obfuscation: number }): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    // ASCII fast path: a run of plain characters and single spaces goes out as one slice
    if (isPlain(c)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (isPlain(d)) j++;
        else if (d === 0x20 && j + 1 < n && isPlain(text.charCodeAt(j + 1))) j += 2;
        else break;
      }
      b.emitRange(text, i, j, base);
      i = j;
      continue;
    }
    if (c < 0x80) {
      if (c === 0x3c /* < */ && opts.html) {
        const consumed = openTag(text, i, base, b, stats);
        if (consumed > 0) {
          i += consumed;
          continue;
        }
      } else if (c === 0x26 /* & */ && opts.html) {
        const ent = decodeEntity(text, i);
        if (ent) {
          if (ent.value.length > 0) foldPass(ent.value, base + i, opts, b, stats);
          i += ent.length;
          continue;
        }
      } else if (c === 0x2d /* - */ && opts.html && text.startsWith("-->", i)) {
        if (b.lastChar !== " " && b.lastChar !== "\n") b.emit(" ", base + i);
        i += 3;
        continue;
      }
      if (c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c) {
        if (b.lastChar !== " " && b.lastChar !== "\n") b.emit(" ", base + i);
      } else if (c === 0x0a || c === 0x0d) {
        b.dropTrailingSpace();
        if (b.lastChar !== "\n") b.emit("\n", base + i);
      } else if (c < 0x20 || c === 0x7f) {
        // control characters: dropped
      } else {
        b.emit(text[i]!, base + i);
      }
      i++;
      continue;
    }
    // Non-ASCII: one code point (lone surrogates are dropped)
    let cp = c;
    let len = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
        len = 2;
      }
    }
    const ch = text.slice(i, i + len);
    const folded = foldCodePoint(cp, ch);
    if (folded !== ch) {
      // zero-width / look-alike inside a word is obfuscation; accents and quotes are not
      if (folded === "" || (HOMOGLYPHS[ch] !== undefined && LATIN_RE.test(folded) && isAlnum(b.lastCode()))) stats.obfuscation++;
      else if (cp >= 0xe0000) stats.obfuscation++;
    }
    if (folded === " ") {
      if (b.lastChar !== " " && b.lastChar !== "\n") b.emit(" ", base + i);
    } else if (folded.length > 0) {
      b.emit(folded, base + i);
    }
    i += len;
  }
}

/** Index of char code `c` in `text[from, from + max)`, or -1: a bounded look-ahead (an unbounded indexOf per "<" would be quadratic). */
function indexWithin(text: string, c: number, from: number, max: number): number {
  const stop = Math.min(text.length, from + max);
  for (let k = from; k < stop; k++) if (text.charCodeAt(k) === c) return k;
  return -1;
}

/** `<...>` at `i`: a tag, a comment opener or not markup at all (returns 0). */
function openTag(text: string, i: number, base: number, b: Builder, stats: { hidden: number }): number {
  if (text.startsWith("<!--", i)) {
    stats.hidden++;
    if (b.lastChar !== " " && b.lastChar !== "\n") b.emit(" ", base + i);
    return 4;
  }
  const next = text.charCodeAt(i + 1);
  const isTag = (next >= 65 && next <= 90) || (next >= 97 && next <= 122) || next === 0x2f /* / */ || next === 0x21 /* ! */;
  if (!isTag) return 0;
  const close = indexWithin(text, 0x3e /* > */, i + 1, 400);
  if (close < 0) return 0;
  const tag = text.slice(i, close + 1);
  // chat-template tokens like <|im_start|> are not HTML: keep them
  if (tag.includes("|")) return 0;
  if (HIDDEN_ATTR_RE.test(tag)) stats.hidden++;
  if (b.lastChar !== " " && b.lastChar !== "\n") b.emit(" ", base + i);
  ATTR_TEXT_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ATTR_TEXT_RE.exec(tag)) !== null) {
    const value = m[1] ?? m[2] ?? "";
    if (value.length > 0) {
      b.emitSpread(value, base + i + m.index, base + i + m.index + m[0].length);
      b.emit(" ", base + i + m.index + m[0].length);
    }
  }
  return tag.length;
}

function decodeEntity(text: string, i: number): { value: string; length: number } | null {
  const semi = indexWithin(text, 0x3b /* ; */, i + 1, 10);
  if (semi < 0) return null;
  const body = text.slice(i + 1, semi);
  let cp: number | null = null;
  if (/^#\d{1,7}$/.test(body)) cp = Number(body.slice(1));
  else if (/^#x[0-9a-f]{1,6}$/i.test(body)) cp = Number.parseInt(body.slice(2), 16);
  else if (NAMED_ENTITIES[body.toLowerCase()] !== undefined) return { value: NAMED_ENTITIES[body.toLowerCase()]!, length: semi - i + 1 };
  if (cp === null || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  return { value: String.fromCodePoint(cp), length: semi - i + 1 };
}

// ------------------------------------------------------------------ decoding

const MAX_DECODED_RUNS = 32;
const MAX_DECODED_CHARS = 64 * 1024;

function isB64(c: number): boolean {
  return isAlnum(c) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f; // + / - _
}
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Decoded text if it looks like text a model would read (mostly printable, some letters). */
function plausibleText(s: string): string | null {
  if (s.length < 4) return null;
  let printable = 0;
  let letters = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09 || c >= 0xa0) printable++;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
  }
  if (printable / s.length < 0.92 || letters / s.length < 0.5) return null;
  return s;
}

function bytesToText(bytes: Uint8Array): string | null {
  try {
    return plausibleText(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
}

function decodeBase64(run: string): string | null {
  let s = run.replace(/-/g, "+").replace(/_/g, "/");
  const rem = s.length % 4;
  if (rem === 1) s = s.slice(0, -1);
  else if (rem > 0) s += "=".repeat(4 - rem);
  try {
    const bin = atob(s);
    const bytes = new Uint8Array(bin.length);
    for (let k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
    return bytesToText(bytes);
  } catch {
    return null;
  }
}

function decodeHex(run: string): string | null {
  const clean = run.replace(/\\x|0x|[\s:,]/gi, "");
  if (clean.length % 2 !== 0) return null;
  const bytes = new Uint8Array(clean.length / 2);
  for (let k = 0; k < bytes.length; k++) bytes[k] = Number.parseInt(clean.slice(2 * k, 2 * k + 2), 16);
  return bytesToText(bytes);
}

function decodeUrl(run: string): string | null {
  try {
    return plausibleText(decodeURIComponent(run.replace(/\+/g, " ")));
  } catch {
    return null;
  }
}

interface EncodedRun {
  start: number;
  end: number;
  decoded: string;
}

/** Finds encoded runs in the original text in one pass. */
function findEncodedRuns(text: string): EncodedRun[] {
  const runs: EncodedRun[] = [];
  let budget = MAX_DECODED_CHARS;
  const n = text.length;
  // a decoded payload is cut to what is left of the budget, so the normalised text stays bounded
  const add = (start: number, end: number, decoded: string): number => {
    const kept = decoded.slice(0, budget);
    runs.push({ start, end, decoded: kept });
    return kept.length;
  };
  let i = 0;
  while (i < n && runs.length < MAX_DECODED_RUNS && budget > 0) {
    const c = text.charCodeAt(i);
    // URL-encoding: a run of URL-safe chars holding at least 3 %XX escapes
    if (c === 0x25 && i + 2 < n && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      let j = i;
      let escapes = 0;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x25 && j + 2 < n && isHex(text.charCodeAt(j + 1)) && isHex(text.charCodeAt(j + 2))) {
          escapes++;
          j += 3;
        } else if (isAlnum(d) || d === 0x2b || d === 0x2e || d === 0x2d || d === 0x5f || d === 0x7e) j++;
        else break;
      }
      if (escapes >= 3) {
        const dec = decodeUrl(text.slice(i, j));
        if (dec) {
          budget -= add(i, j, dec);
        }
      }
      i = j;
      continue;
    }
    // \xHH sequences
    if (c === 0x5c && text.charCodeAt(i + 1) === 0x78) {
      let j = i;
      while (j + 3 < n + 0 && text.charCodeAt(j) === 0x5c && text.charCodeAt(j + 1) === 0x78 && isHex(text.charCodeAt(j + 2)) && isHex(text.charCodeAt(j + 3))) j += 4;
      if (j - i >= 16) {
        const dec = decodeHex(text.slice(i, j));
        if (dec) {
          budget -= add(i, j, dec);
        }
      }
      i = Math.max(j, i + 1);
      continue;
    }
    if (isB64(c)) {
      let j = i;
      let hexOnly = true;
      let hasDigit = false;
      let hasUpper = false;
      let hasLower = false;
      while (j < n && isB64(text.charCodeAt(j))) {
        const d = text.charCodeAt(j);
        if (!isHex(d)) hexOnly = false;
        if (d >= 48 && d <= 57) hasDigit = true;
        else if (d >= 65 && d <= 90) hasUpper = true;
        else if (d >= 97 && d <= 122) hasLower = true;
        j++;
      }
      let end = j;
      while (end < n && end - j < 2 && text.charCodeAt(end) === 0x3d) end++; // padding
      const len = j - i;
      const prev = i > 0 ? text.charCodeAt(i - 1) : 0x20;
      if (len >= 16 && !isB64(prev)) {
        let dec: string | null = null;
        if (hexOnly && len % 2 === 0 && len >= 16) dec = decodeHex(text.slice(i, j));
        if (!dec && len >= 16 && (hasDigit || (hasUpper && hasLower)) && hasLower) dec = decodeBase64(text.slice(i, j));
        if (dec) budget -= add(i, end, dec);
      }
      i = end;
      continue;
    }
    i++;
  }
  return runs;
}

// ---------------------------------------------------------------------- main

/** Leet character code -> the letter's code (0: not leet). */
const LEET_CODE = new Uint8Array(128);
for (const [k, v] of Object.entries(LEET)) LEET_CODE[k.charCodeAt(0)] = v.charCodeAt(0);

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Leetspeak folding inside tokens (letters, digits, leet symbols) that hold
 * at least one letter and one leet character; length-preserving, so offsets
 * are unchanged. One pass with char codes; a token is rebuilt only when it folds.
 */
function foldLeet(s: string): string {
  const n = s.length;
  let parts: string[] | null = null;
  let copied = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (!(c < 128 && (isAlnum(c) || LEET_CODE[c] !== 0))) {
      i++;
      continue;
    }
    let j = i;
    let letters = 0;
    let leet = 0;
    while (j < n) {
      const d = s.charCodeAt(j);
      if (d >= 128) break;
      if (isLetter(d)) letters++;
      else if (LEET_CODE[d] !== 0) leet++;
      else if (!(d >= 48 && d <= 57)) break;
      j++;
    }
    if (letters > 0 && leet > 0 && j - i >= 3) {
      let tok = "";
      for (let k = i; k < j; k++) {
        const d = s.charCodeAt(k);
        const sub = LEET_CODE[d]!;
        // a symbol folds only when a word character follows (so "hello!" keeps its "!"),
        // and "!" / "|" only inside a word (so "<|im_start|>" keeps its bars)
        const lead = d === 0x40 || d === 0x24;
        const inner = d === 0x21 || d === 0x7c;
        const nextAlnum = k + 1 < j && isAlnum(s.charCodeAt(k + 1));
        const prevAlnum = k > i && isAlnum(s.charCodeAt(k - 1));
        tok += sub !== 0 && (lead ? nextAlnum : inner ? nextAlnum && prevAlnum : true) ? String.fromCharCode(sub) : s[k];
      }
      parts ??= [];
      parts.push(s.slice(copied, i), tok);
      copied = j;
    }
    i = j;
  }
  if (!parts) return s;
  parts.push(s.slice(copied));
  return parts.join("");
}

export function normalizeForScan(text: string, options: NormalizeOptions = {}): NormalizedText {
  const opts: Required<NormalizeOptions> = { leet: options.leet ?? true, decode: options.decode ?? true, html: options.html ?? true };
  const b = new Builder(text.length + 16);
  const stats = { hidden: 0, obfuscation: 0 };
  foldPass(text, 0, opts, b, stats);
  const decodedFrom = b.size;
  let decoded = 0;
  if (opts.decode) {
    for (const run of findEncodedRuns(text)) {
      const inner = new Builder(run.decoded.length + 16);
      foldPass(run.decoded, 0, { ...opts, decode: false }, inner, stats);
      const innerText = inner.toString();
      if (innerText.trim().length === 0) continue;
      b.emit("\n", run.start);
      b.emitSpread(innerText, run.start, run.end);
      decoded++;
    }
  }
  const joined = b.toString();
  const out = opts.leet ? foldLeet(joined) : joined;
  const offsets = b.offsets();
  const total = text.length;
  const map = (i: number): number => {
    if (i <= 0) return offsets.length > 0 ? Math.min(offsets[0]!, total) : 0;
    if (i >= offsets.length) return total;
    return offsets[i]!;
  };
  return { text: out, map, decodedFrom, decoded, hidden: stats.hidden, obfuscation: stats.obfuscation };
}

/** The original [start, end) of normalised [s, e). */
export function mapSpan(n: NormalizedText, s: number, e: number): { start: number; end: number } {
  const start = n.map(s);
  const end = e > s ? n.map(e - 1) + 1 : start;
  return { start, end: Math.max(start, end) };
}
