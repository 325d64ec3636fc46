import type { Challenge } from "../schema/challenge.ts";
import { checkFilePolicy, DEFAULT_LIMITS, type FileEntry, type FileLimits } from "./file-policy.ts";
import { parseChallenge, parseSubmission } from "./manifest.ts";
import { sortProblems, type Problem } from "./problem.ts";
import { checkSubmissionRules, type LoadedSubmission } from "./rules.ts";
import { manifestPath } from "../layout.ts";

export interface ValidationInput {
  challenge: { file: string; text: string };
  /** Every submission in the repository, by slug: its manifest text and its folder's files. */
  submissions: Map<string, { text: string | undefined; files: string[] }>;
  /** Slugs to check; the others only serve as possible parents. */
  targets: string[];
  /** Changed files (PR mode) or the targets' files (local mode), for the file policy. */
  entries: FileEntry[];
  /** In PR mode, more than one submission touched or files outside are errors. */
  prMode: boolean;
  limits?: FileLimits;
  /** Slugs that exist elsewhere (benchmarked submissions in PRs): valid parents. */
  otherKnownSlugs?: string[];
}

export interface ValidationReport {
  version: 1;
  ok: boolean;
  checked: string[];
  problems: Problem[];
}

export { manifestPath };

/** schema → normalize → rules → result, for a whole repository or one PR. */
export function validateRepository(
  input: ValidationInput,
): ValidationReport & { challenge?: Challenge; loaded: LoadedSubmission[] } {
  const problems: Problem[] = [];
  const ch = parseChallenge(input.challenge.file, input.challenge.text);
  problems.push(...ch.problems);

  const policy = checkFilePolicy(input.entries, input.limits ?? DEFAULT_LIMITS);
  if (input.prMode) problems.push(...policy.problems);
  else
    problems.push(
      ...policy.problems.filter((p) => p.code !== "outside-submission" && p.code !== "multiple-submissions"),
    );

  const loaded: LoadedSubmission[] = [];
  for (const slug of input.targets) {
    const entry = input.submissions.get(slug);
    const file = manifestPath(slug);
    if (!entry || entry.text === undefined) {
      if (
        input.prMode &&
        input.entries.every((e) => e.status === "deleted" || !e.path.startsWith(`submissions/${slug}/`))
      )
        continue;
      problems.push({
        file,
        line: 0,
        col: 0,
        code: "missing-manifest",
        message: `submission \`${slug}\` has no submission.yaml`,
        fix: `npx velodrome new ${slug} --parent <slug>`,
      });
      continue;
    }
    const parsed = parseSubmission(file, entry.text);
    problems.push(...parsed.problems);
    if (parsed.value)
      loaded.push({ slug, file, manifest: parsed.value, yaml: parsed.yaml, files: entry.files });
  }
  if (ch.value) {
    const known = [
      ...new Set([
        ...[...input.submissions.entries()].filter(([, v]) => v.text !== undefined).map(([k]) => k),
        ...(input.otherKnownSlugs ?? []),
      ]),
    ];
    // Cycle detection needs every manifest, not only the targets.
    const others: LoadedSubmission[] = [];
    for (const [slug, v] of input.submissions) {
      if (input.targets.includes(slug) || v.text === undefined) continue;
      const p = parseSubmission(manifestPath(slug), v.text);
      if (p.value)
        others.push({ slug, file: manifestPath(slug), manifest: p.value, yaml: p.yaml, files: v.files });
    }
    const ruleProblems = checkSubmissionRules(ch.value, [...loaded, ...others], known);
    const targetFiles = new Set(loaded.map((l) => l.file));
    problems.push(...ruleProblems.filter((p) => targetFiles.has(p.file)));
  }
  const sorted = sortProblems(problems);
  return {
    version: 1,
    ok: sorted.length === 0,
    checked: [...input.targets].sort(),
    problems: sorted,
    challenge: ch.value,
    loaded,
  };
}
