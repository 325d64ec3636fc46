/**
 * Validation, end to end: schema → rules → result, like changesets' pipeline.
 *
 * - Reading: yaml-doc.ts turns text into data or file:line problems (syntax, alias bombs,
 *   nesting, size), never an exception.
 * - Schema: manifest.ts checks the data with zod; zod-problems.ts translates each issue, and
 *   hints.ts derives the fix from the value written (`yes` → `true`, `bf16` → `bfloat16`).
 * - Rules: file-policy.ts (what a PR may touch) and rules.ts (SUBMISSION_RULES, one named
 *   function per rule in rules/*.ts; engine-policy.ts holds the deny-list and owned flags).
 * - Result: every problem has a code from PROBLEM_CODES (problem.ts), a position, and a fix.
 * - One pass: a manifest the schema refuses only in optional parts still goes through the rules,
 *   without those parts (manifest.ts, `partial`), so a fix is not followed by a second round.
 */
import type { Challenge } from "../schema/challenge.ts";
import { checkFilePolicy, DEFAULT_LIMITS, type FileEntry, type FileLimits } from "./file-policy.ts";
import { parseChallenge, parseSubmission } from "./manifest.ts";
import { foldProblems, sortProblems, type Problem, type ProblemCode } from "./problem.ts";
import { checkSubmissionRules, type LoadedSubmission } from "./rules.ts";
import { manifestPath, submissionDir } from "../layout.ts";
import { claimProblems, ownershipProblems, type FolderOrigin, type PrAuthor } from "./ownership.ts";
import type { FolderClaim } from "../ownership.ts";

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
  /** PR mode with a known PR author: who owns the base branch's folders the PR touches. */
  ownership?: { origins: FolderOrigin[]; author: PrAuthor; pinned?: ReadonlyMap<string, number> };
  /** PR mode, from the API: this PR's number and the open PRs adding each touched folder. */
  claims?: { pr: number; bySlug: Readonly<Record<string, readonly FolderClaim[]>> };
}

export interface ValidationReport {
  version: 1;
  ok: boolean;
  checked: string[];
  problems: Problem[];
}

export { manifestPath };

/** Step 1, the file policy: in local mode only the rules about the files themselves apply. */
function policyProblems(input: ValidationInput): Problem[] {
  const { problems } = checkFilePolicy(input.entries, input.limits ?? DEFAULT_LIMITS);
  if (input.prMode) return problems;
  const prOnly: ProblemCode[] = ["outside-submission", "multiple-submissions"];
  return problems.filter((p) => !prOnly.includes(p.code));
}

/** Whether a PR only deletes a submission (then its missing manifest is no problem). */
function onlyDeletes(input: ValidationInput, slug: string): boolean {
  const prefix = `${submissionDir(slug)}/`;
  return input.entries.every((e) => e.status === "deleted" || !e.path.startsWith(prefix));
}

/** Step 2, the schema: each target's manifest parsed, with file:line problems. */
interface Targets {
  problems: Problem[];
  /** The manifests that passed the schema. */
  loaded: LoadedSubmission[];
  /** Manifests that failed it on parts they can do without: checked by the rules too (one pass). */
  partial: (LoadedSubmission & { omitted: (string | number)[][] })[];
}

function loadTargets(input: ValidationInput): Targets {
  const problems: Problem[] = [];
  const loaded: LoadedSubmission[] = [];
  const partial: Targets["partial"] = [];
  for (const slug of input.targets) {
    const entry = input.submissions.get(slug);
    const file = manifestPath(slug);
    if (entry?.text === undefined) {
      if (input.prMode && onlyDeletes(input, slug)) continue;
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
    else if (parsed.partial)
      partial.push({
        slug,
        file,
        manifest: parsed.partial.value,
        yaml: parsed.yaml,
        files: entry.files,
        omitted: parsed.partial.omitted,
      });
  }
  return { problems, loaded, partial };
}

/** One path is the other or inside it. */
const overlaps = (a: readonly (string | number)[], b: readonly (string | number)[]) =>
  a.slice(0, b.length).every((k, i) => k === b[i]) || b.slice(0, a.length).every((k, i) => k === a[i]);

/**
 * A rule's problem in a manifest the schema refused in part: kept unless it is about a part left
 * out (or has no path to tell), whose schema problem already says what is wrong.
 */
function keptForPartial(p: Problem, omitted: readonly (string | number)[][]): boolean {
  return p.path !== undefined && !omitted.some((o) => overlaps(o, p.path!));
}

/** Step 3, the rules: across every manifest (cycles need them all), reported for the targets only. */
function ruleProblems(challenge: Challenge, input: ValidationInput, targets: Targets): Problem[] {
  const loaded = [...targets.loaded, ...targets.partial];
  const present = [...input.submissions.entries()].filter(([, v]) => v.text !== undefined);
  const known = [...new Set([...present.map(([k]) => k), ...(input.otherKnownSlugs ?? [])])];
  const others: LoadedSubmission[] = [];
  for (const [slug, v] of present) {
    if (input.targets.includes(slug)) continue;
    const p = parseSubmission(manifestPath(slug), v.text!);
    if (p.value)
      others.push({ slug, file: manifestPath(slug), manifest: p.value, yaml: p.yaml, files: v.files });
  }
  const targetFiles = new Set(loaded.map((l) => l.file));
  const omittedIn = new Map(targets.partial.map((t) => [t.file, t.omitted]));
  return checkSubmissionRules(challenge, [...loaded, ...others], known).filter((p) => {
    const omitted = omittedIn.get(p.file);
    return targetFiles.has(p.file) && (!omitted || keptForPartial(p, omitted));
  });
}

/** schema → rules → result, for a whole repository or one PR. */
export function validateRepository(
  input: ValidationInput,
): ValidationReport & { challenge?: Challenge; loaded: LoadedSubmission[] } {
  const ch = parseChallenge(input.challenge.file, input.challenge.text);
  const targets = loadTargets(input);
  const problems = [...ch.problems, ...policyProblems(input), ...targets.problems];
  if (input.prMode && input.ownership)
    problems.push(
      ...ownershipProblems({
        ...input.ownership,
        touched: input.targets,
        manifestText: (slug) => input.submissions.get(slug)?.text,
      }),
    );
  if (input.prMode && input.claims)
    problems.push(
      ...claimProblems({
        pr: input.claims.pr,
        author: input.ownership?.author ?? { login: "" },
        added: input.targets.filter((s) => !input.ownership?.origins.some((o) => o.slug === s)),
        claims: input.claims.bySlug,
      }),
    );
  if (ch.value) problems.push(...ruleProblems(ch.value, input, targets));
  const sorted = foldProblems(sortProblems(problems));
  return {
    version: 1,
    ok: sorted.length === 0,
    checked: [...input.targets].sort(),
    problems: sorted,
    challenge: ch.value,
    loaded: targets.loaded,
  };
}
