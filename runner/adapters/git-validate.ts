import { simpleGit } from "simple-git";
import { pinnedIds } from "../core/github/pull.ts";
import { CHALLENGE_FILE, PARTICIPANTS_FILE } from "../core/layout.ts";
import { ParticipantsSchema } from "../core/schema/data.ts";
import { parseWith } from "../core/validate/manifest.ts";
import { validateRepository } from "../core/validate/report.ts";
import type { PullValidator, RepoFiles } from "../ports.ts";
import { readTreeFiles } from "./git-batch.ts";
import { changedFiles } from "./git-diff.ts";
import { fetchPinned } from "./git-fetch.ts";
import { folderOrigins } from "./git-history.ts";

/** Every submission at `sha` from git objects: manifest text and file list, by slug. */
async function submissionsAt(repoDir: string, sha: string) {
  const tree = await readTreeFiles(repoDir, sha, ["submissions"]);
  const out = new Map<string, { text: string | undefined; files: string[] }>();
  for (const path of tree.keys()) {
    const m = /^submissions\/([^/]+)\/(.+)$/.exec(path);
    if (!m) continue;
    const entry = out.get(m[1]!) ?? { text: undefined, files: [] };
    entry.files.push(m[2]!);
    if (m[2] === "submission.yaml") entry.text = tree.get(path);
    out.set(m[1]!, entry);
  }
  return out;
}

/**
 * The PullValidator over git: fetches the PR's head into `repoDir` (checking it is still the pinned
 * SHA), then validates it against `baseBranch` on the remote with the trusted checkout's challenge
 * and code (`main`), exactly as `velodrome validate --base` does, reading the PR only as git objects.
 */
export function gitPullValidator(main: RepoFiles, remote: string, baseBranch: string): PullValidator {
  const repoDir = main.root;
  const base = "refs/velodrome/base";
  return {
    async validate(o) {
      // The base as the remote has it now (a long-lived checkout may be behind its merges).
      await simpleGit(repoDir).raw([
        "fetch",
        "--quiet",
        "--no-tags",
        remote,
        `+refs/heads/${baseBranch}:${base}`,
      ]);
      await fetchPinned(repoDir, { remote, pr: o.pr, sha: o.sha });
      const entries = await changedFiles(repoDir, base, o.sha);
      const targets = [
        ...new Set(entries.flatMap((e) => [e.path, e.from ?? e.path]).flatMap((p) => slugOf(p) ?? [])),
      ].sort();
      const participants = parseWith(
        ParticipantsSchema,
        PARTICIPANTS_FILE,
        (await main.read(PARTICIPANTS_FILE)) ?? "",
      );
      const ownership = o.author
        ? {
            origins: await folderOrigins(repoDir, base, targets),
            author: o.author,
            ...(participants.value ? { pinned: pinnedIds(participants.value) } : {}),
          }
        : undefined;
      const report = validateRepository({
        challenge: { file: CHALLENGE_FILE, text: (await main.read(CHALLENGE_FILE)) ?? "" },
        submissions: await submissionsAt(repoDir, o.sha),
        targets,
        entries,
        prMode: true,
        ...(ownership ? { ownership } : {}),
      });
      return { ok: report.ok, problems: report.problems };
    },
  };
}

const slugOf = (path: string) => (path.startsWith("submissions/") ? path.split("/")[1] : undefined);
