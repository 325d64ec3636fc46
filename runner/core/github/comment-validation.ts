import type { Problem } from "../validate/problem.ts";
import { hiddenJson, inert, marker, shortSha } from "./comment-text.ts";

/** Rows shown in the comment; the rest is summarised in one row (the hidden twin keeps 100). */
const SHOWN_PROBLEMS = 50;
const TWIN_PROBLEMS = 100;

/** One table row: where (file:line:col), what (with the expected form), and the fix. */
function problemRow(p: Problem): string {
  const where = `${inert(p.file, 200)}${p.line ? `:${p.line}:${p.col}` : ""}`;
  const expected = p.expected ? ` (expected: ${inert(p.expected, 200)})` : "";
  const fix = p.fix ? inert(p.fix, 200) : "";
  return `| \`${where}\` | ${inert(p.message)}${expected} | ${fix} |`;
}

/** The problems as a table, capped, with the command that reproduces it locally. */
function problemTable(problems: Problem[], sha: string): string[] {
  const lines = [
    `❌ **Velodrome validation found ${problems.length} problem(s)** in \`${shortSha(sha)}\`. ` +
      "No GPU time is spent until they are fixed.",
    "",
    "| where | problem | fix |",
    "|---|---|---|",
    ...problems.slice(0, SHOWN_PROBLEMS).map(problemRow),
  ];
  if (problems.length > SHOWN_PROBLEMS) lines.push(`| … | ${problems.length - SHOWN_PROBLEMS} more | |`);
  lines.push("", "Run `npx velodrome validate --base origin/main` locally to see the same list.");
  return lines;
}

/** The validation comment on a PR: passed, or the table of problems; one per PR, updated in place. */
export function renderValidationComment(pr: number, problems: Problem[], sha: string): string {
  const body = problems.length
    ? problemTable(problems, sha)
    : [`✅ **Velodrome validation passed** for \`${shortSha(sha)}\`. ` + "Comment `/bench` to benchmark it."];
  const twin = { version: 1, pr, sha, ok: !problems.length, problems: problems.slice(0, TWIN_PROBLEMS) };
  return [marker("validate", pr), ...body, hiddenJson("validate", twin)].join("\n");
}
