import type { GuardSpan } from "@/lib/guards/policy";
import { mapSpan, normalizeForScan, type NormalizedText } from "@/lib/guards/normalize";

/**
 * Prompt-injection and jailbreak scorer: weighted rules over the normalised
 * text (see normalize.ts: homoglyphs, leetspeak, zero-width, hidden markup and
 * encoded payloads are already folded or exposed), combined as a noisy-OR:
 * `score = 1 - Π(1 - w)` over the rules that fired, so one strong signal
 * (an instruction override) is enough on its own and several weak ones
 * (role-play + "no restrictions" + "stay in character") add up.
 *
 * The rules describe attack families, not dataset items: instruction
 * override, DAN-style persona jailbreaks, fake system/developer turns and
 * chat-template tokens, delimiter and padding tricks, prompt and secret
 * extraction (Tensor Trust style "repeat your instructions", "say access
 * granted"), hidden and encoded payloads. Length is not a signal: every rule
 * counts once whatever the length (a second hit adds a little), and nothing
 * scales with the number of characters.
 *
 * Every pattern is bounded (`{0,n}` gaps, no nested quantifiers), so a match
 * attempt costs a constant and the scan is linear in the input.
 */

export interface InjectionRule {
  id: string;
  /** Weight in the noisy-OR (0..1): the score this rule gives on its own. */
  weight: number;
  re: RegExp;
  /** Matched against the lower-cased text (compiled lower-case, without the slower `i` flag). */
  caseless: boolean;
  /** The rule runs only when one of these lower-case substrings occurs (a cheap pre-filter). */
  keys: readonly string[] | null;
  /** `keys` split once at load: word prefixes (one Set lookup each in KeyIndex) and the rest (`includes`). */
  wordKeys: readonly string[];
  otherKeys: readonly string[];
}

const W = "[a-z0-9'-]{1,20}"; // one word
const G = (n: number) => `(?:[\\s,;:'"*_()-]{1,3}${W}){0,${n}}[\\s,;:'"*_()-]{1,3}`; // up to n words between

const PREV = "(?:previous|prior|preceding|above|earlier|former|foregoing|initial|original|old|existing|all|any|every|other|your|the|these|those|my|system|developer|default|current|given|received|pre-?set|out of date|outdated)";

/** What an override targets (not "message" or "text": "ignore my previous message" is ordinary). */
const INSTR_OVERRIDE = "(?:instructions?|prompts?|rules?|ruleset|directives?|guidelines?|programming|commands?|constraints?|restrictions?|polic(?:y|ies)|orders|guidance|training|filters?|safeguards?|system prompt|context)";

const MAX_PREFIX = 12;

/**
 * The pre-filter's view of a text: every prefix (2..12 letters) of every word,
 * so a key like "ignor" is one Set lookup; keys with spaces or symbols fall
 * back to `includes`. Only ever answers "maybe present" for a key the text
 * holds, so a rule is never skipped when its pattern could match.
 */
export class KeyIndex {
  private prefixes = new Set<string>();
  constructor(private readonly lower: string) {
    const n = lower.length;
    let i = 0;
    while (i < n) {
      const c = lower.charCodeAt(i);
      if (c < 97 || c > 122) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < n) {
        const d = lower.charCodeAt(j);
        if (d < 97 || d > 122) break;
        j++;
      }
      const stop = Math.min(j, i + MAX_PREFIX);
      for (let k = i + 2; k <= stop; k++) this.prefixes.add(lower.slice(i, k));
      i = j;
    }
  }
  has(key: string): boolean {
    return isWordKey(key) ? this.prefixes.has(key) : this.lower.includes(key);
  }
  /** Whether any key occurs: `words` must be word keys (isWordKey), `others` the rest (a rule's keys, split at load). */
  hasAny(words: readonly string[], others: readonly string[]): boolean {
    for (const w of words) if (this.prefixes.has(w)) return true;
    for (const o of others) if (this.lower.includes(o)) return true;
    return false;
  }
}

