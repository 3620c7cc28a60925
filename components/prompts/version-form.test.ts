import { describe, expect, it } from "vitest";
import { CreatePromptVersionInput, type PromptVersion } from "@/lib/prompts/schema";
import { formFromVersion, messageErrors, otherErrors, usedVariables, variableErrors, versionInput } from "./version-form";

const base: PromptVersion = {
  id: "pv_1",
  version: 2,
  template: [
    { role: "system", content: "You are a support agent." },
    { role: "user", content: "Hello, I am {{customer_name}}.{{#vip}} VIP{{/vip}}" },
  ],
  variables: { customer_name: { type: "string", required: true }, vip: { type: "boolean", required: false, description: "paying plan" } },
  params: { model: "support-reply", temperature: 0.2 },
  outputSchema: null,
  commitMessage: "v2",
  authorId: null,
  author: null,
  createdAt: "2025-01-01T00:00:00.000Z",
};

describe("version form", () => {
  it("starts from a version and builds the same content back", () => {
    const state = formFromVersion(base);
    const { input, errors } = versionInput({ ...state, commitMessage: "same again" });
    expect(errors).toEqual({});
    const parsed = CreatePromptVersionInput.parse(input);
    expect(parsed.template).toEqual(base.template);
    expect(parsed.variables).toEqual({
      customer_name: { type: "string", required: true, context: false },
      vip: { type: "boolean", required: false, description: "paying plan", context: false },
    });
    expect(parsed.params).toEqual(base.params);
    expect(parsed.outputSchema).toBeNull();
  });

  it("finds the variables a template uses, sections included", () => {
    expect(usedVariables(formFromVersion(base).messages)).toEqual(["customer_name", "vip"]);
  });

  it("reports JSON that does not parse and duplicate variables", () => {
    const state = formFromVersion(base);
    const dup = state.variables[0];
    if (!dup) throw new Error("no variable");
    const { errors } = versionInput({ ...state, params: "{ nope", outputSchemaOn: true, outputSchema: "[", variables: [...state.variables, { ...dup, key: "x" }] });
    expect(Object.keys(errors).sort()).toEqual(["outputSchema", "params", "variableRows.2"]);
    expect(errors["variableRows.2"]).toBe("'customer_name' is declared twice");
  });

  it("puts a server error under the message or variable it names", () => {
    const state = formFromVersion(base);
    const errors = { "template.1.content": "Template uses undeclared variable 'order_id' in template.1.content" };
    expect(messageErrors(errors, 1)).toEqual([errors["template.1.content"]]);
    expect(messageErrors(errors, 0)).toEqual([]);
    expect(otherErrors(errors, state)).toEqual([]);
    expect(variableErrors({ "variables.vip.type": "bad" }, 1, "vip")).toEqual(["bad"]);
    expect(otherErrors({ "variables.gone": "x", _form: "y" }, state)).toEqual(["variables.gone: x", "y"]);
  });
});
