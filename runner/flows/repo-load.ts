import { CHALLENGE_FILE, manifestPath, submissionDir } from "../core/layout.ts";
import { NotFound, ValidationFailed } from "../core/errors.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import type { Submission } from "../core/schema/submission.ts";
import { parseChallenge, parseSubmission } from "../core/validate/manifest.ts";
import { formatProblem } from "../core/validate/problem.ts";
import type { RepoFiles } from "../ports.ts";

/** Reading a challenge repository through the RepoFiles port: the challenge and its submissions. */

/** Every submission folder's manifest text and file list (paths relative to the folder). */
export async function loadSubmissionTexts(
  repo: RepoFiles,
): Promise<Map<string, { text: string | undefined; files: string[] }>> {
  const out = new Map<string, { text: string | undefined; files: string[] }>();
  for (const slug of await repo.dirs("submissions")) {
    const prefix = `${submissionDir(slug)}/`;
    const files = (await repo.walk(submissionDir(slug))).map((e) => e.path.slice(prefix.length));
    out.set(slug, { text: await repo.read(manifestPath(slug)), files });
  }
  return out;
}

/** The challenge definition, validated; a missing or invalid file is a named error. */
export async function loadChallenge(repo: RepoFiles): Promise<Challenge> {
  const text = await repo.read(CHALLENGE_FILE);
  if (text === undefined)
    throw new NotFound(
      `${CHALLENGE_FILE} not found under ${repo.root}: run this inside a challenge repository or pass --repo DIR`,
    );
  const parsed = parseChallenge(CHALLENGE_FILE, text);
  if (!parsed.value)
    throw new ValidationFailed(
      `${CHALLENGE_FILE} is invalid:\n${parsed.problems.map(formatProblem).join("\n")}`,
    );
  return parsed.value;
}

/** One submission's manifest, validated. */
export async function loadManifest(repo: RepoFiles, slug: string): Promise<Submission> {
  const file = manifestPath(slug);
  const text = await repo.read(file);
  if (text === undefined) throw new NotFound(`no submission \`${slug}\` (${file} not found)`);
  const p = parseSubmission(file, text);
  if (!p.value)
    throw new ValidationFailed(
      [
        `${file} is invalid:`,
        ...p.problems.map(formatProblem),
        `Fix it first: npx velodrome validate ${submissionDir(slug)}`,
      ].join("\n"),
    );
  return p.value;
}
