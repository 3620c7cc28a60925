/**
 * `npx tsx bench/tokens.ts`: what counting a prompt costs (lib/tokens), never
 * a test. A 2 KB chat request (1.5 KB system prompt + a 0.5 KB user turn of
 * varied English-like text, so the BPE merge cache does not flatter it):
 *
 *   - cold: every string new (no memo hit): the full BPE cost;
 *   - warm: the same system prompt on every request (memoised), a new user turn;
 *
 * per encoding, in microseconds per request (median of 5 rounds of 2,000).
 */
import { countChat, loadEncoding, type EncodingName } from "@/lib/tokens";

const WORDS =
  "the order book delivery customer refund arrived missing parcel please thank you could would tracking number express week monday invoice address account password reset support ticket answer question shipping warehouse store payment card declined error page login email subscription plan upgrade cancel renew discount code voucher gift wrap return label courier signature".split(
    " ",
  );

let seed = 42;
function rand(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}

function text(chars: number): string {
  let s = "";
  while (s.length < chars) {
    const w = WORDS[Math.floor(rand() * WORDS.length)]!;
    s += (s ? (rand() < 0.1 ? ". " : " ") : "") + (rand() < 0.05 ? `${w}${Math.floor(rand() * 1000)}` : w);
  }
  return s.slice(0, chars);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(encoding: EncodingName): Promise<void> {
  const t0 = performance.now();
  const count = await loadEncoding(encoding);
  const loadMs = performance.now() - t0;
  const N = 2_000;
  const systems = Array.from({ length: N }, () => text(1_536));
  const users = Array.from({ length: N }, () => text(512));
  const stableSystem = text(1_536);
  const cold: number[] = [];
  const warm: number[] = [];
  let tokens = 0;
  for (let round = 0; round < 5; round++) {
    // Fresh strings each round for the cold case (a memo hit would not be cold).
    const roundSystems = systems.map((s) => `${round}${s.slice(1)}`);
    let t = performance.now();
    for (let i = 0; i < N; i++) tokens = countChat({ messages: [{ role: "system", content: roundSystems[i]! }, { role: "user", content: users[i]! }] }, count).raw;
    cold.push(((performance.now() - t) * 1000) / N);
    t = performance.now();
    for (let i = 0; i < N; i++) tokens = countChat({ messages: [{ role: "system", content: stableSystem }, { role: "user", content: users[i]! }] }, count).raw;
    warm.push(((performance.now() - t) * 1000) / N);
  }
  console.log(
    `${encoding.padEnd(12)} load ${loadMs.toFixed(0).padStart(5)} ms | 2 KB request ~${tokens} tokens | cold ${median(cold).toFixed(1).padStart(6)} µs | stable system prompt memoised ${median(warm).toFixed(1).padStart(6)} µs`,
  );
}

for (const e of ["o200k_base", "cl100k_base"] as const) await measure(e);
