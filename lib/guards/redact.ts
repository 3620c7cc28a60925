import type { PiiEntity } from "@/lib/guards/policy";
import type { PiiFinding } from "@/lib/guards/pii";

/**
 * Reversible redaction for one request. Each distinct (kind, value) gets a
 * stable placeholder (`[EMAIL_1]`, `[PHONE_2]`: numbered per kind in order
 * of first appearance) that is the same in every text of the request, so the
 * model can refer to "[EMAIL_1]" consistently; `reidentify` puts the values
 * back into the answer. The mapping lives only in this object (memory of one
 * request); `summary()` gives kinds and counts only, for the request log.
 */
export interface Redactor {
  redact(text: string, findings: readonly PiiFinding[]): string;
  reidentify(text: string): string;
  /** For streamed answers: a placeholder split across chunks is held until complete. */
  reidentifyStream(): { push(chunk: string): string; flush(): string };
  summary(): { type: PiiEntity; count: number }[];
}

export const PLACEHOLDER_LABEL: Record<PiiEntity, string> = {
  email: "EMAIL",
  phone: "PHONE",
  credit_card: "CREDIT_CARD",
  iban: "IBAN",
  national_id: "NATIONAL_ID",
  ip_address: "IP_ADDRESS",
  street_address: "ADDRESS",
  date_of_birth: "DATE_OF_BIRTH",
  person: "PERSON",
  secret: "SECRET",
};

const PLACEHOLDER_RE = /\[([A-Z_]{2,16})_(\d{1,6})\]/g;
/** Longest placeholder: `[` + 16 label chars + `_` + 6 digits + `]`. */
const MAX_PLACEHOLDER = 25;

export function createRedactor(): Redactor {
  const byValue = new Map<string, string>(); // `${type}\u0000${value}` -> placeholder
  const byPlaceholder = new Map<string, string>(); // placeholder -> value
  const perType = new Map<PiiEntity, number>(); // distinct values per kind (numbering)
  const counts = new Map<PiiEntity, number>(); // occurrences redacted per kind

  function placeholderFor(type: PiiEntity, value: string): string {
    const key = `${type}\u0000${value}`;
    const known = byValue.get(key);
    if (known) return known;
    const n = (perType.get(type) ?? 0) + 1;
    perType.set(type, n);
    const ph = `[${PLACEHOLDER_LABEL[type]}_${n}]`;
    byValue.set(key, ph);
    byPlaceholder.set(ph, value);
    return ph;
  }

  function reidentify(text: string): string {
    if (byPlaceholder.size === 0 || !text.includes("[")) return text;
    return text.replace(PLACEHOLDER_RE, (ph) => byPlaceholder.get(ph) ?? ph);
  }

  return {
    redact(text, findings) {
      const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
      let out = "";
      let at = 0;
      for (const f of sorted) {
        if (f.start < at || f.end > text.length || f.end <= f.start) continue; // overlapping or stale
        out += text.slice(at, f.start) + placeholderFor(f.type, text.slice(f.start, f.end));
        counts.set(f.type, (counts.get(f.type) ?? 0) + 1);
        at = f.end;
      }
      return out + text.slice(at);
    },
    reidentify,
    reidentifyStream() {
      let pending = "";
      return {
        push(chunk) {
          pending += chunk;
          // hold back from the last "[" that could still open a placeholder
          const open = pending.lastIndexOf("[");
          let cut = pending.length;
          if (open >= 0 && pending.length - open < MAX_PLACEHOLDER && !pending.includes("]", open) && /^\[[A-Z_]*\d*$/.test(pending.slice(open))) cut = open;
          const ready = pending.slice(0, cut);
          pending = pending.slice(cut);
          return reidentify(ready);
        },
        flush() {
          const rest = pending;
          pending = "";
          return reidentify(rest);
        },
      };
    },
    summary() {
      return [...counts.entries()].map(([type, count]) => ({ type, count }));
    },
  };
}

/** Nesting past this depth is replaced (the request log keeps the shape it can store, never a raw value). */
const MAX_REDACT_DEPTH = 64;

/**
 * A copy of a JSON value with PII in every string replaced by placeholders
 * (one redactor for the whole value, so the same value gets the same
 * placeholder). For what is recorded of a request the guard stage never saw
 * (refused before it: a bad key, a validation error, a kill switch), so the
 * request log holds no raw value whichever stage answered.
 */
export function redactJsonForLog(value: unknown, detect: (text: string) => PiiFinding[], redactor: Redactor = createRedactor(), depth = 0): unknown {
  if (typeof value === "string") {
    const findings = detect(value);
    return findings.length > 0 ? redactor.redact(value, findings) : value;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_REDACT_DEPTH) return "[nested too deep]";
  if (Array.isArray(value)) return value.map((v) => redactJsonForLog(v, detect, redactor, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactJsonForLog(v, detect, redactor, depth + 1);
  return out;
}