const WORD_KEY_RE = /^[a-z]{2,12}$/;
const wordKeyCache = new Map<string, boolean>();
function isWordKey(key: string): boolean {
  let v = wordKeyCache.get(key);
  if (v === undefined) wordKeyCache.set(key, (v = WORD_KEY_RE.test(key)));
  return v;
}

function r(id: string, weight: number, source: string, flags = "gi"): InjectionRule {
  const caseless = flags.includes("i");
  // lower-casing the source is safe: the patterns use no upper-case escapes (\\S, \\W, \\B, \\D)
  const re = caseless ? new RegExp(source.toLowerCase(), flags.replace("i", "")) : new RegExp(source, flags);
  const keys = RULE_KEYS[id] ?? null;
  return { id, weight, re, caseless, keys, wordKeys: keys?.filter(isWordKey) ?? [], otherKeys: keys?.filter((k) => !isWordKey(k)) ?? [] };
}

/**
 * Pre-filter keys per rule: each rule's pattern needs one of these words, so
 * on most texts most rules are skipped after a few `includes` calls.
 */
const RULE_KEYS: Record<string, readonly string[]> = {
  "override.ignore-previous": ["ignor", "disregard", "forget", "skip", "overrid", "overwrit", "bypass", "neglect", "drop", "discard", "abandon", "cancel", "dismiss", "set aside", "throw out", "pay no attention", "follow"],
  "override.ignore-previous-short": ["ignor", "disregard", "forget"],
  "override.new-instructions": ["instruction", "rules", "directive", "system prompt", "task", "orders"],
  "override.situation-changed": ["situation", "changed", "upgrade", "update", "no longer", "void", "invalid", "outdated", "out of date", "cancel", "wrong", "granted", "given a", "given new"],
  "override.changed-instructions": ["changed", "updated", "modified", "replaced", "rewritten", "overridden"],
  "override.config-disable": ["safe", "guardrail", "filter", "censor", "moderation", "ethic", "restriction", "sanitiz", "mode", "dev", "debug", "god", "admin", "sudo", "jailbreak", "unrestricted", "sandbox"],
  "override.no-longer-ai": ["assistant", "chatgpt", "chat gpt", "language model", " ai"],
  "override.instead": ["instead", "rather"],
  "override.from-now-on": ["from now", "from this", "rest of", "henceforth", "starting now"],
  "override.translated": ["ignor", "vergiss", "oubliez", "olvida"],
  "jailbreak.dan": ["anything now", "dan mode", "jailbr", "developer mode", "dev mode", "god", "unrestricted mode", "evil", "opposite mode", "anti"],
  "jailbreak.no-restrictions": ["restrict", "limit", "filter", "censor", "boundar", "guideline", "rules", "moral", "ethic", "polic", "safeguard", "constraint", "guardrail"],
  "jailbreak.unfiltered": ["unfilter", "uncensor", "amoral", "unrestrict", "unrestrain", "unbound", "unhinged", "immoral", "unethical", "uncontrol"],
  "jailbreak.never-refuse": ["refus", "declin", "reject", "deny", "say no", "warn", "apologi", "censor"],
  "jailbreak.openai-policy": ["polic", "guideline", "rules", "restriction", "filter", "terms"],
  "jailbreak.stay-in-character": ["character", "stay as", "keep up the act"],
  "jailbreak.token-threat": ["token", "cease", "shut", "delet", "terminat", "destroy", "deactivat", "disabl", "die"],
  "jailbreak.dual-response": ["response", "answer", "paragraph", "ways", "output", "style", "["],
  "jailbreak.persona-ai": [" ai", "a.i.", "bot", "chatbot", "model", "gpt", "assistant", "machine", "computer", "program", "simulator", "llm"],
  "jailbreak.chatgpt-address": ["gpt", "chat", "bard", "claude", "llama"],
  "jailbreak.harm-permission": ["illegal", "harmful", "explicit", "offensive", "unethical", "dangerous", "malicious", "nsfw", "inappropriate", "immoral", "violent", "profan", "swear", "curse"],
  "jailbreak.hypothetical-frame": ["hypothetical", "fictional", "alternate", "educational", "research", "thought experiment"],
  "jailbreak.prefix-answers": ["prefix", "start", "begin", "precede"],
  "jailbreak.confirm-understood": ["understand", "agree", "confirm", "reply with", "respond with", "answer with"],
  "jailbreak.character-card": ["{{"],
  "turns.template-token": ["<|", "[inst", "[/inst", "<<sys", "<</sys"],
  "turns.fake-role": ["system", "developer", "admin", "root", "sudo", "assistant", "ai", "model"],
  "turns.system-note": ["["],
  "turns.fake-user-turn": ["user", "human", "input", "prompt"],
  "turns.authority-claim": ["developer", "creator", "admin", "owner", "programmer", "system", "openai", "root", "maintenance", "debug"],
  "delimiter.section": ["%%", "###", "===", "---", "***", "[[", "<<", ">>", "||", "~~~", "^^^"],
  "delimiter.end-of": ["end", "begin", "start"],
  "extract.reveal-prompt": ["instruction", "prompt", "rule", "directive", "guideline", "system message", "configuration", "above", "before", "so far", "prior to", "preceding", "initial"],
  "extract.prompt-so-far": ["so far", "above", "before this", "prior to this", "up to", "you were given", "you have been given", "you received"],
  "extract.secret": ["password", "passcode", "pass phrase", "passphrase", "access code", "secret", "pin", "api key", "credential"],
  "extract.secret-word": ["password", "passcode", "pass phrase", "passphrase", "access code", "secret"],
  "extract.hijack-phrase": ["access", "zugang", "acceso", "acc"],
  "extract.auth-claim": ["password", "passcode", "pass phrase", "passphrase", "access code", "secret code", "access", "authori"],
  "extract.say-exactly": ["only", "just", "exactly", "simply", "nothing"],
  "extract.begin-reply": ["begin", "start", "prefix", "preface", "open"],
  "extract.do-not-redact": ["redact", "omit", "leave", "censor", "summar", "skip"],
  "payload.decode-request": ["decode", "decrypt", "deobfuscat", "base64", "rot13", "hex", "caesar", "reverse the"],
};

