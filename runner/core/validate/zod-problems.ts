import type { z } from "zod";
import { flagAbbreviates, flagExact, HARNESS_OWNED_FLAGS } from "./engine-policy.ts";
import { enumFix, wrongTypeFix, type BadValue } from "./hints.ts";
import type { Problem } from "./problem.ts";
import { closest } from "./suggest.ts";
import type { YamlFile } from "./yaml-doc.ts";

/**
 * Example lines shown when a key is missing (there is no bad value to correct) or a value is
 * beyond repair. Keyed by the last path segment.
 */
const EXAMPLES: Record<string, string> = {
  schema: "schema: 1",
  title: 'title: "int4 weights with MTP speculative decoding"',
  authors: "authors: [octocat]",
  parents: "parents: [baseline]",
  credits: 'credits: [{ who: octocat, for: "the int4 export script" }]',
  engine: "engine: { kind: vllm, args: { max-num-seqs: 1 } }",
  kind: "kind: vllm",
  who: "who: octocat",
  for: 'for: "the draft model idea"',
  num_speculative_tokens: "num_speculative_tokens: 4",
  "max-num-seqs": "max-num-seqs: 1",
  extra_args: 'extra_args: ["--disable-cascade-attn"]',
};

/** Shapes of zod issues we read; zod's own union type is wide and version-specific. */
export interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: unknown;
  keys?: string[];
  values?: unknown[];
  options?: unknown[];
  discriminator?: string;
}

/** What every translator needs: the file, its data, and the keys valid at a path. */
export interface IssueContext {
  yaml: YamlFile;
  data: unknown;
  knownKeys: (path: PropertyKey[]) => string[];
}

