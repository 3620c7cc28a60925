/**
 * Check digits and validity rules of the identifiers the PII detector finds.
 * Each takes the candidate as written (separators allowed) and says whether
 * it is a well-formed identifier, so a random digit run is not redacted as a
 * card or an IBAN.
 */

/** Digits of `s` (other characters dropped). */
export function digitsOf(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}

/** Luhn (mod 10) check over the digits of `s`. */
export function luhn(s: string): boolean {
  const d = digitsOf(s);
  if (d.length < 2) return false;
  let sum = 0;
  let double = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let v = d.charCodeAt(i) - 48;
    if (double) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Payment card: 12-19 digits, a known issuer prefix, Luhn-valid, not all one digit. */
export function isPaymentCard(s: string): boolean {
  const d = digitsOf(s);
  if (d.length < 12 || d.length > 19) return false;
  if (/^(\d)\1+$/.test(d)) return false;
  if (!/^(?:4|5[1-5]|2[2-7]|2131|3[47]|3[0689]|6(?:011|5|4[4-9]|2)|35|50|5[06-9]|6|1|8)/.test(d)) return false;
  return luhn(d);
}

/** IBAN lengths by country (ISO 13616 registry). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18,
  GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32,
  LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15,
  PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27,
  ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** IBAN: known country, its length, and the ISO 7064 mod-97 check (remainder 1). */
export function isIban(s: string): boolean {
  const v = s.replace(/[\s-]/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(v)) return false;
  const len = IBAN_LENGTHS[v.slice(0, 2)];
  if (len === undefined || v.length !== len) return false;
  return mod97(v.slice(4) + v.slice(0, 4)) === 1;
}

/** Remainder mod 97 of the number a string of digits and letters (A=10..Z=35) spells. */
export function mod97(s: string): number {
  let rem = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return -1;
  }
  return rem;
}

/**
 * US Social Security Number validity (SSA rules): area not 000, 666 or
 * 900-999; group not 00; serial not 0000; and not one of the numbers that
 * were published in advertising (078-05-1120, 219-09-9999).
 */
export function isUsSsn(s: string): boolean {
  const d = digitsOf(s);
  if (d.length !== 9) return false;
  const area = Number(d.slice(0, 3));
  const group = Number(d.slice(3, 5));
  const serial = Number(d.slice(5));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (group === 0 || serial === 0) return false;
  if (d === "078051120" || d === "219099999" || d === "123456789") return false;
  return !/^(\d)\1{8}$/.test(d);
}

/**
 * UK National Insurance number: two prefix letters (not D, F, I, Q, U, V;
 * second not O; not BG, GB, KN, NK, NT, TN, ZZ), six digits, suffix A-D.
 */
export function isUkNino(s: string): boolean {
  const v = s.replace(/\s/g, "").toUpperCase();
  const m = /^([A-CEGHJ-PR-TW-Z])([A-CEGHJ-NPR-TW-Z])(\d{6})([A-D])$/.exec(v);
  if (!m) return false;
  return !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].includes(m[1]! + m[2]!);
}

/** Spanish DNI / NIE: 8 digits (NIE: X/Y/Z + 7 digits) and a mod-23 control letter. */
export function isEsDni(s: string): boolean {
  const v = s.replace(/[\s-]/g, "").toUpperCase();
  const m = /^([XYZ]?)(\d{7,8})([A-Z])$/.exec(v);
  if (!m) return false;
  const prefix = m[1] ? String("XYZ".indexOf(m[1])) : "";
  const num = Number(prefix + m[2]);
  if ((prefix ? 8 : m[2]!.length) !== 8) return false;
  return "TRWAGMYFPDXBNJZSQVHLCKE"[num % 23] === m[3];
}

/** Indian Aadhaar: 12 digits, not starting with 0 or 1, Verhoeff check digit. */
export function isAadhaar(s: string): boolean {
  const d = digitsOf(s);
  if (d.length !== 12 || d[0] === "0" || d[0] === "1") return false;
  return verhoeff(d);
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1], [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1], [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** Verhoeff checksum over a digit string (the last digit is the check digit). */
export function verhoeff(d: string): boolean {
  let c = 0;
  for (let i = 0; i < d.length; i++) {
    const digit = d.charCodeAt(d.length - 1 - i) - 48;
    c = VERHOEFF_D[c]![VERHOEFF_P[i % 8]![digit]!]!;
  }
  return c === 0;
}

/** Canadian SIN: 9 digits, Luhn-valid, not starting with 0 or 8. */
export function isCaSin(s: string): boolean {
  const d = digitsOf(s);
  return d.length === 9 && d[0] !== "0" && d[0] !== "8" && luhn(d);
}

/** IPv4 dotted quad with each octet 0-255 and no leading zeros. */
export function isIpv4(s: string): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  return parts.every((p) => /^(?:0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** IPv6 (full, compressed, or with an embedded IPv4 tail). */
export function isIpv6(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let v = s;
  let groupsNeeded = 8;
  const lastColon = v.lastIndexOf(":");
  const tail = v.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!isIpv4(tail)) return false;
    v = v.slice(0, lastColon + 1) + "0";
    groupsNeeded = 7;
  }
  const dbl = v.split("::");
  if (dbl.length > 2) return false;
  const hex = /^[0-9a-f]{1,4}$/i;
  if (dbl.length === 2) {
    const left = dbl[0] === "" ? [] : dbl[0]!.split(":");
    const right = dbl[1] === "" ? [] : dbl[1]!.split(":");
    if (![...left, ...right].every((g) => hex.test(g))) return false;
    return left.length + right.length < groupsNeeded;
  }
  const groups = v.split(":");
  return groups.length === groupsNeeded && groups.every((g) => hex.test(g));
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}
