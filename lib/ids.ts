import { randomBytes } from "node:crypto";

/** Prefixes make ids easy to spot in logs: `ten_`, `key_`, `req_` ... */
export const IdPrefix = {
  tenant: "ten",
  user: "usr",
  membership: "mem",
  apiKey: "key",
  adminToken: "atk",
  provider: "prv",
  providerModel: "mdl",
  modelPrice: "prc",
  feature: "fea",
  route: "rte",
  routeTarget: "tgt",
  flag: "flg",
  optOut: "opt",
  prompt: "pmt",
  promptVersion: "pmv",
  promptLabel: "pml",
  budget: "bdg",
  budgetAlert: "bal",
  rateLimit: "rtl",
  guardPolicy: "gpl",
  tool: "tool",
  goldenSet: "gds",
  goldenCase: "gdc",
  evalRun: "evr",
  evalResult: "evx",
  request: "req",
  feedback: "fbk",
  usage: "use",
  semanticCache: "sce",
  incident: "inc",
  incidentEvent: "ine",
  runbook: "rbk",
  alertRule: "alr",
  alertChannel: "alc",
  audit: "aud",
} as const;

export type IdKind = keyof typeof IdPrefix;

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

/**
 * `<prefix>_<10 chars of ms timestamp><16 random chars>`: sortable by creation
 * time (good for the request log's indexes) and 80 bits of randomness.
 */
export function newId(kind: IdKind, now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = "";
  for (const b of bytes) rand += ALPHABET[b & 31];
  return `${IdPrefix[kind]}_${time}${rand}`;
}
