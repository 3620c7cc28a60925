import type { ChatCompletionChunk, FinishReason } from "@/lib/gateway/openai/schema";

/**
 * Rebuilds a streamed answer from its chunks for the request log (support
 * reads the answer a user got, streamed or not): per choice the text, the
 * reasoning, the tool calls and the finish reason. Text beyond `maxChars`
 * per choice is dropped and the record says so (`truncated`).
 */
interface ChoiceAcc {
  content: string;
  reasoning: string;
  refusal: string;
  toolCalls: Map<number, { id: string; name: string; arguments: string }>;
  finishReason: FinishReason | null;
}

export interface AccumulatedAnswer {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      refusal: string | null;
      reasoning_content?: string;
      tool_calls?: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
    };
    finish_reason: FinishReason | null;
  }>;
  truncated?: boolean;
}

export class ChunkAccumulator {
  private id = "";
  private created = 0;
  private model = "";
  private readonly choices = new Map<number, ChoiceAcc>();
  private truncated = false;

  constructor(private readonly maxChars = 200_000) {}

  add(chunk: ChatCompletionChunk): void {
    if (!this.id) {
      this.id = chunk.id;
      this.created = chunk.created;
      this.model = chunk.model;
    }
    for (const c of chunk.choices) {
      let acc = this.choices.get(c.index);
      if (!acc) {
        acc = { content: "", reasoning: "", refusal: "", toolCalls: new Map(), finishReason: null };
        this.choices.set(c.index, acc);
      }
      const d = c.delta;
      if (d.content) acc.content = this.append(acc.content, d.content);
      if (d.reasoning_content) acc.reasoning = this.append(acc.reasoning, d.reasoning_content);
      if (d.refusal) acc.refusal = this.append(acc.refusal, d.refusal);
      for (const tc of d.tool_calls ?? []) {
        let call = acc.toolCalls.get(tc.index);
        if (!call) {
          call = { id: tc.id ?? "", name: "", arguments: "" };
          acc.toolCalls.set(tc.index, call);
        }
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name += tc.function.name;
        if (tc.function?.arguments) call.arguments = this.append(call.arguments, tc.function.arguments);
      }
      if (c.finish_reason) acc.finishReason = c.finish_reason;
    }
  }

  private append(to: string, piece: string): string {
    if (to.length >= this.maxChars) {
      this.truncated = true;
      return to;
    }
    if (to.length + piece.length > this.maxChars) {
      this.truncated = true;
      return to + piece.slice(0, this.maxChars - to.length);
    }
    return to + piece;
  }

  toAnswer(): AccumulatedAnswer {
    const choices = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, acc]) => {
        const tools = [...acc.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, t]) => ({ id: t.id, type: "function" as const, function: { name: t.name, arguments: t.arguments } }));
        return {
          index,
          message: {
            role: "assistant" as const,
            content: acc.content || (tools.length > 0 ? null : ""),
            refusal: acc.refusal || null,
            ...(acc.reasoning ? { reasoning_content: acc.reasoning } : {}),
            ...(tools.length > 0 ? { tool_calls: tools } : {}),
          },
          finish_reason: acc.finishReason,
        };
      });
    return { id: this.id, object: "chat.completion", created: this.created, model: this.model, choices, ...(this.truncated ? { truncated: true } : {}) };
  }
}
