/**
 * The dashboard's diff of two prompt versions: template, declared
 * variables, default parameters and output schema, each as aligned
 * side-by-side rows (with word-level changes inside a changed line),
 * unified hunks, and the unified patch text. Plain JSON (PromptVersionDiff
 * in lib/prompts/schema.ts), computed on the server, rendered by the UI.
 *
 * Lines are diffed by jsdiff (npm `diff`, Myers' algorithm). Templates are
 * shown as text, one block per message headed by its role, so a reviewer
 * reads prompt prose rather than JSON string escapes; variables, params and
 * the output schema as JSON with sorted keys, so key order never shows up as
 * a change.
 */
import { diffLines, diffWords, diffWordsWithSpace, formatPatch, structuredPatch, type Change } from "diff";
import type {
  PromptDiffCell,
  PromptDiffField,
  PromptDiffHunk,
  PromptDiffRow,
  PromptDiffSection,
  PromptDiffSegment,
  PromptVersionDiff,
} from "@/lib/prompts/schema";

export interface DiffableVersion {
  readonly version: number;
  readonly template: unknown;
  readonly variables?: unknown;
  readonly params?: unknown;
  readonly outputSchema?: unknown;
}

/** Past this many changed lines the diff gives up on alignment and shows old as removed, new as added. */
const MAX_EDIT_LENGTH = 5_000;
/** Word-level segments only for lines shorter than this (keeps a pathological line cheap). */
const MAX_WORD_DIFF_CHARS = 2_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** JSON with object keys sorted at every level, 2-space indented; absent/null = "" (no lines). */
export function stableJson(value: unknown): string {
  if (value === undefined || value === null) return "";
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (isRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sort(v[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 2) ?? "";
}

/**
 * A template as reviewable text: each message as `### <n> <role>` (and
 * `· part <m>` per text part) followed by its content verbatim. Anything
 * that is not a list of `{ role, content }` falls back to stable JSON.
 */
export function templateText(template: unknown): string {
  if (!Array.isArray(template)) return stableJson(template);
  const blocks: string[] = [];
  for (let i = 0; i < template.length; i++) {
    const m: unknown = template[i];
    if (!isRecord(m) || typeof m.role !== "string") return stableJson(template);
    const head = `### ${i + 1} ${m.role}${typeof m.name === "string" ? ` (${m.name})` : ""}`;
    if (typeof m.content === "string") blocks.push(`${head}\n${m.content}`);
    else if (Array.isArray(m.content)) {
      m.content.forEach((p: unknown, j: number) => {
        const text = isRecord(p) && typeof p.text === "string" ? p.text : stableJson(p);
        blocks.push(`${head} · part ${j + 1}\n${text}`);
      });
    } else return stableJson(template);
  }
  return blocks.join("\n\n");
}

/** LF line endings and a final newline (so "no newline at end" never shows up as a change). */
function normalise(text: string): string {
  const t = text.replace(/\r\n?/g, "\n");
  return t === "" || t.endsWith("\n") ? t : `${t}\n`;
}

function splitLines(value: string): string[] {
  const lines = value.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Word-level changes within a changed line. `diffWords` reads best (it
 * attaches spaces to the words around them) but treats whitespace-only
 * changes as equal and then reports the new side's text; when its segments
 * do not rebuild both lines exactly, `diffWordsWithSpace` (whitespace as
 * tokens) is used instead.
 */
function wordSegments(oldLine: string, newLine: string): { left: PromptDiffSegment[]; right: PromptDiffSegment[] } | null {
  if (oldLine.length > MAX_WORD_DIFF_CHARS || newLine.length > MAX_WORD_DIFF_CHARS) return null;
  const readable = segmentsOf(diffWords(oldLine, newLine));
  if (joined(readable.left) === oldLine && joined(readable.right) === newLine) return readable;
  return segmentsOf(diffWordsWithSpace(oldLine, newLine));
}

function joined(list: readonly PromptDiffSegment[]): string {
  let s = "";
  for (const x of list) s += x.text;
  return s;
}

function segmentsOf(changes: readonly Change[]): { left: PromptDiffSegment[]; right: PromptDiffSegment[] } {
  const left: PromptDiffSegment[] = [];
  const right: PromptDiffSegment[] = [];
  for (const c of changes) {
    if (c.added) pushSegment(right, c.value, "added");
    else if (c.removed) pushSegment(left, c.value, "removed");
    else {
      pushSegment(left, c.value, "same");
      pushSegment(right, c.value, "same");
    }
  }
  return { left, right };
}

/** Appends, merging with the previous segment of the same kind. */
function pushSegment(list: PromptDiffSegment[], text: string, kind: PromptDiffSegment["kind"]): void {
  const last = list[list.length - 1];
  if (last && last.kind === kind) last.text += text;
  else list.push({ text, kind });
}

function sideBySide(a: string, b: string): { rows: PromptDiffRow[]; added: number; removed: number } {
  const changes = diffLines(a, b, { maxEditLength: MAX_EDIT_LENGTH }) ?? [
    { value: a, added: false, removed: true, count: splitLines(a).length },
    { value: b, added: true, removed: false, count: splitLines(b).length },
  ];
  const rows: PromptDiffRow[] = [];
  let l = 1;
  let r = 1;
  let added = 0;
  let removed = 0;
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i];
    if (!c || c.value === "") continue;
    if (!c.added && !c.removed) {
      for (const text of splitLines(c.value)) rows.push({ kind: "same", left: { line: l++, text }, right: { line: r++, text } });
      continue;
    }
    if (c.removed) {
      const olds = splitLines(c.value);
      removed += olds.length;
      const next = changes[i + 1];
      const news = next?.added ? splitLines(next.value) : [];
      if (next?.added) {
        added += news.length;
        i++;
      }
      const n = Math.max(olds.length, news.length);
      for (let k = 0; k < n; k++) {
        const o = olds[k];
        const w = news[k];
        if (o !== undefined && w !== undefined) {
          const seg = wordSegments(o, w);
          const left: PromptDiffCell = { line: l++, text: o };
          const right: PromptDiffCell = { line: r++, text: w };
          if (seg) {
            left.segments = seg.left;
            right.segments = seg.right;
          }
          rows.push({ kind: "changed", left, right });
        } else if (o !== undefined) rows.push({ kind: "removed", left: { line: l++, text: o }, right: null });
        else if (w !== undefined) rows.push({ kind: "added", left: null, right: { line: r++, text: w } });
      }
      continue;
    }
    const news = splitLines(c.value);
    added += news.length;
    for (const text of news) rows.push({ kind: "added", left: null, right: { line: r++, text } });
  }
  return { rows, added, removed };
}

function section(field: PromptDiffField, from: number, to: number, oldText: string, newText: string, context: number): PromptDiffSection {
  const a = normalise(oldText);
  const b = normalise(newText);
  const { rows, added, removed } = sideBySide(a, b);
  const oldName = `v${from}/${field}`;
  const newName = `v${to}/${field}`;
  const patch = structuredPatch(oldName, newName, a, b, undefined, undefined, { context, maxEditLength: MAX_EDIT_LENGTH });
  const hunks: PromptDiffHunk[] = (patch?.hunks ?? []).map((h) => ({
    oldStart: h.oldStart,
    oldLines: h.oldLines,
    newStart: h.newStart,
    newLines: h.newLines,
    lines: [...h.lines],
  }));
  return {
    field,
    changed: a !== b,
    added,
    removed,
    rows,
    hunks,
    unified: patch && a !== b ? formatPatch(patch) : "",
  };
}

/** The diff of version `from` -> `to` (`context`: unchanged lines around each hunk, default 3). */
export function diffPromptVersions(from: DiffableVersion, to: DiffableVersion, opts: { context?: number } = {}): PromptVersionDiff {
  const context = Math.max(0, Math.min(opts.context ?? 3, 1000));
  const sections = [
    section("template", from.version, to.version, templateText(from.template), templateText(to.template), context),
    section("variables", from.version, to.version, stableJson(from.variables ?? {}), stableJson(to.variables ?? {}), context),
    section("params", from.version, to.version, stableJson(from.params ?? {}), stableJson(to.params ?? {}), context),
    section("outputSchema", from.version, to.version, stableJson(from.outputSchema), stableJson(to.outputSchema), context),
  ];
  return { from: from.version, to: to.version, identical: sections.every((s) => !s.changed), sections };
}
