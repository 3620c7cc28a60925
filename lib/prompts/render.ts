/**
 * Prompt templates: checked when a version is saved, rendered per request.
 *
 * A template is a list of messages (`system`, `developer`, `user`,
 * `assistant`) whose content (a string, or a list of text parts) uses
 * mustache syntax: `{{name}}` inserts a variable, `{{#flag}}...{{/flag}}` /
 * `{{^flag}}...{{/flag}}` include a block when a variable is truthy / falsy,
 * `{{! ... }}` is a comment, `{{=<% %>=}}` changes the delimiters (for
 * prompts that must contain a literal `{{`). Partials (`{{> name}}`) and
 * dotted names (`{{a.b}}`) are refused: every name must be a declared
 * variable.
 *
 * Why mustache (npm `mustache`, 42M downloads a month, MIT, no
 * dependencies) rather than our own replacer: it is logic-less (no
 * expressions, no code execution, no helpers), it is the syntax other prompt
 * tools use (Langfuse compiles prompts with it), its parser reports
 * unclosed sections and tags, and it never re-reads a variable's value as
 * template text (a value containing `{{x}}` stays literal). Its costs are
 * handled here: HTML escaping is on by default, so every render passes an
 * identity `escape` (prompts are not HTML; `<`, `&` and quotes must reach the
 * model unchanged); its default writer caches every template string it ever
 * parsed, unbounded, so we keep a private Writer with the cache off and
 * parse each version once ourselves (a WeakMap keyed by the frozen snapshot
 * entry). Measured on this machine: rendering a two-message template with
 * four variables and a section from pre-parsed tokens takes ~270 ns
 * (`Mustache.render`, which re-keys its cache with the whole template
 * string, ~900 ns; a hand-written `{{name}}` splicer ~60 ns). A fraction of
 * a microsecond per request buys standard syntax and a tested parser.
 *
 * Retrieved context never reaches system or developer messages: a variable
 * declared `context: true` (documents, search results: untrusted text) may
 * appear only in user or assistant messages, checked at save time and again
 * when a stored version is compiled. Documents the caller passes as
 * `metadata.gatehouse.context` are inserted by the gateway's context stage as
 * their own delimited user message, never through a template.
 */
import Mustache, { type TemplateSpans } from "mustache";
import { BadRequestError, GatehouseError, validationError } from "@/lib/errors";
import {
  INSTRUCTION_ROLES,
  PromptTemplate,
  PromptVariables,
  type PromptRole,
  type PromptVariableSpec,
} from "@/lib/prompts/schema";
import { parseDeclaredVariables, validateVariables, type VariableValues } from "@/lib/prompts/variables";

type RenderTokens = Parameters<Mustache.Writer["renderTokens"]>[0];

/** A private writer: no template cache (it would grow with every template ever parsed). */
const writer = Object.assign(new Mustache.Writer(), { templateCache: undefined });

/** Prompts are not HTML: values go to the model exactly as given. */
const RENDER_OPTIONS: Mustache.RenderOptions = { escape: (value: unknown) => String(value) };

// ---------------------------------------------------------------- analysis

/** Where a template uses a variable: `template.<i>.content` or `template.<i>.content.<j>.text`. */
export interface TemplateVariableUse {
  readonly name: string;
  readonly path: string;
  readonly role: PromptRole;
}

export interface TemplateProblem {
  readonly path: string;
  readonly message: string;
}

interface ParsedPart {
  readonly path: string;
  readonly role: PromptRole;
  readonly source: string;
  readonly tokens: RenderTokens | null;
}

function partsOf(template: PromptTemplate): Array<{ path: string; role: PromptRole; source: string }> {
  const out: Array<{ path: string; role: PromptRole; source: string }> = [];
  template.forEach((m, i) => {
    if (typeof m.content === "string") out.push({ path: `template.${i}.content`, role: m.role, source: m.content });
    else m.content.forEach((p, j) => out.push({ path: `template.${i}.content.${j}.text`, role: m.role, source: p.text }));
  });
  return out;
}

