import { describe, expect, it } from "vitest";
import { createHoldBack, firstSentenceEnd } from "@/lib/guards/holdback";

const BAD = "FORBIDDEN";
const check = (t: string) => ({ block: t.includes(BAD) });

/** Feeds `text` in chunks of `size`; returns everything released and whether it was blocked. */
function run(text: string, size: number, opts = { firstSentence: true, tokens: 4 }) {
  const hb = createHoldBack(opts, check);
  let out = "";
  let blocked = false;
  for (let i = 0; i < text.length && !blocked; i += size) {
    const step = hb.push(text.slice(i, i + size));
    out += step.release;
    blocked = step.blocked;
  }
  if (!blocked) {
    const last = hb.end();
    out += last.release;
    blocked = last.blocked;
  }
  return { out, blocked };
}

describe("createHoldBack", () => {
  it("releases everything, in order, when the check passes, whatever the chunking", () => {
    const text = "First sentence here. Then a longer second part with more words, and a third one! Done?";
    for (let size = 1; size <= text.length; size++) {
      expect(run(text, size)).toEqual({ out: text, blocked: false });
    }
  });

  it("holds the first sentence whole", () => {
    const hb = createHoldBack({ firstSentence: true, tokens: 0 }, check);
    expect(hb.push("Hello wor").release).toBe("");
    expect(hb.push("ld")).toEqual({ release: "", blocked: false });
    expect(hb.push(". Next")).toEqual({ release: "Hello world. Next", blocked: false });
  });

  it("keeps the last N tokens (4 characters each) unreleased", () => {
    const hb = createHoldBack({ firstSentence: false, tokens: 2 }, check);
    expect(hb.push("abcdefghij").release).toBe("ab");
    expect(hb.push("kl").release).toBe("cd");
    expect(hb.end().release).toBe("efghijkl");
  });

  it("never releases any part of the offending text, at any chunk boundary", () => {
    const text = "A fine opening sentence. Some ordinary words follow, then FORBIDDEN content and more.";
    const at = text.indexOf(BAD);
    for (let size = 1; size <= text.length; size++) {
      const { out, blocked } = run(text, size, { firstSentence: true, tokens: 4 });
      expect(blocked).toBe(true);
      expect(text.startsWith(out)).toBe(true);
      expect(out.length).toBeLessThanOrEqual(at);
    }
  });

  it("blocks in the first sentence before anything is released", () => {
    expect(run("This FORBIDDEN sentence. Rest.", 3)).toEqual({ out: "", blocked: true });
  });

  it("blocks at the end when the violation is in the held tail", () => {
    const hb = createHoldBack({ firstSentence: false, tokens: 16 }, check);
    expect(hb.push("short FORBI").release).toBe("");
    // nothing leaves the window yet, so the check waits (it runs when text would be released)
    expect(hb.push("DDEN")).toEqual({ release: "", blocked: false });
    expect(hb.end()).toEqual({ release: "", blocked: true });
  });

  it("does not split a surrogate pair", () => {
    const hb = createHoldBack({ firstSentence: false, tokens: 1 }, check);
    const r = hb.push("a😀cde"); // the window (4 chars) would cut between the two halves of 😀
    expect(r.release).toBe("a");
    expect(hb.end().release).toBe("😀cde");
  });

  it("finds the end of the first sentence", () => {
    expect(firstSentenceEnd("Pi is 3.14 today. Yes")).toBe(17);
    expect(firstSentenceEnd("No end yet")).toBe(-1);
    expect(firstSentenceEnd("line one\nline two")).toBe(9);
    expect(firstSentenceEnd("x".repeat(500))).toBe(400);
  });
});
