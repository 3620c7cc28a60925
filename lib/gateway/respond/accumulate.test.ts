import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "@/lib/gateway/openai/schema";
import { ChunkAccumulator } from "@/lib/gateway/respond/accumulate";

const chunk = (delta: ChatCompletionChunk["choices"][number]["delta"], finish: ChatCompletionChunk["choices"][number]["finish_reason"] = null): ChatCompletionChunk => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe("ChunkAccumulator", () => {
  it("rebuilds text, tool calls and the finish reason", () => {
    const acc = new ChunkAccumulator();
    acc.add(chunk({ role: "assistant", content: "Hel" }));
    acc.add(chunk({ content: "lo" }));
    acc.add(chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"ci' } }] }));
    acc.add(chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }, "tool_calls"));
    expect(acc.toAnswer()).toMatchObject({
      id: "chatcmpl-1",
      choices: [
        {
          index: 0,
          message: { content: "Hello", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
          finish_reason: "tool_calls",
        },
      ],
    });
  });

  it("keeps at most maxChars per field and says it truncated", () => {
    const acc = new ChunkAccumulator(5);
    acc.add(chunk({ content: "abc" }));
    acc.add(chunk({ content: "defg" }));
    const a = acc.toAnswer();
    expect(a.choices[0]?.message.content).toBe("abcde");
    expect(a.truncated).toBe(true);
  });
});
