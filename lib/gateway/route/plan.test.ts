import { describe, expect, it } from "vitest";
import { orderTargets, parseStaticAnswer } from "@/lib/gateway/route/plan";

const t = (id: string, position: number, weight = 1) => ({ id, position, weight });

describe("orderTargets", () => {
  it("keeps the chain order by position", () => {
    expect(orderTargets([t("a", 0), t("b", 1), t("c", 2)]).map((x) => x.id)).toEqual(["a", "b", "c"]);
  });

  it("orders equal positions by weighted random, the rest stays in place", () => {
    const targets = [t("a", 0, 3), t("b", 0, 1), t("c", 1)];
    // random() = 0.5 of total weight 4 -> 2 falls in a's share [0,3)
    expect(orderTargets(targets, () => 0.5).map((x) => x.id)).toEqual(["a", "b", "c"]);
    // 0.9 * 4 = 3.6 falls in b's share [3,4)
    expect(orderTargets(targets, () => 0.9).map((x) => x.id)).toEqual(["b", "a", "c"]);
  });

  it("spreads first picks by weight", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const firsts = { a: 0, b: 0 };
    for (let i = 0; i < 4000; i++) firsts[orderTargets([t("a", 0, 3), t("b", 0, 1)], random)[0]?.id as "a" | "b"]++;
    expect(firsts.a / 4000).toBeGreaterThan(0.7);
    expect(firsts.a / 4000).toBeLessThan(0.8);
  });
});

describe("parseStaticAnswer", () => {
  it("reads the dashboard's { role, content } and the other stored shapes", () => {
    expect(parseStaticAnswer({ role: "assistant", content: "Sorry" })).toEqual({ content: "Sorry" });
    expect(parseStaticAnswer("Sorry")).toEqual({ content: "Sorry" });
    expect(parseStaticAnswer({ text: "Sorry" })).toEqual({ content: "Sorry" });
    expect(parseStaticAnswer({ choices: [{ message: { content: "Sorry" } }] })).toEqual({ content: "Sorry" });
  });

  it("treats empty or unreadable values as none", () => {
    for (const v of [null, undefined, "", "  ", { content: "" }, [], 42, { other: 1 }]) expect(parseStaticAnswer(v)).toBeNull();
  });
});
