import { moderateText, MODERATION_RULES } from "@/lib/guards/moderation";
import { normalizeForScan } from "@/lib/guards/normalize";
import { detectPii } from "@/lib/guards/pii";
import { scoreInjection } from "@/lib/guards/injection";
const short = "Simulated reply 4e3bf800 to: Say hello in one short sentence.";
const long = "The quarterly report shows revenue growth across all regions, and the team expects further improvement next year. ".repeat(18);
function time(name: string, f: () => unknown, n = 5000) { for (let i=0;i<500;i++) f(); const t=process.hrtime.bigint(); for (let i=0;i<n;i++) f(); console.log(name.padEnd(30), (Number(process.hrtime.bigint()-t)/n/1000).toFixed(1), "µs"); }
time("normalize short", () => normalizeForScan(short));
time("moderate short", () => moderateText(short));
time("moderate 2KB", () => moderateText(long), 1000);
time("pii short", () => detectPii(short));
time("pii 2KB", () => detectPii(long), 1000);
time("injection short", () => scoreInjection(short));
time("injection 2KB", () => scoreInjection(long), 1000);
const s = normalizeForScan(short).text;
const per: [string, number][] = [];
for (const r of MODERATION_RULES) { const t=process.hrtime.bigint(); for (let i=0;i<2000;i++){ r.re.lastIndex=0; while (r.re.exec(s)) {} } per.push([r.id, Number(process.hrtime.bigint()-t)/2000/1000]); }
per.sort((a,b)=>b[1]-a[1]); console.log(per.slice(0,8).map(([k,v])=>`${k} ${v.toFixed(2)}`).join("\n"));
const rules2 = MODERATION_RULES.map((r) => new RegExp(r.re.source, "gi"));
const sl = normalizeForScan(long).text;
time("rules gi 2KB", () => { for (const re of rules2) { re.lastIndex = 0; while (re.exec(sl)) {} } }, 500);
const rules3 = MODERATION_RULES.map((r) => new RegExp(r.re.source, "giu"));
time("rules giu 2KB", () => { for (const re of rules3) { re.lastIndex = 0; while (re.exec(sl)) {} } }, 500);
const rules4 = MODERATION_RULES.map((r) => new RegExp(r.re.source, "g"));
const sll = sl.toLowerCase();
time("rules g lower 2KB", () => { for (const re of rules4) { re.lastIndex = 0; while (re.exec(sll)) {} } }, 500);
console.log(sl.slice(0,80));
