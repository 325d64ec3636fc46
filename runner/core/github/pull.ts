import { checkFilePolicy, type FileEntry } from "../validate/file-policy.ts";

/** A file of a pull request as GitHub lists it (the parts the bot reads). */
export interface PullFile {
  filename: string;
  status: string;
  previous_filename?: string;
}

/** The pull request facts a bot decision reads. */
export interface PullFacts {
  number: number;
  state: string;
  user: { id: number; login: string };
  headSha: string;
}

export type { Requester } from "./quota.ts";

/** A decision that refuses a command, with the reason the requester reads. */
export interface Refusal {
  kind: "refuse";
  reason: string;
}

export const refusal = (reason: string): Refusal => ({ kind: "refuse", reason });

/** GitHub's file status as the file policy's (modified counts as added: the bot only needs paths). */
function toFileEntry(f: PullFile): FileEntry {
  const status = f.status === "removed" ? "deleted" : f.status === "renamed" ? "renamed" : "added";
  return {
    path: f.filename,
    status,
    kind: "file",
    size: 0,
    binary: false,
    ...(f.previous_filename ? { from: f.previous_filename } : {}),
  };
}

/**
 * The one submission a PR adds, by the same file policy validation applies
 * (core/validate/file-policy), or why the PR cannot be benchmarked or ruled on.
 */
export function submissionSlugOfPr(files: readonly PullFile[]): { slug: string } | Refusal {
  const { problems, slugs } = checkFilePolicy(files.map(toFileEntry));
  const outside = problems.find((p) => p.code === "outside-submission");
  // Raw text: the refusal comment passes the whole reason through `inert` once.
  if (outside)
    return refusal(
      `this PR changes \`${outside.file.slice(0, 120)}\`, outside submissions/<slug>/; fix validation first`,
    );
  if (slugs.length !== 1)
    return refusal(`a benchmarkable PR adds exactly one submission folder, this one touches ${slugs.length}`);
  return { slug: slugs[0]! };
}

/** What decides who may act on a submission through a PR. */
export interface OwnershipInput {
  state: {
    reservations: readonly { slug: string; pr: number; at: string }[];
    lifecycle?: readonly { slug: string; pr: number; at: string }[];
  };
  /** Slugs on the default branch (merged submissions). */
  knownSlugs: readonly string[];
  pull: { number: number; user: { id: number; login: string } };
  /** Owners of each merged submission: the `authors` its manifest named when first added (git history). */
  manifestAuthors?: Readonly<Record<string, readonly string[]>>;
  /** Logins pinned to numeric ids (challenge/participants.yaml and the registry). */
  pinnedIds?: ReadonlyMap<string, number>;
}

/**
 * Whether this PR may act for `slug`. A PR may add a new submission, or change a merged one only
 * when its author is one of that submission's authors (by login, and by numeric id where the login
 * is pinned); a submission first benchmarked on another PR belongs to that PR. Without this, a PR
 * that edits someone else's merged folder was benchmarked as it, its result became the other
 * author's speed, and a ruling on it hit the victim. Pure.
 */
export function ownershipProblem(input: OwnershipInput, slug: string): Refusal | undefined {
  const author = input.pull.user;
  if (input.knownSlugs.includes(slug)) {
    const authors = (input.manifestAuthors?.[slug] ?? []).map((a) => a.toLowerCase());
    const pinned = input.pinnedIds?.get(author.login.toLowerCase());
    if (authors.includes(author.login.toLowerCase()) && (pinned === undefined || pinned === author.id))
      return undefined;
    return refusal(
      `\`${slug}\` is a merged submission and @${author.login} is not one of its authors: a PR may only ` +
        `change a submission its author owns. Copy it to a new folder and list \`${slug}\` as a parent.`,
    );
  }
  const home = [...input.state.reservations, ...(input.state.lifecycle ?? [])]
    .filter((r) => r.slug === slug)
    .sort((a, b) => a.at.localeCompare(b.at))[0]?.pr;
  if (home !== undefined && home !== input.pull.number)
    return refusal(`\`${slug}\` belongs to PR #${home}; a PR may only act for the submission it adds.`);
  return undefined;
}

/** Logins pinned to numeric ids by the participants file (lower-cased logins). */
export function pinnedIds(participants: { participants: readonly { id: number; login: string }[] }) {
  return new Map(participants.participants.map((p) => [p.login.toLowerCase(), p.id]));
}
