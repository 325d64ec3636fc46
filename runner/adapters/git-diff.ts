import { simpleGit } from "simple-git";
import type { FileEntry } from "../core/validate/file-policy.ts";

/**
 * Files a PR changes between `base` (merge base) and `head`, with git's modes (symlink 120000,
 * submodule 160000) and blob sizes, read from git objects rather than a checkout, so a PR's
 * symlink is never followed.
 */
export async function changedFiles(repoDir: string, base: string, head: string): Promise<FileEntry[]> {
  const git = simpleGit(repoDir);
  const mergeBase = (await git.raw(["merge-base", base, head])).trim();
  const raw = await git.raw(["diff", "--raw", "-z", "--no-abbrev", "-M", mergeBase, head]);
  const parts = raw.split("\0").filter((s, i, a) => !(s === "" && i === a.length - 1));
  const out: FileEntry[] = [];
  for (let i = 0; i < parts.length;) {
    const meta = parts[i++]!;
    const m = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/.exec(meta);
    if (!m) throw new Error(`unexpected git diff --raw line: ${JSON.stringify(meta)}`);
    const [, , newMode, , newSha, letter] = m as unknown as [string, string, string, string, string, string];
    const isRename = letter === "R" || letter === "C";
    const from = isRename ? parts[i++] : undefined;
    const path = parts[i++]!;
    const status: FileEntry["status"] =
      letter === "A" || letter === "C"
        ? "added"
        : letter === "D"
          ? "deleted"
          : isRename
            ? "renamed"
            : "modified";
    const kind: FileEntry["kind"] =
      newMode === "120000" ? "symlink" : newMode === "160000" ? "submodule" : "file";
    let size = 0;
    let binary = false;
    if (status !== "deleted" && kind === "file") {
      size = Number((await git.raw(["cat-file", "-s", newSha])).trim());
      const numstat = await git.raw(["diff", "--numstat", mergeBase, head, "--", path]);
      binary = numstat.startsWith("-\t-\t");
    }
    out.push({ path, status, kind, size, binary, ...(from ? { from } : {}) });
  }
  return out;
}
