import { manifestPath } from "../layout.ts";
import { ownershipRuling, isOriginalAuthor, type FolderClaim } from "../ownership.ts";
import type { Problem } from "./problem.ts";

/**
 * Who owns a submission folder: the pull request that first added it to the base branch, as git
 * history records it, and the `authors` its manifest named in that first commit. Later edits of the
 * manifest (`authors: [..., mallory]`) and a PR's own copy of it are claims, not ownership.
 */
export interface FolderOrigin {
  slug: string;
  /** The base-branch commit that first added the folder's manifest. */
  sha: string;
  /** The pull request of that commit, when its subject names one (GitHub's merge or squash subject). */
  pr?: number;
  authors: string[];
}

/** The pull request a base-branch commit came from: "Merge pull request #12 …" or "Title (#12)". */
export function prOfSubject(subject: string): number | undefined {
  const m = /^Merge pull request #(\d+)\b/.exec(subject) ?? /\(#(\d+)\)\s*$/.exec(subject);
  return m ? Number(m[1]) : undefined;
}

/** The pull request's author as GitHub reports it (the workflow passes it; never from the PR's files). */
export interface PrAuthor {
  login: string;
  id?: number;
}

/** Whether `author` is one of the folder's original authors (the one rule: core/ownership.ts). */
export function ownsFolder(origin: FolderOrigin, author: PrAuthor, pinned?: ReadonlyMap<string, number>) {
  return isOriginalAuthor(origin.authors, author, pinned);
}

/** The line of the manifest's `authors:` key (where the fix goes), else its first line. */
function authorsLine(text: string | undefined): number {
  const i = (text ?? "").split("\n").findIndex((l) => /^authors\s*:/.test(l));
  return i >= 0 ? i + 1 : 1;
}

/**
 * Rule: a PR may change (edit, rename, delete) a folder already on the base branch only when its
 * author is one of the folder's original authors; any new folder is free. Anchored at the
 * manifest's `authors:` line. Pure.
 */
export function ownershipProblems(o: {
  touched: readonly string[];
  origins: readonly FolderOrigin[];
  author: PrAuthor;
  pinned?: ReadonlyMap<string, number>;
  manifestText(slug: string): string | undefined;
}): Problem[] {
  const problems: Problem[] = [];
  for (const slug of o.touched) {
    const origin = o.origins.find((x) => x.slug === slug);
    if (!origin || ownsFolder(origin, o.author, o.pinned)) continue;
    const by = origin.pr ? `PR #${origin.pr}` : `commit ${origin.sha.slice(0, 7)}`;
    problems.push({
      file: manifestPath(slug),
      line: authorsLine(o.manifestText(slug)),
      col: 1,
      code: "not-owner",
      message:
        `\`${slug}\` was added to the base branch by ${by} (authors: ${origin.authors.join(", ") || "none"}); ` +
        `@${o.author.login} is not one of them, so this PR may not change it`,
      fix: `copy it to a new folder (npx velodrome new <new-slug> --parent ${slug}) and leave ${slug}/ unchanged`,
    });
  }
  return problems;
}

/**
 * Rule: a PR may not add a folder that another open PR added first (by the API's creation time;
 * core/ownership.ts). `claims` are the open PRs adding each touched slug's folder. Pure.
 */
export function claimProblems(o: {
  pr: number;
  author: PrAuthor;
  added: readonly string[];
  claims: Readonly<Record<string, readonly FolderClaim[]>>;
}): Problem[] {
  return o.added.flatMap((slug) => {
    const ruling = ownershipRuling(
      { slug, merged: false, claims: o.claims[slug] ?? [] },
      { number: o.pr, user: { id: o.author.id ?? 0, login: o.author.login } },
    );
    if (ruling.ok) return [];
    return [
      {
        file: manifestPath(slug),
        line: 1,
        col: 1,
        code: "slug-claimed" as const,
        message: `\`${slug}\` was added first by ${ruling.owner}, still open; this PR adds the same folder`,
        fix: `choose another slug (npx velodrome new <new-slug> --parent <parent>) and move your files there`,
      },
    ];
  });
}
