import type { RepoFiles } from "../adapters/repo-fs.ts";
import { parseChallenge } from "../core/validate/manifest.ts";
import { formatProblem } from "../core/validate/problem.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import { CHALLENGE_FILE, manifestPath } from "../core/layout.ts";

export { CHALLENGE_FILE };

/** Every submission folder's manifest text and file list (paths relative to the folder). */
export async function loadSubmissionTexts(
  repo: RepoFiles,
): Promise<Map<string, { text: string | undefined; files: string[] }>> {
  const out = new Map<string, { text: string | undefined; files: string[] }>();
  for (const slug of await repo.dirs("submissions")) {
    const files = (await repo.walk(`submissions/${slug}`)).map((e) =>
      e.path.slice(`submissions/${slug}/`.length),
    );
    out.set(slug, { text: await repo.read(manifestPath(slug)), files });
  }
  return out;
}

export async function loadChallenge(repo: RepoFiles): Promise<Challenge> {
  const text = await repo.read(CHALLENGE_FILE);
  if (text === undefined)
    throw new Error(
      `${CHALLENGE_FILE} not found under ${repo.root}: run this inside a challenge repository or pass --repo DIR`,
    );
  const parsed = parseChallenge(CHALLENGE_FILE, text);
  if (!parsed.value)
    throw new Error(`${CHALLENGE_FILE} is invalid:\n${parsed.problems.map(formatProblem).join("\n")}`);
  return parsed.value;
}
