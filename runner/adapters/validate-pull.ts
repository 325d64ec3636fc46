import type { FolderClaim } from "../core/ownership.ts";
import { pinnedIds } from "../core/github/pull.ts";
import { CHALLENGE_FILE, PARTICIPANTS_FILE } from "../core/layout.ts";
import { ParticipantsSchema } from "../core/schema/data.ts";
import { parseChallenge, parseWith } from "../core/validate/manifest.ts";
import type { PrAuthor } from "../core/validate/ownership.ts";
import { validateRepository, type ValidationInput } from "../core/validate/report.ts";
import { forEachTreeFile, refExists } from "./git-batch.ts";
import { changedFiles } from "./git-diff.ts";
import { folderOrigins } from "./git-history.ts";

/** What one PR validation reads: the same for `velodrome validate --base` and the bot. */
export interface PullCheck {
  repoDir: string;
  base: string;
  head: string;
  challengeText: string;
  participantsText: string | undefined;
  /** Every submission as the PR has it (work tree for the CLI, git objects at the head for the bot). */
  submissions: ValidationInput["submissions"];
  /** The data branch ref; else the challenge's data_branch, locally or under origin/. */
  dataRef?: string;
  author?: PrAuthor;
  /** From the API: this PR's number and the open PRs adding each folder (the ownership rule). */
  claims?: { pr: number; bySlug: Readonly<Record<string, readonly FolderClaim[]>> };
}

/** The slugs a PR touches (both sides of a rename), sorted. */
const touchedSlugs = (entries: { path: string; from?: string }[]) =>
  [
    ...new Set(
      entries
        .flatMap((e) => [e.path, e.from ?? e.path])
        .map((p) => /^submissions\/([^/]+)\//.exec(p)?.[1])
        .filter((s): s is string => !!s),
    ),
  ].sort();

/**
 * The one assembly of a PR's validation, shared by `velodrome validate --base` (cli/validate.ts)
 * and the bot's re-validation at the pinned head (adapters/git-validate.ts): the changed files
 * against the base, the submissions benchmarked in PRs (from the data branch) as possible parents,
 * who owns the base's folders (git history), and which open PR added each new folder first.
 */
export async function validatePull(c: PullCheck) {
  const entries = await changedFiles(c.repoDir, c.base, c.head);
  const targets = touchedSlugs(entries);
  const participants = parseWith(ParticipantsSchema, PARTICIPANTS_FILE, c.participantsText ?? "");
  return validateRepository({
    challenge: { file: CHALLENGE_FILE, text: c.challengeText },
    submissions: c.submissions,
    targets,
    entries,
    prMode: true,
    otherKnownSlugs: await benchmarkedSlugs(c.repoDir, c.dataRef, c.challengeText),
    ...(c.author
      ? {
          ownership: {
            origins: await folderOrigins(c.repoDir, c.base, targets),
            author: c.author,
            ...(participants.value ? { pinned: pinnedIds(participants.value) } : {}),
          },
        }
      : {}),
    ...(c.claims ? { claims: c.claims } : {}),
  });
}

/** Submissions that live in PRs but have recorded runs (the data branch's run records): valid parents. */
export async function benchmarkedSlugs(
  root: string,
  dataRef: string | undefined,
  challengeText: string,
): Promise<string[]> {
  const branch =
    dataRef ?? parseChallenge(CHALLENGE_FILE, challengeText).value?.data_branch ?? "velodrome-data";
  for (const ref of dataRef ? [dataRef] : [branch, `origin/${branch}`]) {
    if (!(await refExists(root, ref).catch(() => false))) continue;
    const slugs = new Set<string>();
    await forEachTreeFile(root, ref, ["runs"], (_path, text) => {
      try {
        const slug = (JSON.parse(text) as { candidate?: { slug?: unknown } }).candidate?.slug;
        if (typeof slug === "string") slugs.add(slug);
      } catch {
        /* a bad data file is reported by the site build; here it simply names no slug */
      }
    });
    return [...slugs];
  }
  return [];
}
