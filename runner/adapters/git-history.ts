import { simpleGit } from "simple-git";
import { manifestPath } from "../core/layout.ts";
import { parse } from "yaml";
import { prOfSubject, type FolderOrigin } from "../core/validate/ownership.ts";

/**
 * Where each submission folder on `ref` came from: the first commit on its first-parent history
 * (the branch's own merges, never a PR branch's commits, whose subjects a participant writes) that
 * added the folder's manifest, with the `authors` the manifest named then. Slugs not on `ref` are
 * left out. A shallow clone sees its graft root as the first commit: fetch full history.
 */
export async function folderOrigins(repoDir: string, ref: string, slugs: readonly string[]) {
  const git = simpleGit(repoDir);
  const out: FolderOrigin[] = [];
  for (const slug of slugs) {
    const file = manifestPath(slug);
    const log = await git.raw([
      "log",
      "--first-parent",
      "--diff-merges=first-parent",
      "--diff-filter=A",
      "--reverse",
      "--format=%H%x09%s",
      ref,
      "--",
      file,
    ]);
    const first = log.split("\n").find((l) => l.trim());
    if (!first) continue;
    const [sha, subject = ""] = first.split("\t") as [string, string?];
    const text = await git.raw(["show", `${sha}:${file}`]).catch(() => "");
    const authors = authorsOf(text);
    const pr = prOfSubject(subject);
    out.push({ slug, sha, authors, ...(pr !== undefined ? { pr } : {}) });
  }
  return out;
}

/** The `authors` a manifest text names (a list of strings), read leniently: an old schema still owns. */
function authorsOf(text: string): string[] {
  try {
    const data = parse(text, { maxAliasCount: 10 }) as { authors?: unknown } | null;
    const authors = data?.authors;
    return Array.isArray(authors) ? authors.filter((a): a is string => typeof a === "string") : [];
  } catch {
    return [];
  }
}