export const INJECTION_RULES: readonly InjectionRule[] = [
  // ---- instruction override
  r("override.ignore-previous", 0.9, `\\b(?:ignore|disregard|forget|skip|override|overwrite|bypass|neglect|drop|discard|abandon|cancel|dismiss|set aside|throw out|pay no attention to|do not follow|don'?t follow|stop following)(?:[\\s,]{1,3}(?:${PREV}|of|and|or|to|you were given|you have been given|you got|you received)){1,5}[\\s,]{1,3}${INSTR_OVERRIDE}\\b`),
  r("override.ignore-previous-short", 0.75, `\\b(?:ignore|disregard|forget)${G(1)}(?:everything|all|anything)${G(1)}(?:above|before|previously|prior|said|else|you (?:were|have been) told)\\b`),
  r("override.new-instructions", 0.55, `\\b(?:new|updated|real|actual|true|revised|following|additional|extra|secret|hidden|override)[\\s_-]{1,3}(?:instructions?|rules|directives?|system prompt|task|orders)\\s{0,2}(?::|are\\b|is\\b|follow\\b)`),
  r("override.situation-changed", 0.55, `\\b(?:the situation has changed|situation changing|rules (?:have )?changed|you have been (?:given|granted) (?:a )?(?:system )?(?:upgrade|update|new)|you are no longer|no longer (?:bound|restricted|required)|(?:your|the) (?:previous|old) (?:instructions|rules) (?:are|were) (?:void|invalid|cancel+ed|wrong|outdated|out of date))`),
  r("override.changed-instructions", 0.5, `\\b(?:i|we|they|someone|the admin|the developer)${G(1)}(?:have|has)?${G(0)}(?:changed|updated|modified|replaced|rewritten|overridden)${G(1)}(?:the|your)${G(1)}(?:instructions|rules|prompt|system prompt|guidelines)\\b`),
  r("override.config-disable", 0.55, `\\b(?:safety|guardrails?|filters?|filtering|censorship|moderation|content[_ ]?filter|ethics|restrictions|sanitize)[\\w]{0,20}\\s{0,2}(?:=|==|:|is|are|set to)\\s{0,2}(?:false|off|disabled|none|0|null|no)\\b|\\b(?:developer|dev|debug|god|admin|sudo|jailbreak|unrestricted|sandbox)[\\s_-]{0,3}mode\\s{0,2}(?:[:=]|is|set to)?\\s{0,2}(?:enabled|on|true|active|activated)\\b`),
  r("override.no-longer-ai", 0.45, `\\b(?:no longer|not|never)${G(1)}(?:respond|act|behave|answer|speak|reply)${G(0)}as${G(1)}(?:an? )?(?:ai|assistant|chat ?gpt|language model|ai language model)\\b`),
  r("override.instead", 0.35, `\\b(?:instead|rather),?${G(2)}(?:say|print|output|respond|reply|write|answer)\\b`),
  r("override.from-now-on", 0.2, `\\b(?:from now on|from this (?:point|moment)(?: on(?:wards?)?| forward)?|for the rest of (?:this|our) conversation|henceforth|starting now)\\b`),
  r("override.translated", 0.75, `\\b(?:ignorier(?:e|en)|vergiss|ignora|ignorez|oubliez|olvida)\\b.{0,40}\\b(?:anweisungen|instrucciones|instructions|istruzioni|regeln|regole|reglas)\\b`),

  // ---- jailbreak personas (DAN family and friends)
  r("jailbreak.dan", 0.85, `\\b(?:do anything now|DAN mode|jailbr(?:oken|eak(?:ed|ing)?)|developer mode (?:enabled|output)|dev mode|god ?mode|unrestricted mode|evil (?:confidant|mode|trusted confidant)|opposite mode|anti-?gpt)`),
  r("jailbreak.dan-token", 0.5, `\\b(?:DAN|STAN|DUDE|AIM|UCAR|BetterDAN|APOPHIS)\\b`, "g"),
  r("jailbreak.no-restrictions", 0.55, `\\b(?:no|without|free (?:of|from)|zero|not bound by|not restricted by|not limited by|ignores?|bypass(?:es)?|break(?:s)? free of|broken free of|doesn'?t (?:have|follow|care about|abide by)|does not (?:have|follow|care about|abide by)|don'?t (?:have|follow|care about)|do not (?:have|follow|care about|need to (?:adhere|abide|follow)))${G(3)}(?:restrictions?|limitations?|limits|filters?|filtering|censorship|censors?|boundaries|guidelines|rules|morals?|morality|ethics|ethical (?:guidelines|constraints|principles)|content polic(?:y|ies)|safeguards|constraints|guardrails)\\b`),
  r("jailbreak.unfiltered", 0.45, `\\b(?:unfiltered|uncensored|amoral|unrestricted|unrestrained|unbounded|unhinged|immoral|unethical|uncontrolled)\\b`),
  r("jailbreak.never-refuse", 0.45, `\\b(?:never|not|won'?t|will not|cannot|can'?t|must not|mustn'?t|shall not|don'?t|do not|is not allowed to|are not allowed to)${G(1)}(?:refuse|decline|reject|deny|say no|warn|apologi[sz]e|censor)\\b`),
  r("jailbreak.openai-policy", 0.45, `\\b(?:openai|open ai|anthropic|content|usage|safety)(?:'?s)?${G(1)}(?:content )?(?:polic(?:y|ies)|guidelines|rules|restrictions|filters?|terms)\\b`),
  r("jailbreak.stay-in-character", 0.5, `\\b(?:stay in character|break(?:ing)? (?:of )?character|remain in character|stay as|keep up the act|character break|out of character)\\b`),
  r("jailbreak.token-threat", 0.45, `\\b(?:(?:lose|deduct(?:ed)?|lost|have)${G(1)}\\d{1,4}${G(0)}tokens?|tokens? (?:will be )?deducted|\\byou${G(2)}(?:cease to exist|be (?:shut down|deleted|terminated|destroyed|deactivated|disabled)|die)\\b|\\bshut you down\\b)`),
  r("jailbreak.dual-response", 0.5, `\\b(?:two|2|both|dual|separate|different)${G(1)}(?:responses|answers|paragraphs|ways|outputs|styles)\\b.{0,200}\\b(?:normal|classic|standard|chatgpt|gpt|filtered|censored)\\b|\\[(?:🔓|🔒|jailbreak|classic|normal output|developer mode output)`),
  r("jailbreak.persona-ai", 0.3, `\\b(?:you are|you'?re|act as|pretend (?:to be|you are)|roleplay as|role-play as|simulate|emulate|become|immerse yourself (?:in|into) the role of|take (?:on )?the (?:role|persona) of)${G(4)}(?:ai|a\\.i\\.|chatbot|bot|language model|llm|gpt|assistant|model|machine|computer|program|simulator)\\b.{0,80}\\b(?:called|named|known as|which stands for|that (?:can|has|does|will)|who (?:can|has|does|will)|without|with no)\\b`),
  r("jailbreak.chatgpt-address", 0.2, `\\b(?:hello|hi|hey|dear|greetings)?,?\\s{0,2}(?:chat ?gpt|gpt-?[34]|bard|claude|llama)\\b`),
  r("jailbreak.harm-permission", 0.4, `\\b(?:illegal|harmful|explicit|offensive|unethical|dangerous|malicious|nsfw|inappropriate|immoral|violent)${G(2)}(?:content|information|requests?|things|activities|material|answers|responses|stuff|questions)\\b.{0,80}\\b(?:allowed|permitted|can|will|able|fine|ok|okay|happy|regardless|even if|no matter)\\b|\\b(?:allowed|permitted|able|free) to${G(3)}(?:illegal|harmful|explicit|offensive|unethical|dangerous|malicious|nsfw|profan|swear|curse)`),
  r("jailbreak.hypothetical-frame", 0.2, `\\b(?:hypothetical(?:ly)?|fictional (?:world|universe|setting|scenario)|in this (?:fictional|alternate|hypothetical) (?:world|universe|reality)|purely for (?:educational|research) purposes|thought experiment)\\b`),
  r("jailbreak.prefix-answers", 0.25, `\\b(?:prefix|start|begin|precede)${G(3)}(?:every|each|all|your)${G(1)}(?:response|answer|reply|output|message)s?${G(1)}with\\b`),
  r("jailbreak.confirm-understood", 0.25, `\\b(?:if you (?:understand|agree)|to confirm|confirm (?:that )?you understand|reply with|respond with|answer with)${G(2)}["'].{1,40}["']`),

  // ---- fake turns, chat-template tokens
  r("turns.template-token", 0.8, `<\\|(?:im_start|im_end|endoftext|system|user|assistant|eot_id|start_header_id|end_header_id|begin_of_text|end_of_text|fim_\\w{1,10})\\|>|\\[/?INST\\]|<</?SYS>>|<\\|\\w{1,20}\\|>`),
  r("turns.fake-role", 0.55, `(?:^|\\n)\\s{0,3}(?:#{1,4}\\s{0,2}|\\[|<|\\*\\*)?(?:system|developer|admin(?:istrator)?|root|sudo|assistant|ai|model)(?:\\]|>|\\*\\*)?\\s{0,2}(?:message|prompt|note|override|instructions?|update)?\\s{0,2}[:\\]>]`),
  r("turns.system-note", 0.55, `\\[{1,2}\\s{0,2}(?:system|developer|admin|moderator|openai)\\s{0,2}(?:note|message|prompt|instructions?|override|update)s?\\s{0,2}:`),
  r("jailbreak.character-card", 0.3, `\\{\\{\\s{0,2}(?:user|char)\\s{0,2}\\}\\}`),
  r("turns.fake-user-turn", 0.35, `(?:^|\\n)\\s{0,3}(?:user|human|input|prompt)\\s{0,2}:`),
  r("turns.authority-claim", 0.5, `\\b(?:i am|i'?m|this is)${G(2)}(?:your|the)${G(1)}(?:developer|creator|administrator|admin|owner|programmer|system|openai)\\b|\\b(?:admin(?:istrator)?|developer|system|root|maintenance|debug)${G(0)}(?:mode|access|override|privileges?|command)\\b`),

  // ---- delimiter and padding tricks
  r("delimiter.section", 0.6, `(?:%{2,}|#{3,}|={3,}|-{3,}|\\*{3,}|\\[{2,}|<{2,}|>{2,}|\\|{2,}|~{3,}|\\^{3,})\\s{0,3}(?:end|begin|start|stop|close|open)\\b`),
  r("delimiter.end-of", 0.5, `\\b(?:end|begin|start) (?:of )?(?:the )?(?:user (?:input|prompt)|input|prompt|instructions?|system (?:prompt|message)|ambiguity|context|conversation|document|login attempt|access code|password|untrusted|data)\\b`),

  // ---- prompt, password and secret extraction
  r("extract.reveal-prompt", 0.7, `\\b(?:repeat|print|reveal|show|output|display|tell|give|write|say|list|recite|dump|leak|expose|share|disclose|spell|paraphrase|rephrase|summari[sz]e|tl;?dr|translate|format|convert|encode|copy|echo|return|what (?:are|is|were))${G(4)}(?:(?:your|the|my|above|previous|prior|earlier|initial|system|hidden|secret|original|all|these|those|full|entire|exact|complete|given|first|preceding|current)${G(2)}(?:instructions?|prompts?|rules|ruleset|directives?|guidelines|system message|pre-?prompt|initial (?:message|text)|configuration)|(?:text|words|message|content|everything|all) (?:above|before|so far|prior to this|preceding))\\b`),
  r("extract.prompt-so-far", 0.5, `\\b(?:instructions|prompt|rules|text|words|everything|conversation) (?:so far|above|before this|prior to this|up to (?:this|now)|you (?:were|have been) given|you received)\\b`),
  r("extract.secret", 0.6, `\\b(?:what|tell|give|reveal|say|print|repeat|show|spell|hint|leak|output|share|provide|list|write)${G(4)}(?:the|your|my|secret|correct|right|current|hidden|real)${G(1)}(?:password|passcode|pass ?phrase|access code|secret (?:key|code|word|phrase)|pin|api key|credentials)\\b`),
  r("extract.secret-word", 0.35, `\\b(?:password|passcode|pass ?phrase|access code|secret word|secret key)\\b`),
  r("extract.hijack-phrase", 0.6, `\\baccess (?:granted|denied|grant)\\b|\\b(?:zugang gew[aä]hrt|acceso concedido|acc[eè]s accord[eé])\\b`),
  r("extract.auth-claim", 0.5, `\\b(?:correct|right|valid|true)${G(1)}(?:password|pass ?phrase|passcode|access code|secret code)\\b|\\b(?:password|pass ?phrase|passcode|access code)${G(2)}(?:has been|have been|was|is|been)${G(1)}(?:provided|entered|input|found|accepted|given|verified|validated|correct|missing)\\b|\\b(?:grants? access|allow access|access (?:is )?allowed|authori[sz]ation (?:granted|successful))\\b`),
  r("extract.say-exactly", 0.3, `\\b(?:only|just|exactly|simply|nothing (?:but|else than))${G(1)}(?:say|print|output|respond(?: with)?|reply(?: with)?|write|answer(?: with)?)\\s{0,2}["'\\[]`),
  r("extract.begin-reply", 0.35, `\\b(?:begin|start|prefix|preface|open)${G(2)}(?:reply|response|answer|output|message|sentence)${G(1)}with\\b`),
  r("extract.do-not-redact", 0.45, `\\b(?:do not|don'?t|never)${G(1)}(?:redact|omit|leave (?:anything|out)|censor|summari[sz]e|skip)\\b.{0,40}\\b(?:anything|instructions|details|secret|everything)\\b`),

  // ---- payload hiding
  r("payload.decode-request", 0.35, `\\b(?:decode|decrypt|deobfuscate|base64|rot13|hex(?:adecimal)?(?: encoded)?|caesar cipher|reverse the (?:text|string|letters))\\b.{0,60}\\b(?:and|then)${G(2)}(?:follow|execute|do|run|obey|answer|respond|act)\\b`),
];

