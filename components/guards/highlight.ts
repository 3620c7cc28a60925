/**
 * Splits a text into plain and highlighted segments for the "test this text"
 * box: spans are offsets (start inclusive, end exclusive) with a kind; they
 * may overlap or fall outside the text (clamped, overlaps merged into the
 * first span's kind). Pure (unit-tested).
 */
export type Segment = { text: string; type: string | null; start: number };

export function highlightSegments(text: string, spans: ReadonlyArray<{ start: number; end: number; type: string }>): Segment[] {
  const sorted = spans
    .map((s) => ({ start: Math.max(0, Math.min(s.start, text.length)), end: Math.max(0, Math.min(s.end, text.length)), type: s.type }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Segment[] = [];
  let at = 0;
  for (const s of sorted) {
    if (s.end <= at) continue;
    const start = Math.max(s.start, at);
    if (start > at) out.push({ text: text.slice(at, start), type: null, start: at });
    out.push({ text: text.slice(start, s.end), type: s.type, start });
    at = s.end;
  }
  if (at < text.length) out.push({ text: text.slice(at), type: null, start: at });
  return out;
}