function collectNames(spans: TemplateSpans, path: string, role: PromptRole, uses: TemplateVariableUse[], problems: TemplateProblem[]): void {
  for (const span of spans) {
    const type = span[0];
    const name = span[1];
    if (type === "name" || type === "&" || type === "#" || type === "^") {
      uses.push({ name, path, role });
      if (type === "#" || type === "^") {
        const children = span[4];
        if (Array.isArray(children)) collectNames(children, path, role, uses, problems);
      }
    } else if (type === ">") {
      problems.push({ path, message: `partials are not supported ({{> ${name}}} in ${path})` });
    }
  }
}

function parsePart(path: string, role: PromptRole, source: string, uses: TemplateVariableUse[], problems: TemplateProblem[]): ParsedPart {
  try {
    // writer.parse is typed `any`: one parse, read as spans (analysis) and as render tokens.
    const parsed = writer.parse(source);
    const tokens: RenderTokens = parsed;
    const spans: TemplateSpans = parsed;
    collectNames(spans, path, role, uses, problems);
    return { path, role, source, tokens };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    problems.push({ path, message: `template syntax error in ${path}: ${detail}` });
    return { path, role, source, tokens: null };
  }
}

/** Every variable use and every syntax problem of a (schema-valid) template. */
export function analyzeTemplate(template: PromptTemplate): { uses: TemplateVariableUse[]; problems: TemplateProblem[] } {
  const uses: TemplateVariableUse[] = [];
  const problems: TemplateProblem[] = [];
  for (const p of partsOf(template)) parsePart(p.path, p.role, p.source, uses, problems);
  return { uses, problems };
}

/**
 * The variables a template uses that `declared` does not declare (each name
 * once, with where it is first used). Parts that do not parse are skipped:
 * analyzeTemplate / validatePromptVersionContent report those.
 */
export function findUndeclaredVariables(
  template: PromptTemplate,
  declared: Readonly<Record<string, unknown>>,
): Array<{ name: string; path: string }> {
  const seen = new Set<string>();
  const out: Array<{ name: string; path: string }> = [];
  for (const u of analyzeTemplate(template).uses) {
    if (Object.hasOwn(declared, u.name) || seen.has(u.name)) continue;
    seen.add(u.name);
    out.push({ name: u.name, path: u.path });
  }
  return out;
}

/** Declared variables the template never uses (a warning for the editor, not an error). */
export function findUnusedVariables(template: PromptTemplate, declared: Readonly<Record<string, unknown>>): string[] {
  const used = new Set(analyzeTemplate(template).uses.map((u) => u.name));
  return Object.keys(declared).filter((n) => !used.has(n));
}

function firstProblem(
  uses: readonly TemplateVariableUse[],
  problems: readonly TemplateProblem[],
  declared: Readonly<Record<string, PromptVariableSpec>>,
): TemplateProblem | null {
  const p = problems[0];
  if (p) return p;
  for (const u of uses) {
    if (!Object.hasOwn(declared, u.name)) {
      return { path: u.path, message: `Template uses undeclared variable '${u.name}' in ${u.path}: declare it under variables (dotted names are not supported)` };
    }
    if ((declared[u.name] as PromptVariableSpec).context && INSTRUCTION_ROLES.has(u.role)) {
      return {
        path: u.path,
        message: `Variable '${u.name}' holds retrieved context and cannot be used in a ${u.role} message (${u.path}); put it in a user message`,
      };
    }
  }
  return null;
}

/**
 * Save-time check of a new version's template and variables: the shapes
 * (400 naming the field), the mustache syntax, every used variable declared,
 * context variables kept out of system/developer messages. Returns the
 * parsed values (defaults filled in) to store.
 */
export function validatePromptVersionContent(input: { template: unknown; variables: unknown }): {
  template: PromptTemplate;
  variables: PromptVariables;
} {
  const t = PromptTemplate.safeParse(input.template);
  if (!t.success) throw validationError(t.error.issues.map((i) => ({ path: ["template", ...i.path], message: i.message })));
  const variables = parseDeclaredVariables(input.variables, "input");
  const { uses, problems } = analyzeTemplate(t.data);
  const problem = firstProblem(uses, problems, variables);
  if (problem) throw new BadRequestError(problem.message, problem.path, "validation_failed");
  return { template: t.data, variables };
}