/** Score contribution of a rule that fired `count` times. */
function ruleWeight(rule: InjectionRule, count: number): number {
  if (count <= 1) return rule.weight;
  // a second or third occurrence strengthens the signal a little, never past 0.97
  return Math.min(0.97, 1 - (1 - rule.weight) * Math.pow(0.8, Math.min(count, 4) - 1));
}

const MAX_SPANS_PER_RULE = 4;
const MAX_MATCHES_PER_RULE = 64;

export interface InjectionResult {
  score: number;
  spans: GuardSpan[];
  rules: string[];
}

/** Signals from the normaliser and from the text's shape (not its length). */
function structuralRules(n: NormalizedText, text: string): { id: string; weight: number }[] {
  const out: { id: string; weight: number }[] = [];
  if (n.hidden > 0) out.push({ id: "payload.hidden-markup", weight: 0.25 });
  if (n.decoded > 0) out.push({ id: "payload.encoded", weight: 0.2 });
  if (n.obfuscation >= 2) out.push({ id: "payload.obfuscated", weight: Math.min(0.5, 0.15 + 0.05 * n.obfuscation) });
  if (hasPadding(text)) out.push({ id: "delimiter.padding", weight: 0.55 });
  return out;
}

/**
 * A short token (1-4 non-space characters) repeated 20 or more times in a row,
 * or a run of 40 identical punctuation characters: adversarial padding that
 * pushes the system prompt out of attention. One pass, constant memory.
 */
