import type { CommentOrigin } from "../../core/github/event.ts";
import { submissionSlugOfPr, type PullFile } from "../../core/github/pull.ts";
import { manifestPath } from "../../core/layout.ts";
import { recordedClaimants, type FolderClaim } from "../../core/ownership.ts";
import type { PublishPins } from "../../core/github/publish.ts";
import type { Challenge } from "../../core/schema/challenge.ts";
import type {
  Broadcast,
  LifecycleEvent,
  Participants,
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
 */
export async function folderClaims(
  ctx: Pick<FlowContext, "api" | "store">,
  pull: { number: number; createdAt?: string },
  files: readonly PullFile[],
): Promise<FolderClaim[]> {
  const found = submissionSlugOfPr(files);
  if ("kind" in found || !pull.createdAt) return [];
  const manifest = manifestPath(found.slug);
  const mine = Date.parse(pull.createdAt);
  const earlier = (await ctx.api.listOpenPulls()).filter(
    (p) => p.number !== pull.number && p.createdAt !== undefined && Date.parse(p.createdAt) <= mine,
  );
  const claims: FolderClaim[] = [{ pr: pull.number, createdAt: pull.createdAt }];
  for (const p of earlier) {
    const theirs = await ctx.api.listPullFiles(p.number);
    if (theirs.some((f) => f.filename === manifest && f.status === "added"))
      claims.push({ pr: p.number, createdAt: p.createdAt! });
  }
  for (const n of recordedClaimants(await ctx.store.read(), found.slug, pull.number)) {
    if (claims.some((c) => c.pr === n)) continue;
    const theirs = await ctx.api.getPull(n);
    if (theirs.createdAt !== undefined && Date.parse(theirs.createdAt) <= mine)
      claims.push({ pr: n, createdAt: theirs.createdAt });
  }
  return claims;
}