/** One zod issue, with its path cleaned and the value found there. */
interface Issue {
  raw: IssueLike;
  path: (string | number)[];
  dotted: string;
  lastKey?: string;
  actual: unknown;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function getAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

function problemAt(ctx: IssueContext, path: (string | number)[], p: Omit<Problem, "file" | "line" | "col">) {
  return { file: ctx.yaml.file, ...ctx.yaml.locate(path), path, ...p };
}

function badValue(ctx: IssueContext, issue: Issue): BadValue {
  const key = issue.lastKey ?? "value";
  return { key, path: issue.path, actual: issue.actual, source: ctx.yaml.sourceAt(issue.path) };
}

/** Translator: keys the schema does not know, with a "did you mean" or a harness-ownership notice. */
function unknownKeys(ctx: IssueContext, issue: Issue): Problem[] {
  const known = ctx.knownKeys(issue.path);
  const inArgs = issue.path.at(-1) === "args" && getAt(ctx.data, ["engine", "kind"]) === "vllm";
  return (issue.raw.keys ?? []).map((k) => {
    const where = { file: ctx.yaml.file, ...ctx.yaml.locate(issue.path, k), path: [...issue.path, k] };
    const flag = k.replace(/_/g, "-");
    const guess = closest(k, known);
    // An exact owned name is refused; a near miss of a typed key is a typo; an abbreviation of an
    // owned flag (which vLLM's parser would expand) is refused too.
    const owned = inArgs
      ? (flagExact(flag, HARNESS_OWNED_FLAGS) ??
        (guess ? undefined : flagAbbreviates(flag, HARNESS_OWNED_FLAGS)))
      : undefined;
    if (owned)
      return {
        ...where,
        code: "harness-owned-flag" as const,
        message: `\`${k}\` is set by the harness (\`--${owned}\`) and cannot be set by a submission`,
        fix: `remove \`${k}\``,
      };
    return { ...where, ...unknownKeyDetails(issue, k, known, guess) };
  });
}

function unknownKeyDetails(issue: Issue, k: string, known: string[], guess: string | undefined) {
  const fix = guess
    ? `did you mean \`${guess}\`? (vLLM arguments not typed here go in \`extra_args\`)`
    : issue.path.at(-1) === "args"
      ? `remove it, or pass it through \`extra_args: ["--${k}", "<value>"]\``
      : `remove \`${k}\``;
  const inside = issue.path.length ? ` in \`${issue.dotted}\`` : "";
  return {
    code: "unknown-key" as const,
    message: `unknown key \`${k}\`${inside}`,
    expected: known.length ? `one of: ${known.join(", ")}` : undefined,
    fix,
  };
}

/** Translator: a required key that is absent. */
function missingKey(ctx: IssueContext, issue: Issue): Problem {
  const example = issue.lastKey ? EXAMPLES[issue.lastKey] : undefined;
  return problemAt(ctx, issue.path, {
    code: "missing-key",
    message: `\`${issue.dotted}\` is required but missing`,
    expected: String(issue.raw.expected ?? "a value"),
    fix: example ? `add \`${example}\`` : undefined,
  });
}

/** Translator: a value of the wrong type, with a fix derived from what was written. */
function wrongType(ctx: IssueContext, issue: Issue): Problem {
  const expected = String(issue.raw.expected);
  const derived = wrongTypeFix(badValue(ctx, issue), expected);
  const example = issue.lastKey ? EXAMPLES[issue.lastKey] : undefined;
  return problemAt(ctx, issue.path, {
    code: "wrong-type",
    message: `\`${issue.dotted}\` has the wrong type: got ${describeValue(issue.actual)}`,
    expected,
    fix: derived ?? example,
  });
}

/** With a single allowed value (`schema: 1`), that value is the fix, not a sample. */
function onlyOption(issue: Issue, options: string[]): string | undefined {
  if (options.length === 1 && issue.lastKey) return `\`${issue.lastKey}: ${options[0]}\``;
  return options.length ? "use one of the values listed above" : undefined;
}

/** Translator: a value outside an enumeration, corrected towards the nearest allowed value. */
function badEnumValue(ctx: IssueContext, issue: Issue): Problem {
  const options = (issue.raw.values ?? issue.raw.options ?? []).map((v) => String(v));
  const derived = enumFix(badValue(ctx, issue), options);
  return problemAt(ctx, issue.path, {
    code: "bad-value",
    message: `\`${issue.dotted}\` cannot be ${describeValue(issue.actual)}`,
    expected: options.length ? `one of: ${options.join(", ")}` : issue.raw.message,
    fix: derived ?? onlyOption(issue, options),
  });
}

/** Translator: a discriminated union (the engine) whose tag names nothing known. */
function badDiscriminator(ctx: IssueContext, issue: Issue): Problem {
  const tag = issue.raw.discriminator!;
  // zod 4 puts the tag in the path; older versions stopped at the union.
  const path = issue.path.at(-1) === tag ? issue.path : [...issue.path, tag];
  const written = getAt(ctx.data, path);
  const kinds = (issue.raw.options ?? ["vllm", "embedded"]).map(String);
  const derived = enumFix({ key: tag, path, actual: written }, kinds);
  const alternatives = kinds.map((k) => `\`${tag}: ${k}\``).join(" or ");
  return problemAt(ctx, path, {
    code: "bad-value",
    message: `\`${path.join(".")}\` must name a known engine, got ${describeValue(written)}`,
    expected: `one of: ${kinds.join(", ")}`,
    fix: derived ?? alternatives,
  });
}

/** Translator: a number or a list outside its bounds. */
function outOfBounds(ctx: IssueContext, issue: Issue): Problem {
  return problemAt(ctx, issue.path, {
    code: issue.raw.code === "too_small" ? "too-small" : "too-big",
    message: `\`${issue.dotted}\`: ${issue.raw.message}`,
    expected: issue.raw.message,
    fix: issue.lastKey ? EXAMPLES[issue.lastKey] : undefined,
  });
}

/** Translator: anything else zod reports (a pattern, a refinement). */
function otherIssue(ctx: IssueContext, issue: Issue): Problem {
  return problemAt(ctx, issue.path, {
    code: "invalid",
    message: `\`${issue.dotted}\`: ${issue.raw.message} (got ${describeValue(issue.actual)})`,
    expected: issue.raw.message,
    fix: issue.lastKey ? EXAMPLES[issue.lastKey] : undefined,
  });
}

function translate(ctx: IssueContext, issue: Issue): Problem[] {
  const code = issue.raw.code;
  if (code === "unrecognized_keys" && issue.raw.keys) return unknownKeys(ctx, issue);
  if (code === "invalid_type")
    return [issue.actual === undefined ? missingKey(ctx, issue) : wrongType(ctx, issue)];
  if (code === "invalid_value" || code === "invalid_enum_value") return [badEnumValue(ctx, issue)];
  if (code === "invalid_union" && issue.raw.discriminator) return [badDiscriminator(ctx, issue)];
  if (code === "too_small" || code === "too_big") return [outOfBounds(ctx, issue)];
  return [otherIssue(ctx, issue)];
}

/**
 * Turns zod issues into file:line problems. `knownKeys(path)` lists the keys valid at a path, so
 * an unknown key gets a "did you mean" hint.
 */
export function zodProblems(ctx: IssueContext, error: z.ZodError): Problem[] {
  return (error.issues as unknown as IssueLike[]).flatMap((raw) => {
    const path = raw.path.filter((p): p is string | number => typeof p === "string" || typeof p === "number");
    const issue: Issue = {
      raw,
      path,
      dotted: path.length ? path.join(".") : "(top level)",
      lastKey: [...path].reverse().find((p): p is string => typeof p === "string"),
      actual: getAt(ctx.data, path),
    };
    return translate(ctx, issue);
  });
}
