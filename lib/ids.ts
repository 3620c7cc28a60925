import { randomFillSync } from "node:crypto";

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
  requestLogBatch: "rlb",
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
  const at = takeRandom(16);
  let rand = "";
  for (let i = at; i < at + 16; i++) rand += ALPHABET[(pool[i] as number) & 31];
  return `${IdPrefix[kind]}_${time}${rand}`;
}

// Random bytes are drawn from the CSPRNG 4 KiB at a time, not 16 bytes per id:
// one randomBytes() call costs about as much as the 256 ids a refill serves
// (the gateway makes one or two ids per request). Same source, same entropy.
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function takeRandom(n: number): number {
  if (poolOffset + n > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += n;
  return at;
}