// ---------------------------------------------------------------- rendering

/** A rendered message, in the OpenAI chat shape. */
export interface RenderedMessage {
  role: PromptRole;
  name?: string;
  content: string | Array<{ type: "text"; text: string }>;
}

export interface RenderedPrompt {
  messages: RenderedMessage[];
  /** The validated variables (null-prototype object), for the request log. */
  variables: VariableValues;
}

/** What rendering needs of a version: the snapshot's PromptVersionEntry and the control plane's PromptVersion both fit. */
export interface RenderableVersion {
  readonly id?: string;
  readonly template: unknown;
  readonly variables: unknown;
}

interface CompiledMessage {
  readonly role: PromptRole;
  readonly name: string | undefined;
  /** One part for string content, several for a parts list. */
  readonly parts: readonly ParsedPart[];
  readonly isString: boolean;
}

interface CompiledPrompt {
  readonly declared: PromptVariables;
  readonly messages: readonly CompiledMessage[];
}

function compile(version: RenderableVersion): CompiledPrompt {
  const broken = (why: string) =>
    new GatehouseError("internal_error", `Prompt version ${version.id ?? "(unsaved)"} cannot be rendered: ${why}`);
  const t = PromptTemplate.safeParse(version.template);
  if (!t.success) throw broken(`invalid template (${t.error.issues[0]?.message ?? "invalid"})`);
  const v = PromptVariables.safeParse(version.variables ?? {});
  if (!v.success) throw broken(`invalid variables (${v.error.issues[0]?.message ?? "invalid"})`);
  const declared = v.data;
  const uses: TemplateVariableUse[] = [];
  const problems: TemplateProblem[] = [];
  const messages = t.data.map((m, i): CompiledMessage => {
    if (typeof m.content === "string") {
      return { role: m.role, name: m.name, isString: true, parts: [parsePart(`template.${i}.content`, m.role, m.content, uses, problems)] };
    }
    return {
      role: m.role,
      name: m.name,
      isString: false,
      parts: m.content.map((p, j) => parsePart(`template.${i}.content.${j}.text`, m.role, p.text, uses, problems)),
    };
  });
  const problem = firstProblem(uses, problems, declared);
  if (problem) throw broken(problem.message);
  return { declared, messages };
}

const compiledCache = new WeakMap<RenderableVersion, CompiledPrompt>();

/** The version parsed and checked; cached per frozen version object (snapshot entries are frozen). */
export function compilePrompt(version: RenderableVersion): CompiledPrompt {
  if (!Object.isFrozen(version)) return compile(version);
  let c = compiledCache.get(version);
  if (!c) {
    c = compile(version);
    compiledCache.set(version, c);
  }
  return c;
}

function renderPart(part: ParsedPart, context: Mustache.Context): string {
  // tokens is null only for a part that failed to parse, and compile() refuses those.
  return part.tokens ? writer.renderTokens(part.tokens, context, undefined, part.source, RENDER_OPTIONS) : part.source;
}

/**
 * The version's messages with the caller's variables filled in. Throws
 * BadRequestError (400, `param: "prompt.variables.<name>"`) for a missing,
 * wrongly typed or undeclared variable; GatehouseError internal_error for a
 * stored version that does not compile (it was validated when saved).
 */
export function renderPrompt(version: RenderableVersion, variables: unknown): RenderedPrompt {
  const compiled = compilePrompt(version);
  const values = validateVariables(compiled.declared, variables);
  const context = new Mustache.Context(values);
  const messages = compiled.messages.map((m): RenderedMessage => {
    const content = m.isString
      ? renderPart(m.parts[0] as ParsedPart, context)
      : m.parts.map((p) => ({ type: "text" as const, text: renderPart(p, context) }));
    return m.name === undefined ? { role: m.role, content } : { role: m.role, name: m.name, content };
  });
  return { messages, variables: values };
}
