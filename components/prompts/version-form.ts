/**
 * The version editor's form state and its conversion to the API input
 * (CreatePromptVersionInput), plus where an error belongs: the server names
 * the field in `param` ("template.1.content", "variables.order_id",
 * "params.temperature") and the form shows the message under that row.
 * Pure (unit-tested).
 */
import type { z } from "zod";
import { PromptRole, PromptVariableType, type PromptVersion } from "@/lib/prompts/schema";

export type MessageRow = { key: string; role: PromptRole; name: string; content: string };
export type VariableRow = { key: string; name: string; type: PromptVariableType; required: boolean; description: string; context: boolean };
export type VersionFormState = {
  messages: MessageRow[];
  variables: VariableRow[];
  /** JSON object text; "" = no default parameters. */
  params: string;
  outputSchemaOn: boolean;
  outputSchema: string;
  commitMessage: string;
};
export type FormErrors = Partial<Record<string, string>>;

let nextKey = 0;
export const newRowKey = () => `row-${++nextKey}`;

export const newMessage = (role: PromptRole = "user"): MessageRow => ({ key: newRowKey(), role, name: "", content: "" });
export const newVariable = (name = ""): VariableRow => ({ key: newRowKey(), name, type: "string", required: true, description: "", context: false });

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  // A list of text parts is edited as one text (the parts are rendered one after another).
  if (Array.isArray(content)) return content.map((p) => (isRecord(p) && typeof p.text === "string" ? p.text : "")).join("\n");
  return "";
}

/** The form, starting from `base` (a new version is usually an edit of the current one) or empty. */
export function formFromVersion(base: PromptVersion | null): VersionFormState {
  if (!base) {
    return {
      messages: [newMessage("system"), newMessage("user")],
      variables: [],
      params: "",
      outputSchemaOn: false,
      outputSchema: "",
      commitMessage: "",
    };
  }
  const template = Array.isArray(base.template) ? base.template : [];
  const roles = new Set<string>(PromptRole.options);
  return {
    messages: template.filter(isRecord).map((m) => ({
      key: newRowKey(),
      role: typeof m.role === "string" && roles.has(m.role) ? (m.role as PromptRole) : "user",
      name: typeof m.name === "string" ? m.name : "",
      content: contentText(m.content),
    })),
    variables: Object.entries(base.variables).map(([name, spec]) => {
      const s = isRecord(spec) ? spec : {};
      const type = PromptVariableType.safeParse(s.type);
      return {
        key: newRowKey(),
        name,
        type: type.success ? type.data : "string",
        required: s.required !== false,
        description: typeof s.description === "string" ? s.description : "",
        context: s.context === true,
      };
    }),
    params: Object.keys(base.params).length ? JSON.stringify(base.params, null, 2) : "",
    outputSchemaOn: base.outputSchema !== null && base.outputSchema !== undefined,
    outputSchema: base.outputSchema !== null && base.outputSchema !== undefined ? JSON.stringify(base.outputSchema, null, 2) : "",
    commitMessage: "",
  };
}

const NAME = /\{\{\s*[#^/&{]?\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}?\s*\}\}/g;

/** `{{name}}`, `{{#name}}`, `{{^name}}`, `{{{name}}}` used in the messages, in order of first use (a hint for the editor; the server decides). */
export function usedVariables(messages: readonly MessageRow[]): string[] {
  const seen = new Set<string>();
  for (const m of messages) for (const match of m.content.matchAll(NAME)) if (match[1]) seen.add(match[1]);
  return [...seen];
}

function parseJson(text: string, path: string, errors: FormErrors): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    errors[path] = `is not valid JSON (${e instanceof Error ? e.message : "parse error"})`;
    return undefined;
  }
}

/** The raw API input (checked by the caller with CreatePromptVersionInput), and the errors found building it (JSON that does not parse). */
export function versionInput(state: VersionFormState): { input: Record<string, unknown>; errors: FormErrors } {
  const errors: FormErrors = {};
  const variables: Record<string, unknown> = {};
  state.variables.forEach((v, i) => {
    const name = v.name.trim();
    if (!name) {
      errors[`variableRows.${i}`] = "a variable needs a name";
      return;
    }
    if (Object.hasOwn(variables, name)) errors[`variableRows.${i}`] = `'${name}' is declared twice`;
    variables[name] = { type: v.type, required: v.required, ...(v.description.trim() ? { description: v.description.trim() } : {}), ...(v.context ? { context: true } : {}) };
  });
  const params = state.params.trim() ? parseJson(state.params, "params", errors) : undefined;
  const outputSchema = state.outputSchemaOn ? parseJson(state.outputSchema || "{}", "outputSchema", errors) : null;
  const input = {
    template: state.messages.map((m) => ({ role: m.role, ...(m.name.trim() ? { name: m.name.trim() } : {}), content: m.content })),
    variables,
    ...(params !== undefined ? { params } : {}),
    outputSchema,
    commitMessage: state.commitMessage,
  };
  return { input, errors };
}

/** zod issues -> first message per dotted path. */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[]): FormErrors {
  const out: FormErrors = {};
  for (const issue of issues) out[issue.path.map(String).join(".") || "_form"] ??= issue.message;
  return out;
}

/** Errors that belong to message `i` (`template.<i>` and below). */
export function messageErrors(errors: FormErrors, i: number): string[] {
  const p = `template.${i}`;
  return Object.entries(errors)
    .filter(([k]) => k === p || k.startsWith(`${p}.`))
    .map(([, v]) => String(v));
}

/** Errors that belong to a declared variable: `variables.<name>...` or the row itself. */
export function variableErrors(errors: FormErrors, i: number, name: string): string[] {
  const p = `variables.${name.trim()}`;
  return Object.entries(errors)
    .filter(([k]) => k === `variableRows.${i}` || (name.trim() !== "" && (k === p || k.startsWith(`${p}.`))))
    .map(([, v]) => String(v));
}

/** Errors no row claims (shown above the form). */
export function otherErrors(errors: FormErrors, state: VersionFormState): string[] {
  const claimed = (k: string) =>
    k.startsWith("template.") ||
    k.startsWith("variableRows.") ||
    state.variables.some((v) => v.name.trim() !== "" && (k === `variables.${v.name.trim()}` || k.startsWith(`variables.${v.name.trim()}.`))) ||
    k === "params" ||
    k.startsWith("params.") ||
    k === "outputSchema" ||
    k.startsWith("outputSchema.") ||
    k === "commitMessage";
  return Object.entries(errors)
    .filter(([k]) => !claimed(k))
    .map(([k, v]) => (k === "_form" ? String(v) : `${k}: ${v}`));
}

/** Errors under `params` / `outputSchema` (the field or a key inside it). */
export function fieldErrors(errors: FormErrors, field: "params" | "outputSchema"): string[] {
  return Object.entries(errors)
    .filter(([k]) => k === field || k.startsWith(`${field}.`))
    .map(([k, v]) => (k === field ? String(v) : `${k.slice(field.length + 1)}: ${v}`));
}
