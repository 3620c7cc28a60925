import nlp from "compromise";
import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import { PiiEntity } from "@/lib/guards/policy";
import { mapSpan, normalizeForScan, type NormalizedText } from "@/lib/guards/normalize";
import { TextCountCache } from "@/lib/tokens/lru";
import { digitsOf, entropy, isAadhaar, isCaSin, isEsDni, isIban, isIpv4, isIpv6, isPaymentCard, isUkNino, isUsSsn } from "@/lib/guards/checksums";

/**
 * PII detection: one detector per entity kind, each a bounded pattern (or a
 * manual scan) plus a validator (checksums.ts) or context words, over the
 * text after light normalisation (NFKC, zero-width and bidi controls
 * stripped, HTML opened; no leetspeak folding: digits are data here). Spans
 * are offsets in the original text and `value` is the original substring:
 * values live in memory only, for redaction; nothing here logs them.
 *
 * Person names use compromise's maintained English lexicon (first names,
 * last names, honorifics) with a fast token scan and context rules ("my
 * name is", "Mr.", a first name followed by a capitalised word); the full
 * compromise parse costs ~50 ms per 2 KB, far over the in-line budget.
 */

export interface PiiFinding {
  start: number;
  end: number;
  type: PiiEntity;
  value: string;
  score: number;
}

interface Candidate {
  s: number; // normalised offsets
  e: number;
  type: PiiEntity;
  score: number;
  /** Sub-kind for the detail (e.g. "us_ssn", "aws_access_key"); never the value. */
  kind?: string;
}

const ALL_TYPES: readonly PiiEntity[] = PiiEntity.options;

/** Higher wins when two findings overlap. */
const PRIORITY: Record<PiiEntity, number> = {
  secret: 10,
  credit_card: 9,
  iban: 8,
  national_id: 7,
  email: 6,
  ip_address: 5,
  phone: 4,
  date_of_birth: 3,
  street_address: 2,
  person: 1,
};

function* matches(re: RegExp, s: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    yield m;
  }
}

function contextBefore(s: string, at: number, width: number): string {
  return s.slice(Math.max(0, at - width), at).toLowerCase();
}

// --------------------------------------------------------------- email

function isEmailLocal(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}
function isDomainChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45 || c > 0x7f;
}

/** Scans from each "@" outwards (at most 64 left, 253 right): linear whatever the input. */
function detectEmail(s: string, out: Candidate[]): void {
  let at = s.indexOf("@");
  while (at >= 0) {
    let a = at;
    while (a > 0 && at - a < 64 && isEmailLocal(s.charCodeAt(a - 1))) a--;
    while (a < at && (s[a] === "." || s[a] === "-")) a++;
    let b = at + 1;
    while (b < s.length && b - at < 253 && isDomainChar(s.charCodeAt(b))) b++;
    while (b > at + 1 && (s[b - 1] === "." || s[b - 1] === "-")) b--;
    const domain = s.slice(at + 1, b);
    if (a < at && /^[^.]+(?:\.[^.]+)*\.[\p{L}]{2,24}$/u.test(domain) && !domain.includes("..")) {
      out.push({ s: a, e: b, type: "email", score: 0.99 });
    }
    at = s.indexOf("@", Math.max(b, at + 1));
  }
}

// --------------------------------------------------------------- secrets

const SECRET_PATTERNS: { kind: string; re: RegExp; score: number }[] = [
  { kind: "aws_access_key", re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/g, score: 0.99 },
  { kind: "github_token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,251})\b/g, score: 0.99 },
  { kind: "anthropic_key", re: /\bsk-ant-[A-Za-z0-9_-]{20,200}/g, score: 0.99 },
  { kind: "openai_key", re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}/g, score: 0.97 },
  { kind: "stripe_key", re: /\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{16,200}\b/g, score: 0.99 },
  { kind: "slack_token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,200}/g, score: 0.99 },
  { kind: "google_api_key", re: /\bAIza[0-9A-Za-z_-]{35}\b/g, score: 0.99 },
  { kind: "gitlab_token", re: /\bglpat-[A-Za-z0-9_-]{20,100}\b/g, score: 0.99 },
  { kind: "npm_token", re: /\bnpm_[A-Za-z0-9]{36}\b/g, score: 0.99 },
  { kind: "sendgrid_key", re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g, score: 0.99 },
  { kind: "twilio_key", re: /\bSK[0-9a-f]{32}\b/g, score: 0.9 },
  { kind: "jwt", re: /\beyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{4,4000}\.[A-Za-z0-9_-]{8,2000}/g, score: 0.98 },
  { kind: "bearer_token", re: /\b(?:bearer|token|basic)\s{1,3}([A-Za-z0-9._~+/-]{20,500}=*)/gi, score: 0.9 },
  { kind: "url_credentials", re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:@/]{1,64}:([^\s:@/]{3,128})@/gi, score: 0.95 },
];

