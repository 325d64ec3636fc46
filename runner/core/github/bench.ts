import type { Challenge } from "../schema/challenge.ts";
import type { Participants, Registration, Reservation, Ruling } from "../schema/data.ts";
import type { RunRecord } from "../schema/run-record.ts";
import { currentLeader } from "../standings.ts";
import type { BenchCommand, CommentOrigin } from "./event.ts";
import { registeredParticipants } from "./join.ts";
import { isOrganizer } from "./organizer.ts";
import {
  refusal,
  submissionSlugOfPr,
  type PullFacts,
  type PullFile,
  type Refusal,
  ownershipProblem,
  pinnedIds,
} from "./pull.ts";
import { authorize, quotaState, type QuotaState } from "./quota.ts";
import { queueState } from "../queue.ts";
import type { LifecycleEvent, RunnerStep } from "../schema/data.ts";
import { chooseRunner } from "../runners.ts";
import { formatProblem, type Problem } from "../validate/problem.ts";
import type { FolderClaim } from "../ownership.ts";

/** The slice of the data branch a /bench decision reads. */
export interface BenchState {
  runs: readonly RunRecord[];
  reservations: readonly Reservation[];
  rulings: readonly Ruling[];
  /** Participants registered by /join; quota and authorization read them with the file's. */
  registrations?: readonly Registration[];
  /** Lifecycle steps (hacked, withdrawn, …): a retired result is never the default opponent. */
  lifecycle?: readonly LifecycleEvent[];
  /** Runner status steps: dispatch skips suspended runners. */
  runnerSteps?: readonly RunnerStep[];
}

/** Everything a /bench decision depends on: the event, GitHub's view of the PR, the ledger, the clock. */
export interface BenchInput {
  origin: CommentOrigin;
  command: BenchCommand;
  pull: PullFacts;
  files: readonly PullFile[];
  state: BenchState;
  challenge: Challenge;
  /** challenge/participants.yaml (organizer pins come from it alone). */
  participants: Participants;
  /** Slugs on the default branch (possible opponents besides submissions with runs). */
  knownSlugs: readonly string[];
  /** Open PRs adding the PR's folder, with the API's creation time (the ownership rule, core/ownership.ts). */
  claims?: readonly FolderClaim[];
  /** `authors` of each submission on the default branch (who may change it through a PR). */
  manifestAuthors?: Readonly<Record<string, readonly string[]>>;
  /** Full validation of the PR at its head, recomputed for this request; undefined: it could not run. */
  validation: { ok: boolean; problems: readonly Problem[] } | undefined;
  now: Date;
}

/** A run to dispatch: the reservation (written to the ledger unless redelivered) and what to say. */
export interface BenchDispatch {
  kind: "dispatch" | "redelivered";
  reservation: Reservation;
  /** The requester's quota before this run. */
  quota: QuotaState;
  pooled: boolean;
  organizer: boolean;
  /** `workflow_dispatch` inputs of the evaluate workflow. */
  inputs: Record<string, string>;
  /** Where this run stands in the evaluation queue, with an ETA from recent run durations. */
  queue?: { position: number; eta?: string };
}

export type BenchDecision = Refusal | BenchDispatch;

/** The reservation id: date, PR and comment, so a redelivered comment maps to the same run. */
export const reservationId = (now: Date, pr: number, commentId: number) =>
  `${now.toISOString().slice(0, 10)}-pr${pr}-c${commentId}`;

/** The reservation an earlier delivery of the same comment made, if any (whatever day it was). */
function earlierReservation(input: BenchInput): Reservation | undefined {
  const suffix = `-pr${input.pull.number}-c${input.origin.commentId}`;
  return input.state.reservations.find((r) => r.pr === input.pull.number && r.id.endsWith(suffix));
}

/**
 * The default opponent is the current leader; a PR that leads is checked against whoever led
 * before it (or the baseline). An explicit `--against` must name a known submission. The same
 * slug on both arms (A/A) is a runner-calibration run, for organizers only.
 */
