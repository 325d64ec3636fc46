/**
 * The one ownership rule of a submission folder, used by validation, `/bench`, `/rule` and every
 * lifecycle step (it was decided three times under three rules before; a stranger's second PR
 * adding the same unmerged folder took it over with one bot command).
 *
 * - A folder on the default branch (merged) belongs to the authors its manifest named when it was
 *   first added (git history); where a login is pinned to a numeric id, the id must match too.
 * - An unmerged folder belongs to the pull request that first added it, by the GitHub API's
 *   record of when each PR was created (`created_at`; ties by the lower PR number), among the open
 *   PRs adding it and every PR, open or closed, the data branch has recorded runs, reservations or
 *   lifecycle steps for under that slug (closing a PR does not free a slug it has a record under: a
 *   stranger's later PR could otherwise retire or bench it). A PR with such a record outranks every
 *   PR without one, whenever either was opened: `created_at` never changes when a PR is pushed, so
 *   an old placeholder PR force-pushed onto a folder another PR had already benched under would
 *   otherwise take it (and every command of the benched PR would be refused). A record is made
 *   only for the folder's owner at that time, so the first PR to be charged or ruled under a slug
 *   keeps it. Bot activity never moves ownership otherwise. A later PR adding the same folder is
 *   refused by validation and by every command.
 * Pure.
 */
import { MANIFEST_NAME, SUBMISSIONS_DIR } from "./layout.ts";

/** An open pull request adding `submissions/<slug>/submission.yaml`, as the API reports it. */
export interface FolderClaim {
  pr: number;
  /** The PR's `created_at` from the API (ISO). */
  createdAt: string;
  /** Whether the data branch has a run, reservation or lifecycle step of this PR under the slug. */
  recorded?: boolean;
}

/** Who a PR is and who opened it. */
export interface ActingPull {
  number: number;
  user: { id: number; login: string };
}

export interface OwnershipFacts {
  slug: string;
  /** Whether the folder is on the default branch. */
  merged: boolean;
  /** For a merged folder: the authors its manifest named when first added. */
  originalAuthors?: readonly string[];
  /** Logins pinned to numeric ids (lower-cased). */
  pinned?: ReadonlyMap<string, number>;
  /** Open PRs adding the folder (this one included or not), from the API. */
  claims: readonly FolderClaim[];
}

export type OwnershipRuling =
  { ok: true } | { ok: false; code: "not-owner" | "claimed"; owner: string; reason: string };

/** What the data branch records per PR (the parts of it that name a slug and a PR). */
export interface RecordedActivity {
  runs: readonly { pr?: number; candidate: { slug: string } }[];
  reservations: readonly { pr: number; slug: string }[];
  lifecycle?: readonly { pr: number; slug: string }[];
}

/**
 * The slugs of the submission folders a PR adds: those whose manifest (`submissions/<slug>/
 * submission.yaml`) its file list marks `added` (what a claim on an unmerged folder is made of).
 */
export function addedFolders(files: readonly { filename: string; status: string }[]): string[] {
  const [head, tail] = [`${SUBMISSIONS_DIR}/`, `/${MANIFEST_NAME}`];
  const slugs = files
    .filter((f) => f.status === "added" && f.filename.startsWith(head) && f.filename.endsWith(tail))
    .map((f) => f.filename.slice(head.length, -tail.length))
    .filter((slug) => slug.length > 0 && !slug.includes("/"));
  return [...new Set(slugs)].sort();
}

/** The PRs (other than `except`) the data branch has any run, reservation or lifecycle step of `slug` for. */
export function recordedClaimants(data: RecordedActivity, slug: string, except: number): number[] {
  const prs = new Set<number>();
  for (const r of data.runs) if (r.pr !== undefined && r.candidate.slug === slug) prs.add(r.pr);
  for (const r of data.reservations) if (r.slug === slug) prs.add(r.pr);
  for (const e of data.lifecycle ?? []) if (e.slug === slug) prs.add(e.pr);
  prs.delete(except);
  return [...prs].sort((a, b) => a - b);
}

/**
 * The claim that owns an unmerged folder: a recorded claim before any unrecorded one, then the
 * earliest created PR, ties to the lower number.
 */
export function firstClaim(claims: readonly FolderClaim[]): FolderClaim | undefined {
  const rank = (c: FolderClaim) => (c.recorded ? 0 : 1);
  return [...claims].sort(
    (a, b) => rank(a) - rank(b) || Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.pr - b.pr,
  )[0];
}

/** Whether `author` is one of a merged folder's original authors (and has the pinned id, where pinned). */
export function isOriginalAuthor(
  authors: readonly string[],
  author: { login: string; id?: number },
  pinned?: ReadonlyMap<string, number>,
): boolean {
  const login = author.login.toLowerCase();
  if (!authors.some((a) => a.toLowerCase() === login)) return false;
  const id = pinned?.get(login);
  return id === undefined || author.id === undefined || id === author.id;
}

/** Whether `pull` may act for `facts.slug`, and if not, who owns it and why. */
export function ownershipRuling(facts: OwnershipFacts, pull: ActingPull): OwnershipRuling {
  const { slug } = facts;
  if (facts.merged) {
    const authors = facts.originalAuthors ?? [];
    if (isOriginalAuthor(authors, pull.user, facts.pinned)) return { ok: true };
    return {
      ok: false,
      code: "not-owner",
      owner: authors.join(", ") || "none",
      reason:
        `\`${slug}\` is a merged submission and @${pull.user.login} is not one of its authors: a PR may ` +
        `only change a submission its author owns. Copy it to a new folder and list \`${slug}\` as a parent.`,
    };
  }
  const first = firstClaim(facts.claims);
  if (!first || first.pr === pull.number) return { ok: true };
  return {
    ok: false,
    code: "claimed",
    owner: `PR #${first.pr}`,
    reason:
      (first.recorded
        ? `\`${slug}\` belongs to PR #${first.pr}, which has runs or steps recorded under it; `
        : `\`${slug}\` belongs to PR #${first.pr}, which added its folder first (opened ${first.createdAt}); `) +
      `a PR may only act for a submission it added first. Choose another slug.`,
  };
}