const SECRET_CONTEXT_RE = /\b(?:api[_ -]?key|apikey|secret(?:[_ -]?key)?|client[_ -]?secret|access[_ -]?(?:key|token)|auth[_ -]?token|token|password|passwd|pwd|private[_ -]?key|credentials?)\b["']?\s{0,3}(?:[:=]|is|=>)\s{0,3}["']?([A-Za-z0-9_\-+/=.!@#$%^&*~]{8,200})/gi;

function detectSecrets(s: string, out: Candidate[]): void {
  for (const p of SECRET_PATTERNS) {
    for (const m of matches(p.re, s)) {
      const group = m[1];
      const start = group !== undefined ? m.index + m[0].lastIndexOf(group) : m.index;
      const end = group !== undefined ? start + group.length : m.index + m[0].length;
      if (p.kind === "bearer_token" && entropy(group ?? "") < 3.2) continue;
      out.push({ s: start, e: end, type: "secret", score: p.score, kind: p.kind });
    }
  }
  // PEM private keys: BEGIN ... END with indexOf, so one pass
  const missingEnd = new Set<string>();
  let from = 0;
  for (;;) {
    const begin = s.indexOf("-----BEGIN ", from);
    if (begin < 0) break;
    const headEnd = s.indexOf("-----", begin + 11);
    if (headEnd < 0 || headEnd - begin > 60) {
      from = begin + 11;
      continue;
    }
    const label = s.slice(begin + 11, headEnd);
    if (!/PRIVATE KEY$/.test(label)) {
      from = headEnd + 5;
      continue;
    }
    const endMarker = `-----END ${label}-----`;
    // each marker is searched for once: a missing END is remembered, so repeated BEGINs stay linear
    let endAt = -1;
    if (!missingEnd.has(endMarker)) {
      endAt = s.indexOf(endMarker, headEnd);
      if (endAt < 0) missingEnd.add(endMarker);
    }
    const stop = endAt >= 0 ? endAt + endMarker.length : Math.min(s.length, headEnd + 5 + 4096);
    out.push({ s: begin, e: stop, type: "secret", score: 0.99, kind: "private_key" });
    from = stop;
  }
  // high-entropy values right after key / secret / token / password words
  for (const m of matches(SECRET_CONTEXT_RE, s)) {
    const value = m[1]!;
    const word = m[0].toLowerCase();
    const isPassword = /pass|pwd/.test(word);
    const ent = entropy(value);
    const mixed = /\d/.test(value) && /[A-Za-z]/.test(value);
    if ((isPassword && value.length >= 6 && (mixed || ent >= 2.5)) || (value.length >= 16 && ent >= 3.3 && mixed)) {
      const start = m.index + m[0].length - value.length;
      out.push({ s: start, e: start + value.length, type: "secret", score: isPassword ? 0.8 : 0.85, kind: isPassword ? "password" : "high_entropy" });
    }
  }
}

// --------------------------------------------------------------- numbers

const CARD_RE = /(?<![\p{L}\d_-])(?:\d[ -]?){11,18}\d(?![\p{L}\d_])/gu;
function detectCards(s: string, out: Candidate[]): void {
  for (const m of matches(CARD_RE, s)) {
    const v = m[0];
    // separators, if any, are consistent groups of 4 (or Amex 4-6-5)
    if (/[ -]/.test(v) && !/^\d{4}([ -])\d{4,6}\1\d{4,5}(?:\1\d{1,4})?$/.test(v) && !/^\d{4}([ -])\d{6}\1\d{5}$/.test(v)) continue;
    if (isPaymentCard(v)) out.push({ s: m.index, e: m.index + v.length, type: "credit_card", score: 0.97 });
  }
}

const IBAN_RE = /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b/gi;
function detectIban(s: string, out: Candidate[]): void {
  for (const m of matches(IBAN_RE, s)) {
    if (isIban(m[0])) out.push({ s: m.index, e: m.index + m[0].length, type: "iban", score: 0.99 });
  }
}

/**
 * National ids: a table (country, pattern, validator, context words needed?).
 * Add a country by adding a row; ids without a check digit need context.
 */
export interface NationalIdRule {
  kind: string;
  re: RegExp;
  validate: (v: string) => boolean;
  /** Words that must appear within 40 characters before the value (null: none needed). */
  context: RegExp | null;
  score: number;
}

export const NATIONAL_ID_RULES: NationalIdRule[] = [
  { kind: "us_ssn", re: /(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])/g, validate: isUsSsn, context: null, score: 0.9 },
  { kind: "us_ssn", re: /(?<![\d-])\d{9}(?![\d-])/g, validate: isUsSsn, context: /\b(?:ssn|social security|social sec|ss#|ss no)\b/, score: 0.85 },
  { kind: "uk_nino", re: /\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b/gi, validate: isUkNino, context: null, score: 0.9 },
  { kind: "es_dni", re: /\b[XYZ]?\d{7,8}-?[A-Z]\b/g, validate: isEsDni, context: null, score: 0.85 },
  { kind: "in_aadhaar", re: /(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)/g, validate: isAadhaar, context: /\b(?:aadhaar|aadhar|uidai|uid)\b/, score: 0.9 },
  { kind: "ca_sin", re: /(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{3}(?!\d)/g, validate: isCaSin, context: /\b(?:sin|social insurance)\b/, score: 0.85 },
];

function detectNationalIds(s: string, out: Candidate[]): void {
  for (const rule of NATIONAL_ID_RULES) {
    for (const m of matches(rule.re, s)) {
      if (!rule.validate(m[0])) continue;
      if (rule.context && !rule.context.test(contextBefore(s, m.index, 40))) continue;
      out.push({ s: m.index, e: m.index + m[0].length, type: "national_id", score: rule.score, kind: rule.kind });
    }
  }
}

const IPV4_RE = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;
const IPV6_RE = /(?<![0-9a-f:])(?:[0-9a-f]{1,4}:{1,2}){2,7}(?:[0-9a-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![0-9a-f:])|::(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4}(?![0-9a-f:])/gi;
function detectIp(s: string, out: Candidate[]): void {
  for (const m of matches(IPV4_RE, s)) {
    if (isIpv4(m[0])) out.push({ s: m.index, e: m.index + m[0].length, type: "ip_address", score: 0.95 });
  }
  for (const m of matches(IPV6_RE, s)) {
    const v = m[0];
    if ((v.match(/:/g)?.length ?? 0) >= 2 && v.length >= 6 && /[0-9a-f]/i.test(v) && isIpv6(v) && !/^\d{1,2}:\d{2}(?::\d{2})?$/.test(v)) {
      out.push({ s: m.index, e: m.index + v.length, type: "ip_address", score: 0.9 });
    }
  }
}

// --------------------------------------------------------------- phone

const PHONE_RE = /(?<![\w+.\-/])(?:\+\d{1,3}[\s.-]{0,2})?(?:\(\d{1,5}\)[\s.-]{0,2})?\d{1,5}(?:[\s.-]{1,2}\d{1,8}){0,5}(?![\w]|[.-]\d)/g;
const PHONE_CONTEXT_RE = /(?:phone|tel|telephone|mobile|cell|fax|call|text|sms|whatsapp|contact|reach|answer|answering|number|no\.|nr\.?|ph\.?|dial|ring|landline|hotline|#)\W{0,3}(?:\w{1,12}\W{1,3}){0,3}$/i;
function detectPhones(s: string, out: Candidate[]): void {
  for (const m of matches(PHONE_RE, s)) {
    const v = m[0];
    const digits = digitsOf(v);
    if (digits.length < 7 || digits.length > 15) continue;
    const start = m.index;
    const intl = v.startsWith("+");
    const hasParen = v.includes("(");
    const groups = v.split(/[\s.()-]+/).filter(Boolean);
    if (/^\d{4}-\d{2}-\d{2}$/.test(v) || /^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/.test(v)) continue; // dates
    if (/^(?:\d{1,3}\.){3}\d{1,3}$/.test(v)) continue; // IPs
    let score = 0;
    if (intl) {
      const p = parsePhoneNumberFromString(v.replace(/[^\d+]/g, ""));
      score = p?.isValid() ? 0.95 : p?.isPossible() ? 0.75 : 0;
    } else {
      const ctx = PHONE_CONTEXT_RE.test(contextBefore(s, start, 40));
      const formatted = groups.length >= 2 && groups.every((g) => g.length >= 2) || hasParen;
      if (ctx && (formatted || digits.length >= 9)) score = 0.85;
      else if (hasParen && digits.length >= 8) score = 0.7;
      else if (formatted && digits.length >= 10 && groups.length <= 4) score = 0.6;
      else if (ctx) score = 0.55;
    }
    if (score > 0) out.push({ s: start, e: start + v.length, type: "phone", score });
  }
}

// --------------------------------------------------------------- dates of birth

const MONTHS = "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
const DATE_RE = new RegExp(
  `\\b(?:\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}|\\d{1,2}[-/.]\\d{1,2}[-/.](?:\\d{4}|\\d{2})|\\d{1,2}(?:st|nd|rd|th)?(?: of)?\\s${MONTHS}\\.?,?\\s\\d{4}|${MONTHS}\\.?\\s\\d{1,2}(?:st|nd|rd|th)?,?\\s\\d{4})\\b`,
  "gi",
);
const DOB_CONTEXT_RE = /\b(?:born|birth|birthday|dob|d\.o\.b|b\.|bday|date of birth|geboren|né|née|nacido)\b/i;
function detectDob(s: string, out: Candidate[]): void {
  for (const m of matches(DATE_RE, s)) {
    if (DOB_CONTEXT_RE.test(contextBefore(s, m.index, 40))) out.push({ s: m.index, e: m.index + m[0].length, type: "date_of_birth", score: 0.85 });
  }
}

// --------------------------------------------------------------- street addresses

const STREET_SUFFIX =
  "(?:street|st|road|rd|avenue|ave|av|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|square|sq|terrace|ter|parkway|pkwy|highway|hwy|circle|cir|crescent|cres|close|trail|trl|row|mews|alley|plaza|hill|gardens|grove|walk|green|path|pike|run|loop|route|rte)";
/** Words that do not occur between a house number and a street suffix ("3 miles down the road"). */
const ADDRESS_STOPWORDS =
  "(?:the|a|an|down|up|to|of|in|on|at|and|or|from|into|for|by|with|miles?|km|kilometers?|kilometres?|meters?|metres?|feet|yards?|blocks?|minutes?|hours?|days?|steps?|times?|more|other|people|cars?|years?|is|are|was|were|we|you|they|i)";
const STREET_RE = new RegExp(
  `\\b\\d{1,6}[a-z]?(?:[ -]\\d{1,5})?,?\\s(?:(?!${ADDRESS_STOPWORDS}\\s)[a-z\\u00c0-\\u024f'.-]{1,24}\\s){0,4}${STREET_SUFFIX}\\b\\.?(?:,?\\s(?:apt|apartment|suite|ste|unit|flat|floor|fl|#)\\.?\\s?#?\\w{1,6})?`,
  "gi",
);
const EURO_PREFIX_RE =
  /\b(?:rue|via|calle|avenida|rua|rúa|chemin|cours|quai|allée|impasse|boulevard|piazza|plaza|praça|strada|viale|corso|vicolo|largo|travessa|carrer|paseo|camino|ulica|ul\.)\s(?:[\p{L}'.-]{1,24}\s){0,4}[\p{L}'.-]{2,24}(?:,?\s\d{1,5}[a-z]?)?\b/giu;
/** A street-type ending (often glued to the name: "Havnevej") followed by a house number. */
const EURO_SUFFIX_RE = /(?:stra(?:ss|ß)e|str\.|gasse|weg|vej|gade|laan|straat|gatan|gata|vägen|väg|katu|tie|veien|vei|allee|platz|plein|damm|ufer|stræti|vegur|utca)\s\d{1,5}[a-z]?\b/gi;
const NAME_CHAR_RE = /[\p{L}'.-]/u;
// No `u` flag where no \p{..} needs it: with `i` it costs Unicode case folding at every position.
const APT_RE = /\b(?:apt|apartment|suite|ste|unit|flat)\.?\s?#?\d{1,6}[a-z]?\b/gi;
const HOUSE_NUMBER_BEFORE_RE = /(?:^|[\s,:])(\d{1,6}[ ,]{1,2}(?:\d{1,6}[ ,]{1,2})?)$/;
/** Start of a street candidate, moved left over a house number written before the street name ("67 rue ...", "24 Kuefsteinstrasse 91"). */
function withHouseNumber(s: string, start: number): number {
  const m = HOUSE_NUMBER_BEFORE_RE.exec(s.slice(Math.max(0, start - 16), start));
  return m ? start - m[1]!.length : start;
}

function detectAddresses(s: string, out: Candidate[]): void {
  for (const m of matches(STREET_RE, s)) out.push({ s: m.index, e: m.index + m[0].length, type: "street_address", score: 0.75 });
  for (const m of matches(EURO_PREFIX_RE, s)) {
    if (/\d/.test(m[0]) || /\d[ ,]{1,2}$/.test(s.slice(Math.max(0, m.index - 3), m.index))) {
      out.push({ s: withHouseNumber(s, m.index), e: m.index + m[0].length, type: "street_address", score: 0.7 });
    }
  }
  for (const m of matches(EURO_SUFFIX_RE, s)) {
    // extend left over the street name the ending is glued to, then one more word ("Søndre Havnevej 65")
    let a = m.index;
    while (a > 0 && m.index - a < 24 && NAME_CHAR_RE.test(s[a - 1]!)) a--;
    if (a > 1 && s[a - 1] === " " && NAME_CHAR_RE.test(s[a - 2]!)) {
      let b = a - 1;
      while (b > 0 && a - b < 25 && NAME_CHAR_RE.test(s[b - 1]!)) b--;
      if (/^\p{Lu}/u.test(s.slice(b, a))) a = b;
    }
    out.push({ s: withHouseNumber(s, a), e: m.index + m[0].length, type: "street_address", score: 0.7 });
  }
  for (const m of matches(APT_RE, s)) out.push({ s: m.index, e: m.index + m[0].length, type: "street_address", score: 0.6 });
}

// --------------------------------------------------------------- person names

interface NameLexicon {
  first: Set<string>;
  last: Set<string>;
  honorific: Set<string>;
  /** Words compromise knows as something other than a name (verbs, adjectives, places...). */
  other: Set<string>;
  /** Abbreviations ("ltd", "inc", "st"): a dot after them does not end a sentence. */
  abbreviation: Set<string>;
}

let lexicon: NameLexicon | null = null;
function nameLexicon(): NameLexicon {
  if (lexicon) return lexicon;
  const model = (nlp as unknown as { model: () => { one: { lexicon: Record<string, string | string[]> } } }).model();
  const first = new Set<string>();
  const last = new Set<string>();
  const honorific = new Set<string>();
  const other = new Set<string>();
  const abbreviation = new Set<string>(["ltd", "inc", "co", "corp", "st", "ave", "rd", "no", "vs", "etc", "jr", "sr"]);
  for (const [word, tags] of Object.entries(model.one.lexicon)) {
    const list = Array.isArray(tags) ? tags : [tags];
    if (word.includes(" ")) continue;
    if (list.includes("Abbreviation")) abbreviation.add(word);
    if (list.some((t) => t === "FemaleName" || t === "MaleName" || t === "FirstName")) first.add(word);
    else if (list.includes("LastName")) last.add(word);
    else if (list.includes("Honorific")) honorific.add(word);
    else if (!list.includes("Person")) other.add(word);
  }
  for (const h of ["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "dame", "lord", "lady", "rev", "fr"]) honorific.add(h);
  lexicon = { first, last, honorific, other, abbreviation };
  return lexicon;
}

/** Common English words that are also in the name lists. */
const NAME_STOPWORDS = new Set([
  "will", "may", "june", "april", "august", "mark", "bill", "grace", "hope", "faith", "joy", "rose", "summer", "autumn", "dawn", "eve", "art", "bob", "pat",
  "sue", "rob", "ray", "gene", "guy", "jack", "jean", "max", "page", "sky", "star", "chase", "cash", "hunter", "king", "major", "sunny", "young", "long",
  "white", "black", "brown", "green", "gray", "grey", "lane", "page", "chance", "christian", "holly", "ivy", "iris", "lily", "daisy", "amber", "ruby",
  "crystal", "angel", "destiny", "harmony", "melody", "precious", "miracle", "unique", "trinity", "so", "an", "al", "ed", "le", "la", "de", "van", "von",
  "di", "da", "del", "du", "ali", "mac", "nick", "don", "ken", "bud", "buck", "ace", "rich", "carol", "sandy", "misty", "storm", "rain", "hazel", "olive",
  "ginger", "pepper", "honey", "candy", "cherry", "precious", "justice", "liberty", "patience", "prudence", "charity", "constance", "temperance", "rusty",
  "dusty", "woody", "sonny", "drew", "wade", "dale", "glen", "cliff", "brook", "brooke", "reed", "sterling", "royal", "price", "lord", "mason", "baker",
  "carter", "parker", "porter", "taylor", "cook", "miller", "turner", "fisher", "hunter", "archer", "judge", "bishop", "gay", "tad", "teddy", "august",
]);

const LETTER_RE = /\p{L}/u;
function isWordStart(c: number, s: string, i: number): boolean {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  return c >= 0xc0 && LETTER_RE.test(s[i]!);
}

interface Token {
  s: number;
  e: number;
  w: string;
  lower: string;
}

/** Words (a letter, then letters, apostrophes, hyphens; at most 31), with a trailing "." kept in `e` only. */
function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (!isWordStart(s.charCodeAt(i), s, i)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && j - i < 31) {
      const d = s.charCodeAt(j);
      if (isWordStart(d, s, j) || d === 0x27 || d === 0x2019 || d === 0x2d) j++;
      else break;
    }
    const w = s.slice(i, j);
    const dot = j < n && s.charCodeAt(j) === 0x2e;
    tokens.push({ s: i, e: j + (dot ? 1 : 0), w, lower: w.toLowerCase() });
    i = dot ? j + 1 : j;
  }
  return tokens;
}
const NAME_CUE_RE =
  /\b(?:my name is|name is|named|called|i am|i'm|this is|call me|name:|signed|regards,|sincerely,|cheers,|thanks,|dear|hi|hello|hey|contact|ask|tell|told|from|by|with|to|and|met|meet|saw|see|cc:|attn:?|says|said|producer|director|starring|given|asked|thanked|name\?|here's|here is)\s$/i;
/** Cues strong enough for a lower-case or unknown word ("my name is mieszko", "last name? Arcuri"). */
const STRONG_NAME_CUE_RE = /\b(?:my name is|my name's|call me|name\?|name:|i am called|named)\s{1,3}$/i;
/** English derivational endings: an unknown word with one is an adjective or noun ("Energetic"), not a name. */
const DERIVED_WORD_RE = /(?:ic|ed|ing|ly|ous|ful|ive|able|ible|al|ness|ment|tion|sion|ity|ance|ence|ism|ist|less|ship|ward|wise|ize|ise)$/;
/** Last word of a strong cue: the cue regex runs only after one of these. */
const STRONG_CUE_LAST = new Set(["is", "name", "me", "called", "named", "name's"]);
/** A capitalised word followed by one of these is a place, street or organisation, not a person. */
const NOT_PERSON_NEXT = new Set([
  "street", "st", "road", "rd", "avenue", "ave", "lane", "drive", "boulevard", "way", "square", "place", "greens", "union", "islands", "island", "orchestra",
  "inc", "llc", "ltd", "corp", "co", "company", "group", "bank", "university", "college", "school", "hospital", "foundation", "institute", "tv", "records",
  "report", "research", "technologies", "technology", "solutions", "partners", "associates", "stanley", "city", "county", "river", "mountain", "park",
]);
/** Verbs that, right after a capitalised word at a sentence start, make it a likely name ("Bożena spent a year"). */
const PERSON_VERBS = new Set(["spent", "had", "has", "said", "says", "lives", "lived", "works", "worked", "went", "told", "asked", "gave", "wrote", "was", "is", "will", "would", "and", "called", "joined", "moved"]);

function isCapitalised(w: string): boolean {
  const c = w.charCodeAt(0);
  return (c >= 65 && c <= 90) || (c > 0x7f && w[0] !== w[0]!.toLowerCase());
}

function detectPersons(s: string, out: Candidate[]): void {
  const lex = nameLexicon();
  const tokens = tokenize(s);
  const lowercaseWriter = !/(?:^|[.!?]\s{1,3})[A-Z]/.test(s);
  const sentenceStart = (idx: number): boolean => {
    if (idx === 0) return true;
    const before = s.slice(Math.max(0, tokens[idx]!.s - 3), tokens[idx]!.s);
    if (!/[.!?\n:"]\s*$/.test(before)) return false;
    // "Ltd. Orchestra", "Dr. Smith": a dot after an abbreviation does not end a sentence
    const prev = tokens[idx - 1]!;
    return !(prev.e > prev.s + prev.w.length && (lex.abbreviation.has(prev.lower) || prev.w.length === 1));
  };
  /** From token j: a list of capitalised words joined by ", " / " and " / " & " that ends in an organisation or street word. */
  const chainEndsInEntity = (j: number): boolean => {
    let k = j;
    let steps = 0;
    while (k < tokens.length && steps < 8) {
      const tk = tokens[k]!;
      const gap = s.slice(tokens[k - 1]!.e, tk.s);
      if (!/^(?:,\s|\s|\s&\s)$/.test(gap)) return false;
      if (tk.lower === "and") {
        k++;
        steps++;
        continue;
      }
      if (!isCapitalised(tk.w)) return false;
      if (NOT_PERSON_NEXT.has(tk.lower)) return true;
      k++;
      steps++;
    }
    return false;
  };
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    const isHon = lex.honorific.has(t.lower) && (t.e - t.s > t.w.length || ["miss", "sir", "madam", "dame", "lady", "lord"].includes(t.lower));
    const firstKnown = lex.first.has(t.lower) && !NAME_STOPWORDS.has(t.lower);
    const cap = isCapitalised(t.w);
    const ambiguousFirst = lex.first.has(t.lower) && NAME_STOPWORDS.has(t.lower) && cap && !sentenceStart(i);
    let score = 0;
    if (isHon) {
      // honorific + following name tokens
      let j = i + 1;
      while (j < tokens.length && j <= i + 3 && tokens[j]!.s - tokens[j - 1]!.e <= 2 && (isCapitalised(tokens[j]!.w) || lex.first.has(tokens[j]!.lower) || lex.last.has(tokens[j]!.lower)) && !lex.other.has(tokens[j]!.lower)) j++;
      if (j > i + 1) {
        out.push({ s: t.s, e: tokens[j - 1]!.e, type: "person", score: 0.85 });
        i = j;
        continue;
      }
      i++;
      continue;
    }
    // a lower-case first name counts only where the writer does not capitalise at all ("nicholas had given sara...");
    // in capitalised text "grant" or "bill" is a word
    if (firstKnown || ambiguousFirst) score = cap ? 0.8 : lowercaseWriter ? 0.6 : 0;
    else if (cap && !sentenceStart(i) && lex.last.has(t.lower)) score = 0.6;
    else if (cap && t.w.length > 1 && !lex.other.has(t.lower) && t.w !== t.w.toUpperCase() && !sentenceStart(i) && NAME_CUE_RE.test(s.slice(Math.max(0, t.s - 16), t.s))) score = 0.55;
    else if (t.w.length > 1 && i > 0 && STRONG_CUE_LAST.has(tokens[i - 1]!.lower) && !lex.other.has(t.lower) && STRONG_NAME_CUE_RE.test(s.slice(Math.max(0, t.s - 16), t.s))) score = 0.6;
    else if (cap && t.w.length > 1 && !lex.other.has(t.lower) && t.w !== t.w.toUpperCase() && !DERIVED_WORD_RE.test(t.lower) && sentenceStart(i)) {
      // a speaker label ("Kalman: ...") or an unknown word starting a sentence with a verb after it ("Bożena spent ...")
      const after = s.slice(t.e, t.e + 2);
      const next = tokens[i + 1];
      if (/^:\s|^:"|^:$/.test(after) || (next && PERSON_VERBS.has(next.lower) && next.s - t.e <= 1) || /^'s\b/.test(s.slice(t.s + t.w.length, t.s + t.w.length + 3))) score = 0.55;
    } else if (cap && t.w.length > 1 && !lex.other.has(t.lower) && t.w !== t.w.toUpperCase() && /^'s\s/.test(s.slice(t.s + t.w.length, t.s + t.w.length + 3))) score = 0.5;
    if (score === 0) {
      i++;
      continue;
    }
    // extend with last names / capitalised unknown words right after
    let j = i + 1;
    while (j < tokens.length && j <= i + 3 && tokens[j]!.s - tokens[j - 1]!.e <= 1 && /^[\s]?$/.test(s.slice(tokens[j - 1]!.e, tokens[j]!.s))) {
      const nt = tokens[j]!;
      const ncap = isCapitalised(nt.w);
      if (lex.last.has(nt.lower) || (ncap && (cap || lex.first.has(t.lower)) && !lex.other.has(nt.lower)) || (ncap && lex.first.has(nt.lower))) {
        j++;
        score = Math.max(score, 0.85);
      } else if (nt.w.length === 1 && ncap) j++; // middle initial
      else break;
    }
    const last = tokens[j - 1]!;
    const end = last.w.length === 1 ? last.e : last.s + last.w.length;
    const follower = tokens[j];
    if (NOT_PERSON_NEXT.has(t.lower) || chainEndsInEntity(j)) {
      i = j; // "Orchestra ...", "Davis, Reynolds and Williamson Orchestra": an organisation's name
      continue;
    }
    if (follower && follower.s - end <= 1 && isCapitalised(follower.w) && NOT_PERSON_NEXT.has(follower.lower)) {
      i = j + 1; // "Davis Orchestra", "Hansen Street": part of another entity
      continue;
    }
    if (j > i + 1 && NOT_PERSON_NEXT.has(last.lower)) {
      i = j;
      continue;
    }
    out.push({ s: t.s, e: end, type: "person", score });
    i = j;
  }
}

// --------------------------------------------------------------- main

export type Detector = (s: string, out: Candidate[]) => void;
export const PII_DETECTORS: Record<PiiEntity, Detector> = {
  secret: detectSecrets,
  credit_card: detectCards,
  iban: detectIban,
  national_id: detectNationalIds,
  email: detectEmail,
  ip_address: detectIp,
  phone: detectPhones,
  date_of_birth: detectDob,
  street_address: detectAddresses,
  person: detectPersons,
};

/** Minimum score for a finding to be reported. */
export const PII_MIN_SCORE = 0.5;

/**
 * Texts of 256+ characters in which no PII was found (of any kind): a system
 * prompt repeats on every request of a feature and costs ~100 µs to scan per
 * 1.5 KB. Only clean texts are remembered, so no text holding a finding is
 * kept in memory; bounded by entries and characters. Short texts (user turns,
 * mostly unique) are scanned every time.
 */
const CLEAN_MEMO_MIN_CHARS = 256;
const cleanTexts = new TextCountCache({ maxEntries: 1_024, maxChars: 4_000_000 });

export function detectPii(text: string, types?: readonly PiiEntity[]): PiiFinding[] {
  const memo = text.length >= CLEAN_MEMO_MIN_CHARS;
  if (memo && cleanTexts.get(text) !== undefined) return [];
  const wanted = types && types.length > 0 ? types : ALL_TYPES;
  const n: NormalizedText = normalizeForScan(text, { leet: false, decode: false });
  const candidates: Candidate[] = [];
  // every detector runs on the same text; overlaps are resolved by priority below,
  // so asking for fewer types must not change the spans of the ones asked for
  for (const type of ALL_TYPES) PII_DETECTORS[type](n.text, candidates);
  const kept = resolveOverlaps(candidates.filter((c) => c.score >= PII_MIN_SCORE), n.text.length);
  // Clean for every kind (the detectors all ran), so clean for any `types` asked later.
  if (memo && kept.length === 0) cleanTexts.set(text, 0);
  const findings: PiiFinding[] = [];
  for (const c of kept) {
    if (!wanted.includes(c.type)) continue;
    const { start, end } = mapSpan(n, c.s, c.e);
    if (end <= start) continue;
    findings.push({ start, end, type: c.type, value: text.slice(start, end), score: c.score });
  }
  return findings;
}

function resolveOverlaps(cands: Candidate[], length: number): Candidate[] {
  cands.sort((a, b) => PRIORITY[b.type] - PRIORITY[a.type] || b.score - a.score || b.e - b.s - (a.e - a.s) || a.s - b.s);
  // a mask of taken characters: every candidate is short (bounded patterns), so this is linear
  const taken = new Uint8Array(length);
  const kept: Candidate[] = [];
  for (const c of cands) {
    let free = true;
    for (let k = c.s; k < c.e; k++) {
      if (taken[k]) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, c.s, c.e);
    kept.push(c);
  }
  return kept.sort((a, b) => a.s - b.s);
}
