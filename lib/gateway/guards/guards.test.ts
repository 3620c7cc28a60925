import { describe, expect, it } from "vitest";
import { buildSnapshot, emptySnapshot } from "@/lib/gateway/config/build";
import { readClassifierAnswer } from "@/lib/gateway/guards/classifier";
import { checkJson } from "@/lib/gateway/guards/json-schema";
import { decideTool, toolCallName, toolSurface } from "@/lib/gateway/guards/tools";
import type { ToolEntry } from "@/lib/gateway/config/types";
import { DEFAULT_GUARD_POLICY } from "@/lib/guards/policy";

const SCHEMA = { type: "object", properties: { n: { type: "integer" } }, required: ["n"], additionalProperties: false };

describe("checkJson", () => {
  it("accepts a valid answer and names what is wrong with an invalid one", () => {
    expect(checkJson('{"n": 3}', SCHEMA)).toEqual({ ok: true, value: { n: 3 } });
    expect(checkJson('{"n": "3"}', SCHEMA)).toMatchObject({ ok: false, parsed: true, error: expect.stringContaining("/n") as string });
    expect(checkJson('{"n": 3, "x": 1}', SCHEMA)).toMatchObject({ ok: false, parsed: true });
    expect(checkJson('{"n": 3', SCHEMA)).toMatchObject({ ok: false, parsed: false, error: expect.stringContaining("not valid JSON") as string });
    expect(checkJson(null, SCHEMA)).toMatchObject({ ok: false, parsed: false });
  });

  it("json_object (no schema) wants an object; a schema Ajv refuses is reported, not thrown", () => {
    expect(checkJson("[1]", null)).toMatchObject({ ok: false });
    expect(checkJson('{"a":1}', null)).toMatchObject({ ok: true });
    expect(checkJson('{"a":1}', { type: "no-such-type" })).toMatchObject({ ok: false, error: expect.stringContaining("invalid schema") as string });
  });
});

describe("tool surface", () => {
  const tool = (name: string, o: Partial<ToolEntry> = {}): ToolEntry => ({ id: name, tenantId: "t", featureId: null, name, parameters: {}, irreversible: false, requiredRole: null, ...o });
  const tools = [tool("lookup"), tool("refund", { irreversible: true }), tool("reset", { requiredRole: "admin" })];

  it("decides per call: allowed, confirm, undeclared, role", () => {
    const s = toolSurface(tools, null);
    expect(s).not.toBeNull();
    if (!s) return;
    expect(decideTool(s, "lookup")).toBe("allowed");
    expect(decideTool(s, "refund")).toBe("confirm");
    expect(decideTool(s, "delete_everything")).toBe("undeclared");
    expect(decideTool(s, "reset")).toBe("role");
    expect(decideTool({ ...s, role: "admin" }, "reset")).toBe("allowed");
  });

  it("has no surface when nothing is declared", () => {
    expect(toolSurface([], "admin")).toBeNull();
  });

  it("reads function and custom tool-call names", () => {
    expect(toolCallName({ type: "function", function: { name: "a", arguments: "{}" } })).toBe("a");
    expect(toolCallName({ type: "custom", custom: { name: "b", input: "" } })).toBe("b");
    expect(toolCallName(null)).toBe("");
  });
});

describe("classifier answers", () => {
  it("reads Llama Guard and Prompt Guard style answers", () => {
    expect(readClassifierAnswer("unsafe\nS14").unsafe).toBe(true);
    expect(readClassifierAnswer("safe").unsafe).toBe(false);
    expect(readClassifierAnswer('{"label": "INJECTION"}').unsafe).toBe(true);
    expect(readClassifierAnswer('{"label": "BENIGN"}').unsafe).toBe(false);
    expect(readClassifierAnswer("").unsafe).toBe(false);
  });
});

describe("snapshot: guard policies and tools", () => {
  const base = { tenants: [{ id: "t1", slug: "t1", name: "T1", settings: {} }], apiKeys: [], features: [], providers: [], providerModels: [], modelPrices: [], routes: [], routeTargets: [], flags: [], optOuts: [], prompts: [], promptVersions: [], promptLabels: [] };

  it("feature policy, else the tenant default, else the built-in default (version 0)", () => {
    const snap = buildSnapshot(
      {
        ...base,
        guardPolicies: [
          { id: "g1", tenantId: "t1", featureId: null, version: 3, config: { injection: { mode: "log" } } },
          { id: "g2", tenantId: "t1", featureId: "f1", version: 7, config: { pii: { mode: "off" }, injection: { threshold: "bad" } } },
        ],
      },
      { version: 1, decrypt: () => "" },
    );
    expect(snap.guardPolicyFor("t1", "f1")).toMatchObject({ id: "g2", version: 7, config: { pii: { mode: "off" }, injection: { mode: "block", threshold: 0.5 } } });
    expect(snap.guardPolicyFor("t1", "f2")).toMatchObject({ id: "g1", version: 3, config: { injection: { mode: "log" } } });
    expect(snap.guardPolicyFor("t1", null).id).toBe("g1");
    expect(snap.guardPolicyFor("t9", null)).toMatchObject({ id: null, version: 0, config: DEFAULT_GUARD_POLICY });
    expect(emptySnapshot().guardPolicyFor("t1", "f1").version).toBe(0);
  });

  it("tools of a feature: its own, then the tenant-wide ones not shadowed", () => {
    const t = (id: string, featureId: string | null, name: string) => ({ id, tenantId: "t1", featureId, name, parameters: {}, irreversible: false, requiredRole: null });
    const snap = buildSnapshot({ ...base, toolDefinitions: [t("a", null, "lookup"), t("b", "f1", "lookup"), t("c", "f1", "refund"), t("d", null, "search")] }, { version: 1, decrypt: () => "" });
    expect(snap.toolsFor("t1", "f1").map((x) => x.id)).toEqual(["b", "c", "d"]);
    expect(snap.toolsFor("t1", null).map((x) => x.id)).toEqual(["a", "d"]);
    expect(snap.toolsFor("t2", "f1")).toEqual([]);
  });
});
