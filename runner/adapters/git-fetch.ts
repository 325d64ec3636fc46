import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { simpleGit } from "simple-git";
import { ShaMoved } from "../core/errors.ts";
import { MANIFEST_NAME, manifestPath } from "../core/layout.ts";
import type { SubmissionFetcher } from "../ports.ts";

/** The SubmissionFetcher port over git: submissions of `remote`, fetched into `repoDir`'s object store. */
export function gitSubmissionFetcher(repoDir: string, remote: string): SubmissionFetcher {
  return { fetch: (o) => fetchSubmissionAt(repoDir, { ...o, remote }) };
}

/**
 * Fetches a PR's head and checks it is still the pinned SHA (time-of-check/time-of-use), then
 * copies one submission folder out of git objects as plain data: regular files only, never a
 * symlink, never a checkout of PR code into the runner's tree.
 */
export async function fetchSubmissionAt(
  repoDir: string,
  o: { remote: string; pr?: number; sha: string; slug: string; into: string },
): Promise<string[]> {
  const git = simpleGit(repoDir);
  await fetchPinned(repoDir, o);
  const listing = await git.raw(["ls-tree", "-r", "-z", o.sha, "--", `submissions/${o.slug}/`]);
  const files: string[] = [];
  for (const entry of listing.split("\0").filter(Boolean)) {
    const m = /^(\d{6}) (\w+) ([0-9a-f]+)\t(.+)$/.exec(entry);
    if (!m) continue;
    const [, mode, type, sha, path] = m as unknown as [string, string, string, string, string];
    // Symlinks and submodules are never materialised.
    if (type !== "blob" || (mode !== "100644" && mode !== "100755")) continue;
    const content = await git.binaryCatFile(["blob", sha]);
    const target = join(o.into, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    files.push(path);
  }
  if (!files.some((f) => f.endsWith(`/${MANIFEST_NAME}`)))
    throw new Error(`no ${manifestPath(o.slug)} at ${o.sha.slice(0, 7)}`);
  return files;
}

/** Fetches a PR's head into `repoDir` and checks it is still the pinned SHA (time of check, time of use). */
/**
 * The pinned commit's objects: a PR's head (which must still be `sha`), or, for scheduled re-runs
 * (no PR), the commit itself — by SHA where the server allows it, else through the PR heads.
 */
export async function fetchPinned(repoDir: string, o: { remote: string; pr?: number; sha: string }) {
  if (o.pr) return fetchPullHead(repoDir, { remote: o.remote, pr: o.pr, sha: o.sha });
  const git = simpleGit(repoDir);
  await git
    .raw(["fetch", "--quiet", "--no-tags", o.remote, o.sha])
    .catch(() =>
      git.raw(["fetch", "--quiet", "--no-tags", o.remote, "+refs/pull/*/head:refs/velodrome/pulls/*"]),
    );
}

export async function fetchPullHead(repoDir: string, o: { remote: string; pr: number; sha: string }) {
  const git = simpleGit(repoDir);
  await git.raw([
    "fetch",
    "--quiet",
    "--no-tags",
    o.remote,
    `+refs/pull/${o.pr}/head:refs/velodrome/pr-${o.pr}`,
  ]);
  const head = (await git.raw(["rev-parse", `refs/velodrome/pr-${o.pr}`])).trim();
  if (head !== o.sha)
    throw new ShaMoved(
      `PR #${o.pr} moved from ${o.sha.slice(0, 7)} to ${head.slice(0, 7)} ` +
        "after the run was requested; request it again",
    );
}
