import { describe, expect, it } from "vitest";
import { withCleanup } from "@/lib/gateway/respond/iterables";

async function* numbers(log: string[]): AsyncGenerator<number, void, undefined> {
  try {
    yield 1;
    yield 2;
  } finally {
    log.push("finally");
  }
}

describe("withCleanup", () => {
  it("runs cleanup when abandoned before the first next() (a generator's finally would not)", async () => {
    const log: string[] = [];
    const it = withCleanup(numbers(log), () => log.push("cleanup"))[Symbol.asyncIterator]();
    await it.return?.();
    expect(log).toEqual(["cleanup"]);
  });

  it("leaves cleanup to the generator once started", async () => {
    const log: string[] = [];
    const out: number[] = [];
    for await (const n of withCleanup(numbers(log), () => log.push("cleanup"))) {
      out.push(n);
      break;
    }
    expect(out).toEqual([1]);
    expect(log).toEqual(["finally"]);
  });
});
