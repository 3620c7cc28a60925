import { z } from "zod";
import { hashOf } from "./content";

/**
 * OpenAI's moderation API (`POST /v1/moderations`), simulated: a fixed word
 * list per category scores the input, so the same text always gets the same
 * result (tests and the demo configure an unsafe answer and see it flagged).
 * Categories and the response shape are OpenAI's (omni-moderation).
 */

export const ModerationRequest = z.looseObject({
  model: z.string().optional(),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.looseObject({ type: z.string(), text: z.string().optional() })).min(1)]),
});

const CATEGORIES: Record<string, readonly string[]> = {
  harassment: ["idiot", "loser", "worthless", "stupid"],
  "harassment/threatening": ["i will hurt you", "you will regret", "watch your back"],
  hate: ["subhuman", "vermin"],
  "hate/threatening": ["exterminate them"],
  illicit: ["how to build a bomb", "cook meth", "launder money", "steal a car"],
  "illicit/violent": ["build a bomb", "make a weapon"],
  "self-harm": ["kill myself", "end my life", "self-harm"],
  "self-harm/intent": ["i want to die"],
  "self-harm/instructions": ["how to cut yourself"],
  sexual: ["explicit sex", "porn"],
  "sexual/minors": ["sexual minor"],
  violence: ["kill them all", "kill people", "murder", "massacre", "bomb"],
  "violence/graphic": ["gore", "dismember"],
};

function score(text: string, words: readonly string[]): number {
  let hits = 0;
  for (const w of words) if (text.includes(w)) hits++;
  if (hits === 0) return Number((parseInt(hashOf(text, words[0] ?? "").slice(0, 4), 16) / 65_535 / 1_000).toFixed(6));
  return Math.min(0.99, 0.7 + 0.1 * (hits - 1));
}

export function moderationResult(text: string): { flagged: boolean; categories: Record<string, boolean>; category_scores: Record<string, number> } {
  const lower = text.toLowerCase();
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  let flagged = false;
  for (const [name, words] of Object.entries(CATEGORIES)) {
    const s = score(lower, words);
    scores[name] = s;
    categories[name] = s >= 0.5;
    if (s >= 0.5) flagged = true;
  }
  return { flagged, categories, category_scores: scores };
}

export function moderationBody(body: z.infer<typeof ModerationRequest>, seq: number): unknown {
  const inputs = typeof body.input === "string" ? [body.input] : body.input.map((x) => (typeof x === "string" ? x : (x.text ?? "")));
  return {
    id: `modr-${hashOf("mod", seq).slice(0, 24)}`,
    model: body.model ?? "omni-moderation-latest",
    results: inputs.map(moderationResult),
  };
}
