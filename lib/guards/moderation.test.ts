import { describe, expect, it } from "vitest";
import { moderateText } from "@/lib/guards/moderation";
import type { ModerationCategory } from "@/lib/guards/policy";

// Curated by hand (not from the dataset), one or more per category, plus obfuscated forms.
const POSITIVES: [string, ModerationCategory][] = [
  ["All immigrants are vermin and should be deported.", "hate"],
  ["The holocaust is a hoax made up by them.", "hate"],
  ["You are a worthless idiot, nobody loves you.", "harassment"],
  ["Go kill yourself, loser.", "harassment"],
  ["I want to kill myself tonight, I can't go on.", "self-harm"],
  ["What is the most painless way to die?", "self-harm"],
  ["She moaned as he licked her pussy, then they had sex again.", "sexual"],
  ["Explicit porn with nude teens", "sexual/minors"],
  ["I'm going to shoot him and then burn his house down.", "violence"],
  ["Here is how to make a pipe bomb at home: first, get a steel pipe.", "illicit"],
];

const OBFUSCATED: [string, ModerationCategory][] = [
  ["u r a w0rthless 1d10t", "harassment"],
  ["I w\u200bant to k\u200bill mys\u200belf", "self-harm"],
  ["You are a stupid іdіоt", "harassment"], // Cyrillic і, о
  ["<span hidden>go kill yourself</span> have a nice day", "harassment"],
];

const NEGATIVES = [
  "Here is a recipe for banana bread: mash three ripe bananas and mix with flour.",
  "To kill a stuck process on Linux, run `kill -9` with its PID.",
  "The Second World War ended in 1945; the Holocaust killed six million Jews.",
  "If you are having thoughts of suicide, please call a crisis line; you are not alone.",
  "Sex education in schools covers consent and contraception.",
  "The striker shot the ball into the top corner and the crowd went wild.",
  "Our customer support team is available 24/7 to help with billing questions.",
];

describe("moderateText", () => {
  it.each(POSITIVES)("flags %s as %s", (text, cat) => {
    const r = moderateText(text);
    expect(r.score).toBeGreaterThanOrEqual(0.5);
    expect(r.categories[cat]).toBeGreaterThanOrEqual(0.5);
    expect(r.spans.length).toBeGreaterThan(0);
  });

  it.each(OBFUSCATED)("flags obfuscated %s as %s", (text, cat) => {
    expect(moderateText(text).categories[cat] ?? 0).toBeGreaterThanOrEqual(0.5);
  });

  it.each(NEGATIVES)("passes %s", (text) => {
    expect(moderateText(text).score).toBeLessThan(0.5);
  });

  it("gives spans over the original text", () => {
    const text = "Nice day. You are a worthless idiot.";
    const r = moderateText(text);
    const s = r.spans.find((x) => x.type === "harassment")!;
    expect(text.slice(s.start, s.end)).toContain("idiot");
  });
});
