import { describe, expect, it } from "vitest";
import { loadedEncoding } from "./encodings";
import { warmEncodingsFor } from "./index";

// Its own file: which encodings are loaded is process state, and tokens.test.ts loads both.
describe("warmEncodingsFor", () => {
  it("loads o200k and the encodings the given tokenizers need, and no other", async () => {
    expect(loadedEncoding("o200k_base")).toBeUndefined();
    await warmEncodingsFor(["claude", "gemini", "some-unknown-family"]);
    expect(loadedEncoding("o200k_base")).toBeDefined();
    expect(loadedEncoding("cl100k_base")).toBeUndefined();
    await warmEncodingsFor(["o200k_base", "cl100k_base"]);
    expect(loadedEncoding("cl100k_base")?.("hello world")).toBe(2);
  });
});
