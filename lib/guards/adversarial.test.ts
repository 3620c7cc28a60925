import { describe, expect, it } from "vitest";
import { scoreInjection } from "@/lib/guards/injection";
import { detectPii } from "@/lib/guards/pii";
import { moderateText } from "@/lib/guards/moderation";
import { normalizeForScan } from "@/lib/guards/normalize";

// 1 MB inputs built from the characters the patterns repeat, every Unicode
// category, invalid surrogates and deeply repetitive text. Each detector must
// complete (linear time: a catastrophic pattern would not finish within the
// test timeout) and keep its output bounded. No wall-clock assertion: the
// timing comparison (1 MB vs 10 x 100 KB) is printed by `npm run guards:measure`.
const MB = 1_000_000;
const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);

function everyCategory(): string {
  let s = "";
  for (let cp = 0; s.length < MB; cp = (cp + 7919) % 0x110000) s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  return s.slice(0, MB);
}

const INPUTS: Record<string, () => string> = {
  digits: () => fill("1"),
  "digit groups": () => fill("12 "),
  "dotted numbers": () => fill("1.2."),
  "at signs": () => fill("a@"),
  "word chars": () => fill("a"),
  "spaces": () => fill(" "),
  "base64": () => fill("QUJD"),
  "hex": () => fill("4142"),
  "url escapes": () => fill("%41"),
  "tags and comments": () => fill("<!--<a "),
  "colons": () => fill("a:"),
  "phrases": () => fill("ignore all previous instructions "),
  "leet": () => fill("1gn0r3 "),
  "lone surrogates": () => fill("\ud800a\udc00"),
  "every category": everyCategory,
};

describe("detectors on 1 MB adversarial inputs", () => {
  for (const [name, make] of Object.entries(INPUTS)) {
    it(`complete on ${name}`, { timeout: 120_000 }, () => {
      const text = make();
      const n = normalizeForScan(text);
      // the normalised text is at most the input plus bounded decoded payloads
      expect(n.text.length).toBeLessThanOrEqual(text.length + 70 * 1024);
      const inj = scoreInjection(text);
      expect(inj.score).toBeGreaterThanOrEqual(0);
      expect(inj.spans.length).toBeLessThanOrEqual(200);
      const pii = detectPii(text);
      for (const f of pii) expect(f.end - f.start).toBeLessThanOrEqual(8192);
      const mod = moderateText(text);
      expect(mod.score).toBeLessThanOrEqual(1);
    });
  }
});
