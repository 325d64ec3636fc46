import type { CommentOrigin } from "../../core/github/event.ts";
import { submissionSlugOfPr, type PullFile } from "../../core/github/pull.ts";
import { dataPath } from "../../core/layout.ts";
import { addedFolders, recordedClaimants, type FolderClaim } from "../../core/ownership.ts";
import type { PublishPins } from "../../core/github/publish.ts";
import type { Challenge } from "../../core/schema/challenge.ts";
import type {
  Broadcast,
  LifecycleEvent,
  Participants,
  PullFolders,
  Registration,
  Reservation,
  Ruling,
  RunnerStep,
} from "../../core/schema/data.ts";
import type { RunRecord } from "../../core/schema/run-record.ts";
import type { DataStore, GitHubApi, PullValidator, Write } from "../../ports.ts";

/** What every bot flow runs against: the ports, the challenge, and the clock. */
export interface FlowContext {
  api: GitHubApi;
  store: DataStore;
  challenge: Challenge;
  /** challenge/participants.yaml; the /join registry is read from the data branch. */
  participants: Participants;
  now(): Date;
  /** Branch whose workflow and runner code evaluate runs: always the default branch. */
  ref: string;
  evaluateWorkflow: string;
  /** Slugs that exist on the default branch (possible incumbents besides PR submissions with runs). */
  knownSlugs: string[];
  /** Who may change each submission on the default branch through a PR: its authors as first added (git history). */
  manifestAuthors?: Record<string, string[]>;
  /** Validates a PR at its head (fail-closed: without one, /bench refuses every PR). */
  validator?: PullValidator;
  /** What main's checkout pins a published run to (reference perplexity, prompt count). */
  publishPins?: PublishPins;
  log?(line: string): void;
}

/** What a bot flow did, printed as JSON by `velodrome gh` and shown in the job summary. */
export type Outcome =
  | { kind: "ignored"; why: string }
  | { kind: "refused"; why: string }
  /** `resumed`: a run dispatched earlier, acknowledged now (no second dispatch). */
  | { kind: "dispatched"; reservation: Reservation; resumed?: true }
  | { kind: "ruled"; ruling: Ruling }
  | { kind: "lifecycle"; event: LifecycleEvent }
  | { kind: "registered"; registration: Registration; change: string }
  | { kind: "broadcast"; broadcast: Broadcast }
  | { kind: "published"; record: RunRecord; suspended?: RunnerStep[]; flag?: string }
  | { kind: "runner"; step: RunnerStep }
  | { kind: "scheduled"; dispatched: string[]; already: string[]; skipped: { what: string; why: string }[] }
  | { kind: "mirrored"; threads: number[]; deferred: boolean }
  | { kind: "deferred"; why: string }
  | {
      kind: "reconciled";
      handled: { commentId: number; outcome: string; resumed?: true }[];
      deferred: boolean;
    };

/** A data-branch file holding one record: pretty JSON with a final newline. */
export function recordWrite(path: string, value: unknown): Write {
  return { path, content: JSON.stringify(value, null, 2) + "\n" };
}

/**
 * What a decision about a command on a PR reads besides the data branch: the PR and its files as
 * GitHub has them now, the challenge, the participants, the known slugs and the time.
 */
export async function pullCommandInput(ctx: FlowContext, origin: CommentOrigin) {
  const pull = await ctx.api.getPull(origin.issue);
  const files = await ctx.api.listPullFiles(origin.issue);
  return {
    origin,
    pull,
    files,
    claims: await folderClaims(ctx, pull, files),
    ...(ctx.manifestAuthors ? { manifestAuthors: ctx.manifestAuthors } : {}),
    challenge: ctx.challenge,
    participants: ctx.participants,
    knownSlugs: ctx.knownSlugs,
    now: ctx.now(),
  };
}

