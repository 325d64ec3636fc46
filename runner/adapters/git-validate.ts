import { simpleGit } from "simple-git";
import { CHALLENGE_FILE, PARTICIPANTS_FILE } from "../core/layout.ts";
import { parseChallenge } from "../core/validate/manifest.ts";
import type { PullValidator, RepoFiles } from "../ports.ts";
import { readTreeFiles } from "./git-batch.ts";
import { fetchPinned } from "./git-fetch.ts";
import { validatePull } from "./validate-pull.ts";

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

/** Fetches a branch of `remote` into `into`, as the remote has it now; throws when it has none. */
async function fetchBranch(repoDir: string, remote: string, branch: string, into: string) {
  await simpleGit(repoDir).raw(["fetch", "--quiet", "--no-tags", remote, `+refs/heads/${branch}:${into}`]);
}

/**
 * The PullValidator over git: fetches the PR's head into `repoDir` (checking it is still the pinned
 * SHA), the base and the data branch as the remote has them now, then validates through the one
 * assembly `velodrome validate --base` uses (adapters/validate-pull.ts), with the trusted
 * checkout's challenge and code (`main`), reading the PR only as git objects.
 */
export function gitPullValidator(main: RepoFiles, remote: string, baseBranch: string): PullValidator {
  const repoDir = main.root;
  const base = "refs/velodrome/base";
  const data = "refs/velodrome/data";
  return {
    async validate(o) {
      // The base as the remote has it now (a long-lived checkout may be behind its merges).
      await fetchBranch(repoDir, remote, baseBranch, base);
      await fetchPinned(repoDir, { remote, pr: o.pr, sha: o.sha });
      const challengeText = (await main.read(CHALLENGE_FILE)) ?? "";
      const dataBranch = parseChallenge(CHALLENGE_FILE, challengeText).value?.data_branch ?? "velodrome-data";
      // The data branch may not exist yet (no run published so far).
      const hasData = await fetchBranch(repoDir, remote, dataBranch, data).then(
        () => true,
        () => false,
      );
      const report = await validatePull({
        repoDir,
        base,
        head: o.sha,
        challengeText,
        participantsText: await main.read(PARTICIPANTS_FILE),
        submissions: await submissionsAt(repoDir, o.sha),
        ...(hasData ? { dataRef: data } : {}),
        ...(o.author ? { author: o.author } : {}),
        ...(o.claims ? { claims: o.claims } : {}),
      });
      return { ok: report.ok, problems: report.problems };
    },
  };
}
