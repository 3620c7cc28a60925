import type { ChatCount } from "./chat";

/**
 * Trimming a conversation to a token limit: the oldest turns go first. A turn
 * is a user message and everything up to the next user message (assistant
 * answers, tool calls and their results), so a tool result never loses its
 * call and the conversation still starts with a user turn. Never dropped:
 * system and developer messages, the last user message and everything after
 * it. When that is still over the limit there is nothing left to drop: null.
 */

export interface TrimResult<M> {
  messages: M[];
  /** How many messages were dropped. */
  dropped: number;
  /** The raw count of what is left (fixed + kept messages). */
  raw: number;
}

const PINNED_ROLES = new Set(["system", "developer"]);

export function trimToLimit<M extends { role: string }>(
  messages: readonly M[],
  count: ChatCount,
  fits: (raw: number) => boolean,
): TrimResult<M> | null {
  if (fits(count.raw)) return { messages: [...messages], dropped: 0, raw: count.raw };
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === "user") {
      lastUser = i;
      break;
    }
  }
  if (lastUser <= 0) return null;

  // Turns before the last user message, oldest first: indices of their droppable messages.
  const turns: number[][] = [];
  for (let i = 0; i < lastUser; i++) {
    const m = messages[i]!;
    if (PINNED_ROLES.has(m.role)) continue;
    if (m.role === "user" || turns.length === 0) turns.push([i]);
    else turns[turns.length - 1]!.push(i);
  }

  const drop = new Set<number>();
  let raw = count.raw;
  for (const turn of turns) {
    if (fits(raw)) break;
    for (const i of turn) {
      drop.add(i);
      raw -= count.perMessage[i] ?? 0;
    }
  }
  if (!fits(raw)) return null;
  return { messages: messages.filter((_, i) => !drop.has(i)), dropped: drop.size, raw };
}
