import { ownershipRuling, type FolderClaim } from "../ownership.ts";
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

/** What decides who may act on a submission through a PR (see core/ownership.ts, the one rule). */
export interface OwnershipInput {
  /** Open PRs adding the submission's folder, with the API's creation time (this one included or not). */
  claims?: readonly FolderClaim[];
  /** Slugs on the default branch (merged submissions). */
  knownSlugs: readonly string[];
  pull: { number: number; user: { id: number; login: string } };
  /** Owners of each merged submission: the `authors` its manifest named when first added (git history). */
  manifestAuthors?: Readonly<Record<string, readonly string[]>>;
  /** Logins pinned to numeric ids (challenge/participants.yaml and the registry). */
  pinnedIds?: ReadonlyMap<string, number>;
}

/**
 * Whether this PR may act for `slug`, by the one ownership rule (core/ownership.ts): a merged
 * folder belongs to its original authors, an unmerged one to the open PR that added it first by
 * the API's creation time. Bot activity (reservations, lifecycle steps) never moves it. Pure.
 */
export function ownershipProblem(input: OwnershipInput, slug: string): Refusal | undefined {
  const ruling = ownershipRuling(
    {
      slug,
      merged: input.knownSlugs.includes(slug),
      originalAuthors: input.manifestAuthors?.[slug] ?? [],
      ...(input.pinnedIds ? { pinned: input.pinnedIds } : {}),
      claims: input.claims ?? [],
    },
    input.pull,
  );
  return ruling.ok ? undefined : refusal(ruling.reason);
}

/** Logins pinned to numeric ids by the participants file (lower-cased logins). */
export function pinnedIds(participants: { participants: readonly { id: number; login: string }[] }) {
  return new Map(participants.participants.map((p) => [p.login.toLowerCase(), p.id]));
}
