/**
 * Every problem code Velodrome reports, in one closed list (like zod's issue codes). Agents
 * branch on these, so a code is never renamed; a new kind of problem gets a new code here.
 */
export const PROBLEM_CODES = [
  // Reading the file
  "empty-file",
  "yaml-syntax",
  "yaml-alias-limit",
  "yaml-unreadable",
  // Schema (translated from zod's issues)
  "unknown-key",
  "missing-key",
  "wrong-type",
  "bad-value",
  "too-small",
  "too-big",
  "invalid",
  // The PR file policy
  "outside-submission",
  "bad-slug",
  "hidden-file",
  "symlink",
  "submodule",
  "binary-too-large",
  "file-too-large",
  "multiple-submissions",
  "submission-too-large",
  "too-many-files",
  "missing-manifest",
  "not-owner",
  "slug-claimed",
  // Rules across files
  "self-parent",
  "missing-parent",
  "no-parents",
  "parent-cycle",
  "duplicate-author",
  "placeholder",
  "wrong-engine",
  "nightly-not-allowed",
  "env-not-allowed",
  "env-denied",
  "harness-owned-flag",
  "typed-flag-in-extra-args",
  "short-flag",
  "unsafe-setting",
  "kernel-path",
  "kernel-missing",
  "path-outside-submission",
  "model-path",
  "unpinned-model",
  // Data files (prompts, samples)
  "bad-json",
  "bad-prompt",
  "duplicate-id",
  "missing-token-ids",
  "bad-sample",
  "block-mismatch",
  "duplicate-line",
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

/**
 * One thing wrong with the input, anchored to a file position. Structured like zod's issues so
 * agents can act on them; `formatProblem` pretty-prints them for people.
 */
export interface Problem {
  file: string;
  line: number; // 1-based; 0 when the problem concerns the file as a whole
  col: number; // 1-based
  code: ProblemCode;
  message: string;
  path?: (string | number)[]; // location inside the document, when it has one
  expected?: string;
  fix?: string; // what would be right, derived from the bad value where possible
}

/** `file:line:col: error[code]: message`, then the expected value and the fix on their own lines. */
export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  const lines = [`${where}: error[${p.code}]: ${p.message}`];
  if (p.expected) lines.push(`  expected: ${p.expected}`);
  if (p.fix) lines.push(`  fix: ${indentContinuation(p.fix)}`);
  return lines.join("\n");
}

/** A multi-line fix (a YAML block) stays aligned under `fix:`. */
function indentContinuation(text: string): string {
  return text.split("\n").join("\n       ");
}

export function sortProblems(ps: Problem[]): Problem[] {
  return [...ps].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.code.localeCompare(b.code),
  );
}

/** `a`, `b`, `c` and 3 more. */
const keyList = (keys: string[]) =>
  keys.length <= 4
    ? keys.map((k) => `\`${k}\``).join(", ")
    : `${keys
        .slice(0, 3)
        .map((k) => `\`${k}\``)
        .join(", ")} and ${keys.length - 3} more`;

const parentKey = (p: Problem) => JSON.stringify(p.path?.slice(0, -1) ?? []);

/**
 * Repeats of one root cause folded into one problem, so a reader sees the cause once:
 * - unknown keys of one object on consecutive lines right below a key left empty (`args:` then its
 *   entries not indented under it) are one indentation slip: one problem naming the lines and the
 *   key they belong under, instead of the empty key's wrong type plus one unknown key per line;
 * - other runs of unknown keys in the same object become one problem listing them.
 * The first problem of a group keeps its position; everything else is left as it was.
 */
export function foldProblems(ps: readonly Problem[]): Problem[] {
  const out: Problem[] = [];
  for (let i = 0; i < ps.length;) {
    const p = ps[i]!;
    let j = i;
    while (
      p.code === "unknown-key" &&
      ps[j + 1]?.code === "unknown-key" &&
      ps[j + 1]!.file === p.file &&
      parentKey(ps[j + 1]!) === parentKey(p)
    )
      j++;
    if (j === i) {
      out.push(p);
      i++;
      continue;
    }
    const group = ps.slice(i, j + 1);
    const keys = group.map((g) => String(g.path?.at(-1) ?? "?"));
    const lines = `lines ${group[0]!.line}–${group.at(-1)!.line}`;
    const empty = out.at(-1);
    const inParent =
      p.path && p.path.length > 1 ? `in \`${p.path.slice(0, -1).join(".")}\`` : "at the top level";
    const slip =
      empty &&
      empty.file === p.file &&
      empty.line === p.line - 1 &&
      empty.code === "wrong-type" &&
      /got null/.test(empty.message) &&
      parentKey(empty) === parentKey(p);
    if (slip) {
      out.pop();
      const under = empty.path?.join(".") ?? "?";
      out.push({
        ...empty,
        code: "unknown-key",
        message:
          `\`${under}\` is empty and ${keyList(keys)} (${lines}) are unknown ${inParent}: ` +
          `an indentation slip, they belong under \`${String(empty.path?.at(-1))}:\``,
        expected: p.expected,
        fix: `indent ${lines} two more spaces, under \`${String(empty.path?.at(-1))}:\` (line ${empty.line})`,
      });
    } else
      out.push({
        ...p,
        message: `unknown keys ${keyList(keys)} ${inParent} (${lines})`,
        fix: `remove or rename them (${keyList(keys)})`,
      });
    i = j + 1;
  }
  return out;
}