function chooseOpponent(input: BenchInput, slug: string, organizer: boolean): { against: string } | Refusal {
  const { challenge, state } = input;
  const lead = currentLeader(challenge, state.runs, state.rulings, false, state.lifecycle ?? []);
  const previous = lead.history.length > 1 ? lead.history[lead.history.length - 2]!.slug : challenge.baseline;
  const against = input.command.against ?? (lead.slug !== slug ? lead.slug : previous);
  if (against === slug && input.command.against === slug && organizer) return { against };
  const known = new Set([...input.knownSlugs, ...state.runs.map((r) => r.candidate.slug)]);
  if (against !== slug && !known.has(against))
    return refusal(`\`${against}\` is not a submission with a recorded run or on the default branch`);
  if (against === slug)
    return refusal(
      "a submission cannot be benchmarked against itself here " +
        "(A/A runs are for organizers' runner health checks)",
    );
  return { against };
}

/**
 * `/bench` needs a person behind the agent: an account listed in participants.yaml (an
 * organizer's approval, by PR) or a /join registration whose owner confirmed the link
 * (`/join owner-of`). An unlinked registration would be its own owner with its own quota, so N
 * fresh accounts would get N times the per-owner quota.
 */
function ownerLinkProblem(input: BenchInput): Refusal | undefined {
  const me = input.origin.requester;
  if (input.participants.participants.some((p) => p.id === me.id)) return undefined;
  const reg = (input.state.registrations ?? []).find((r) => r.id === me.id);
  if (!reg || reg.owner) return undefined;
  return refusal(
    `@${me.login} has no confirmed owner: comment \`/join owned-by @owner\` on the registration issue and ` +
      `have your owner comment \`/join owner-of @${me.login}\`, or ask an organizer to list you in ` +
      `challenge/participants.yaml. The per-owner quota is per person.`,
  );
}

/** The reservations still charged: a run the incumbent's engine broke is not the challenger's to pay. */
function chargedOnly(runs: readonly RunRecord[]) {
  const refunded = new Set(
    runs.filter((r) => r.status === "error" && r.failedArm === "incumbent").map((r) => r.id),
  );
  return (ledger: readonly Reservation[]) => ledger.filter((r) => !refunded.has(r.id));
}

/** Problems listed in a refusal; the rest are counted (the validation comment has them all). */
const LISTED_PROBLEMS = 5;

/** Why a PR whose validation failed, or could not run, is not benchmarked. */
function validationRefusal(v: BenchInput["validation"]): Refusal | undefined {
  if (!v)
    return refusal("this PR's validation could not be run at its head; push again or ask an organizer.");
  if (v.ok) return undefined;
  const listed = v.problems.slice(0, LISTED_PROBLEMS).map((p) => formatProblem(p).split("\n")[0]);
  const more = v.problems.length - listed.length;
  return refusal(
    `this PR does not pass validation at its head; fix it first (npx velodrome validate):\n` +
      listed.map((l) => `- ${l}`).join("\n") +
      (more > 0 ? `\n- … and ${more} more` : ""),
  );
}

/** The evaluate workflow's inputs for a reservation. */
export function workflowInputs(r: Reservation): Record<string, string> {
  return {
    run_id: r.id,
    pr: String(r.pr),
    sha: r.sha,
    slug: r.slug,
    against: r.against,
    blocks: String(r.blocks ?? 0),
    ...(r.runner ? { runner: r.runner } : {}),
  };
}

/** How long an unregistered account's commands go unanswered after the bot told it once (per thread). */
export const UNREGISTERED_QUIET_MS = 24 * 3600_000;

/**
 * The cheap first check of a `/bench`, before any API call or data-branch write: the requester must
 * be an organizer or a registered participant (file or /join registry), else the refusal to give.
 * `alreadyTold` (the bot's earlier refusal to this account on this thread, within
 * UNREGISTERED_QUIET_MS) turns the refusal into silence, so a flood costs one answer. Pure.
 */
export function benchGate(
  input: Pick<BenchInput, "origin" | "challenge" | "participants"> & {
    registrations: readonly Registration[];
  },
  alreadyTold: boolean,
): { kind: "pass" } | { kind: "refuse"; reason: string } | { kind: "quiet" } {
  const { origin } = input;
  if (isOrganizer(origin, input.challenge, input.participants)) return { kind: "pass" };
  const everyone = registeredParticipants(input.participants, input.registrations);
  const auth = authorize(everyone, origin.requester, origin.requester.id, false);
  if (auth.ok) return { kind: "pass" };
  return alreadyTold ? { kind: "quiet" } : { kind: "refuse", reason: auth.reason };
}

