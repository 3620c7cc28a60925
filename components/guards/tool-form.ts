/**
 * The tool editor's form and its conversion to the API's input: the
 * parameters are JSON text while editing (must be a JSON object: a JSON
 * schema), the role "" means anyone. Pure (unit-tested).
 */
import type { CreateToolInput, ToolDefinition, UpdateToolInput } from "@/lib/guards/schema";

export type ToolFormState = { name: string; description: string; parameters: string; irreversible: boolean; requiredRole: string };
export type ToolFormErrors = Partial<Record<keyof ToolFormState, string>>;

export function toolForm(t: ToolDefinition | null): ToolFormState {
  return {
    name: t?.name ?? "",
    description: t?.description ?? "",
    parameters: JSON.stringify(t?.parameters ?? { type: "object", properties: {} }, null, 2),
    irreversible: t?.irreversible ?? false,
    requiredRole: t?.requiredRole ?? "",
  };
}

export function toolInput(
  s: ToolFormState,
  featureId: string | null,
): { create: CreateToolInput; update: UpdateToolInput; errors: ToolFormErrors } {
  const errors: ToolFormErrors = {};
  const name = s.name.trim();
  if (!/^[a-zA-Z0-9_.-]{1,64}$/.test(name)) errors.name = "must be 1-64 letters, digits, _ . or -";
  let parameters: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(s.parameters.trim() || "{}");
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) errors.parameters = "must be a JSON object (a JSON schema)";
    else parameters = parsed as Record<string, unknown>;
  } catch {
    errors.parameters = "must be valid JSON";
  }
  if (s.description.length > 2000) errors.description = "must be at most 2,000 characters";
  const role = s.requiredRole.trim();
  if (role.length > 64) errors.requiredRole = "must be at most 64 characters";
  const update: UpdateToolInput = { description: s.description, parameters, irreversible: s.irreversible, requiredRole: role || null };
  return { create: { featureId, name, ...update } as CreateToolInput, update, errors };
}
