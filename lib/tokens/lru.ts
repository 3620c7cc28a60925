/**
 * A small LRU of string -> token count, bounded by entries and by the total
 * characters of its keys (so a few huge prompts cannot pin memory). A Map
 * keeps insertion order: a hit is re-inserted at the end, the oldest entry is
 * the first. V8 caches a string's hash in the string, so looking up the same
 * string object again (a system prompt held by a template) is O(1); a new
 * string with the same text is hashed once, far cheaper than encoding it.
 */
export class TextCountCache {
  private readonly map = new Map<string, number>();
  private chars = 0;
  private readonly maxEntries: number;
  private readonly maxChars: number;

  constructor(opts: { maxEntries: number; maxChars: number }) {
    this.maxEntries = opts.maxEntries;
    this.maxChars = opts.maxChars;
  }

  get size(): number {
    return this.map.size;
  }

  get(text: string): number | undefined {
    const n = this.map.get(text);
    if (n === undefined) return undefined;
    this.map.delete(text);
    this.map.set(text, n);
    return n;
  }

  set(text: string, count: number): void {
    if (text.length > this.maxChars) return;
    if (this.map.has(text)) this.map.delete(text);
    else this.chars += text.length;
    this.map.set(text, count);
    while (this.map.size > this.maxEntries || this.chars > this.maxChars) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
      this.chars -= oldest.value.length;
    }
  }
}