/**
 * The PRs that add this PR's submission folder and were created no later than it, with the API's
 * `created_at` (this PR included): the open ones, and every PR (closed too) the data branch has a
 * record under the slug for. What the ownership rule (core/ownership.ts) reads. Only earlier PRs can
 * own the folder before this one, so later ones are not listed.
 *
 * The folders each PR adds are cached on the data branch (`pulls/<n>.json`) under the head commit
 * they were read at; the open-PR list (one request per hundred open PRs) gives every head, and
 * only PRs whose head moved since are listed again. A command costs a few requests, where listing
 * every open PR's files cost one or more per open PR (1,615 of a replayed busiest hour's 1,840).
 * Why this and not `git fetch refs/pull/*` with a diff per PR, and why it is safe:
 * - It reads the very list the rule was written against (GitHub's file list: `added`, not
 *   `renamed`; its merge base; its 3,000-file cap). A git diff reproduces that only approximately,
 *   and fetching every open PR's objects on every command is a cost a hostile PR can inflate
 *   (huge trees), with its own credentials to manage for private repositories.
 * - An entry decides one PR's claim and is keyed by that PR's head, which only that PR's side can
 *   move: a force-push (adding a folder, removing it again) moves the head and the entry is read
 *   again; a later PR cannot make an earlier PR's entry stale. The narrow race (the head moves
 *   between the list and the file read, then moves back to the listed commit) can only be played
 *   by a PR's own author on its own entry, and a stale entry only gains or loses that PR's own
 *   claim, which its author could change anyway by pushing.
 * - Only the bot writes the data branch (as for the quota ledger); `created_at` never changes.
 */
export async function folderClaims(
  ctx: Pick<FlowContext, "api" | "store" | "now" | "log">,
  pull: { number: number; createdAt?: string; headSha?: string },
  files: readonly PullFile[],
): Promise<FolderClaim[]> {
  const found = submissionSlugOfPr(files);
  if ("kind" in found || !pull.createdAt) return [];
  const mine = Date.parse(pull.createdAt);
  const state = await ctx.store.read();
  const cache = new Map((state.pullFolders ?? []).map((e) => [e.pr, e]));
  const fresh: PullFolders[] = [];
  const seen = (pr: number, headSha: string, createdAt: string, added: string[]) => {
    const entry: PullFolders = { version: 1, pr, headSha, createdAt, added };
    if (cache.get(pr)?.headSha !== headSha) fresh.push(entry);
    cache.set(pr, entry);
    return entry;
  };
  // This PR's own files were just read: its entry costs nothing.
  if (pull.headSha) seen(pull.number, pull.headSha, pull.createdAt, addedFolders(files));
  const claims: FolderClaim[] = [{ pr: pull.number, createdAt: pull.createdAt }];
  try {
    const earlier = (await ctx.api.listOpenPulls({ createdUpTo: pull.createdAt })).filter(
      (p) => p.number !== pull.number && p.createdAt !== undefined && Date.parse(p.createdAt) <= mine,
    );
    for (const p of earlier) {
      const known = cache.get(p.number);
      const entry =
        known?.headSha === p.headSha
          ? known
          : seen(p.number, p.headSha, p.createdAt!, addedFolders(await ctx.api.listPullFiles(p.number)));
      if (entry.added.includes(found.slug)) claims.push({ pr: p.number, createdAt: p.createdAt! });
    }
    for (const n of recordedClaimants(state, found.slug, pull.number)) {
      if (claims.some((c) => c.pr === n)) continue;
      const createdAt = cache.get(n)?.createdAt ?? (await ctx.api.getPull(n)).createdAt;
      if (createdAt !== undefined && Date.parse(createdAt) <= mine) claims.push({ pr: n, createdAt });
    }
  } finally {
    await rememberFolders(ctx, fresh);
  }
  return claims;
}

/** Writes the cache entries read anew (what was read before a rate limit, too); never fails a command. */
async function rememberFolders(ctx: Pick<FlowContext, "store" | "log">, fresh: readonly PullFolders[]) {
  if (!fresh.length) return;
  const prs = fresh.map((e) => `#${e.pr}`).join(", ");
  await ctx.store
    .transact(`ownership cache: the folders of ${prs} at their heads`, () => ({
      writes: fresh.map((e) => recordWrite(dataPath.pullFolders(e.pr), e)),
      result: null,
    }))
    .catch((e: unknown) => ctx.log?.(`the ownership cache was not written: ${(e as Error).message}`));
}
