import type { Challenge } from "../../schema/challenge.ts";
import type { Submission } from "../../schema/submission.ts";
import type { Problem } from "../problem.ts";
import type { YamlFile } from "../yaml-doc.ts";

export interface LoadedSubmission {
  slug: string;
  file: string; // repository-relative path of submission.yaml
  manifest: Submission;
  yaml?: YamlFile; // for positions; absent when loaded from elsewhere (e.g. git history)
  files?: string[]; // files in the submission folder, relative to it
}

/** What a rule about one submission sees: the challenge, the submission, and every known slug. */
export interface RuleContext {
  challenge: Challenge;
  sub: LoadedSubmission;
  /** Slugs a parent may name: submissions in the repository and benchmarked ones in PRs. */
  knownSlugs: readonly string[];
}

/** A named check of one submission. Pure: everything it needs is in the context. */
export type SubmissionRule = (ctx: RuleContext) => Problem[];

type Details = Omit<Problem, "file" | "line" | "col" | "path">;

/** A problem at `path` in the submission's manifest (at `key` itself when given). */
export function problemIn(
  sub: LoadedSubmission,
  path: (string | number)[],
  details: Details,
  key?: string,
): Problem {
  const where = sub.yaml ? sub.yaml.locate(path, key) : { line: 1, col: 1 };
  return { file: sub.file, ...where, path: key === undefined ? path : [...path, key], ...details };
}
