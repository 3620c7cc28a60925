import { describe, expect, it } from "vitest";
import { groupShares } from "./group-shares";

const row = (position: number, weight: number, enabled = true) => ({ position, weight, enabled });

describe("groupShares", () => {
  it("is null for a target alone at its position", () => {
    expect(groupShares([row(0, 1), row(1, 5)])).toEqual([null, null]);
  });

  it("splits a group by weight; a disabled member gets 0 and leaves its share to the others", () => {
    expect(groupShares([row(0, 3), row(0, 1), row(1, 1)])).toEqual([0.75, 0.25, null]);
    expect(groupShares([row(0, 3, false), row(0, 1), row(0, 1)])).toEqual([0, 0.5, 0.5]);
  });

  it("an unreadable weight or position (the form is being edited) shares nothing", () => {
    expect(groupShares([row(0, Number.NaN), row(0, 2)])).toEqual([0, 1]);
    expect(groupShares([row(Number.NaN, 1), row(Number.NaN, 1)])).toEqual([null, null]);
  });
});