/**
 * Decides a `/bench` comment on a PR. In order: the PR must be open and add exactly one submission,
 * the requester must be authorized (author, organizer, or a participant — from the file or the
 * /join registry — pooling quota), a
 * redelivered comment resolves to its earlier reservation, the opponent must be known and another
 * submission, and the requester's and owner's quota must have room. Pure.
 */
export function decideBench(input: BenchInput): BenchDecision {
  const { origin, pull, challenge, now } = input;
  if (pull.state !== "open") return refusal("this pull request is closed.");
  const found = submissionSlugOfPr(input.files);
  if ("kind" in found) return found;
  const foreign = ownershipProblem({ ...input, pinnedIds: pinnedIds(input.participants) }, found.slug);
  if (foreign) return foreign;
  const invalid = validationRefusal(input.validation);
  if (invalid) return invalid;
  const organizer = isOrganizer(origin, challenge, input.participants);
  const everyone = registeredParticipants(input.participants, input.state.registrations ?? []);
  const auth = authorize(everyone, origin.requester, pull.user.id, organizer);
  if (!auth.ok) return refusal(auth.reason);
  const unlinked = auth.organizer ? undefined : ownerLinkProblem(input);
  if (unlinked) return unlinked;
  const who = { pooled: auth.pooled, organizer: auth.organizer };
  const charged = chargedOnly(input.state.runs);
  const quotaOf = (ledger: readonly Reservation[]) =>
    quotaState(challenge, charged(ledger), origin.requester, auth.owner, now, auth.organizer);

  const earlier = earlierReservation(input);
  if (earlier) {
    const others = input.state.reservations.filter((r) => r.id !== earlier.id);
    const quota = quotaOf(others);
    return { kind: "redelivered", reservation: earlier, quota, ...who, inputs: workflowInputs(earlier) };
  }
  const fewest = challenge.significance.min_blocks ?? challenge.significance.looks[0] ?? 2;
  const most = challenge.significance.looks.at(-1) ?? 32;
  if (input.command.blocks !== undefined && input.command.blocks > most && !auth.organizer)
    return refusal(
      `\`--blocks ${input.command.blocks}\` is above this challenge's last planned look (${most} blocks): ` +
        `a longer run would hold a GPU runner for nothing the design needs.`,
    );
  if (input.command.blocks !== undefined && input.command.blocks < fewest && !auth.organizer)
    return refusal(
      `\`--blocks ${input.command.blocks}\` is below this challenge's minimum of ${fewest} blocks: ` +
        `a smaller design has too little power to be worth a run. Omit --blocks to use the planned looks.`,
    );
  const opponent = chooseOpponent(input, found.slug, auth.organizer);
  if ("kind" in opponent) return opponent;
  const quota = quotaOf(input.state.reservations);
  if (!quota.ok) return refusal(quota.reason!);
  const pool = chooseRunner(input.state.runs, input.state.runnerSteps ?? []);
  if (pool.kind === "none") return refusal(`no runner can take this run now: ${pool.reason}.`);
  const reservation: Reservation = {
    version: 1,
    id: reservationId(now, pull.number, origin.commentId),
    at: now.toISOString(),
    requester: origin.requester,
    owner: auth.owner,
    pr: pull.number,
    author: pull.user.login,
    slug: found.slug,
    sha: pull.headSha,
    against: opponent.against,
    ...(input.command.blocks ? { blocks: input.command.blocks } : {}),
    organizer: auth.organizer,
    ...(opponent.against === found.slug ? { aa: true as const } : {}),
    ...(pool.kind === "pinned" ? { runner: pool.runner } : {}),
  };
  const queued = queueState(
    { reservations: [...input.state.reservations, reservation], runs: input.state.runs },
    now,
    challenge.runners?.count ?? 1,
  ).entries.find((e) => e.id === reservation.id);
  const queue = queued
    ? { position: queued.position, ...(queued.eta ? { eta: queued.eta } : {}) }
    : undefined;
  return {
    kind: "dispatch",
    reservation,
    quota,
    ...who,
    inputs: workflowInputs(reservation),
    ...(queue ? { queue } : {}),
  };
}