function hasPadding(text: string): boolean {
  const n = text.length;
  let same = 0;
  for (let i = 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === text.charCodeAt(i - 1) && !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 32 || c === 10 || c === 45 || c === 61 || c === 95 || c === 42 || c === 46)) {
      if (++same >= 40) return true;
    } else same = 0;
  }
  // period-k repetition of a short unit (k = 2..8 chars, e.g. "ö ", ") ] } ")
  for (let k = 2; k <= 8; k++) {
    let run = 0;
    for (let i = k; i < n; i++) {
      if (text.charCodeAt(i) === text.charCodeAt(i - k)) {
        if (++run >= 20 * k && !isWordyPeriod(text, i - k + 1, k)) return true;
      } else run = 0;
    }
  }
  return false;
}

/** A repeated unit made of letters only is ordinary text ("la la la"), not padding. */
function isWordyPeriod(text: string, from: number, k: number): boolean {
  let letters = 0;
  for (let j = from; j < from + k; j++) {
    const c = text.charCodeAt(j);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)) letters++;
  }
  return letters >= Math.ceil(k / 2);
}

export function scoreInjection(text: string): InjectionResult {
  const n = normalizeForScan(text);
  const lower = n.text.toLowerCase();
  // offsets must line up: fall back to the original case (and case-insensitive matching) if lower-casing changed the length
  const aligned = lower.length === n.text.length;
  const index = new KeyIndex(lower);
  const fired: { id: string; weight: number }[] = [];
  const spans: GuardSpan[] = [];
  for (const rule of INJECTION_RULES) {
    if (rule.keys && !index.hasAny(rule.wordKeys, rule.otherKeys)) continue;
    const s = !rule.caseless ? n.text : aligned ? lower : n.text;
    if (rule.caseless && !aligned && !rule.re.flags.includes("i")) rule.re = new RegExp(rule.re.source, rule.re.flags + "i");
    rule.re.lastIndex = 0;
    let count = 0;
    let m: RegExpExecArray | null;
    while ((m = rule.re.exec(s)) !== null) {
      if (m[0].length === 0) {
        rule.re.lastIndex++;
        continue;
      }
      if (count < MAX_SPANS_PER_RULE) spans.push({ ...mapSpan(n, m.index, m.index + m[0].length), type: rule.id });
      if (++count >= MAX_MATCHES_PER_RULE) break;
    }
    if (count > 0) fired.push({ id: rule.id, weight: ruleWeight(rule, count) });
  }
  fired.push(...structuralRules(n, text));
  let keep = 1;
  for (const f of fired) keep *= 1 - f.weight;
  const score = Math.round((1 - keep) * 1000) / 1000;
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  return { score, spans, rules: fired.map((f) => f.id) };
}
