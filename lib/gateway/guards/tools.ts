import type { ToolEntry } from "@/lib/gateway/config/types";

/**
 * The tool surface of a request (issue 6): the tools its feature declared
 * (ToolDefinition rows: the feature's own and the tenant-wide ones). A call
 * the model makes is
 *
 * - `allowed`: declared, and the end-user's role may call it;
 * - `confirm`: allowed but irreversible: returned with `requires_confirmation: true`
 *   on the tool call (and listed in `x-gatehouse-requires-confirmation`),
 *   never executed or continued by Gatehouse;
 * - `undeclared` / `role`: removed from the answer in block mode (kept and
 *   flagged in log mode), logged either way.
 *
 * A tenant that declared no tool at all for the feature has no surface to
 * enforce: tool calls pass untouched and no verdict is recorded.
 */
export type ToolDecision = "allowed" | "confirm" | "undeclared" | "role";

export interface ToolSurface {
  byName: ReadonlyMap<string, ToolEntry>;
  role: string | null;
}

export function toolSurface(tools: readonly ToolEntry[], role: string | null): ToolSurface | null {
  if (tools.length === 0) return null;
  return { byName: new Map(tools.map((t) => [t.name, t])), role };
}

export function decideTool(surface: ToolSurface, name: string): ToolDecision {
  const tool = surface.byName.get(name);
  if (!tool) return "undeclared";
  if (tool.requiredRole !== null && tool.requiredRole !== surface.role) return "role";
  return tool.irreversible ? "confirm" : "allowed";
}

/** The name of a tool call (function or custom). */
export function toolCallName(call: unknown): string {
  if (!call || typeof call !== "object") return "";
  const c = call as { function?: { name?: unknown }; custom?: { name?: unknown } };
  const name = c.function?.name ?? c.custom?.name;
  return typeof name === "string" ? name : "";
}
