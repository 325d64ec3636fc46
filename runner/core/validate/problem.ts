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
