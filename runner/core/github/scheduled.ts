import type { Challenge } from "../schema/challenge.ts";
import type { LifecycleEvent, Reservation, Ruling, RunnerStep } from "../schema/data.ts";
import type { RunRecord } from "../schema/run-record.ts";
import { chooseRunner, runsByRunner } from "../runners.ts";
import { decideStandings, standingRun } from "../standings.ts";
import { workflowInputs } from "./bench.ts";

/**
 * The bot's scheduled runs, decided: the daily A/A calibration of every runner (the leader against
 * itself on each) and the daily re-verification of the top k on the private set. Each becomes an
 * uncharged reservation by the bot, dispatched through evaluate.yml and published by its publish
 * job like any run. Pure.
 */

/** The account scheduled runs are requested by (the Actions bot; never anyone's quota). */
export const SCHEDULER = { id: 41898282, login: "github-actions[bot]" };

/** The slice of the data branch a schedule reads. */
export interface ScheduleState {
  runs: readonly RunRecord[];
  reservations: readonly Reservation[];
  rulings: readonly Ruling[];
  lifecycle?: readonly LifecycleEvent[];
  runnerSteps?: readonly RunnerStep[];
}

export interface ScheduleInput {
  challenge: Challenge;
  state: ScheduleState;
  /** Slugs on the default branch. */
  knownSlugs: readonly string[];
  now: Date;
}

/** What a schedule decided: reservations to write and dispatch, and what it skipped and why. */
export interface SchedulePlan {
  runs: Reservation[];
  /** Reservations an earlier run of the same schedule already made today (not dispatched again). */
  already: Reservation[];
  skipped: { what: string; why: string }[];
}

/**
 * The commit and PR a submission's standing was earned at: the run that gave it the lead, or its
 * best estimate's run (standingRun). Not its latest run: an honest, slower commit benched later
 * must not be what gets re-verified in place of the commit that holds the result.
 */
function pinnedAt(input: ScheduleInput, slug: string) {
  const { challenge, state } = input;
  const r = standingRun({ challenge, runs: state.runs, rulings: state.rulings, ...lifecycleOf(state) }, slug);
  if (!r?.pr) return undefined;
  return { pr: r.pr, sha: r.candidate.commit!, author: r.credited ?? r.requester?.login ?? SCHEDULER.login };
}

/** An uncharged reservation by the bot for a scheduled run (no comment: nothing to redeliver). */
function scheduled(
  id: string,
  now: Date,
  at: { pr: number; sha: string; author: string },
  o: Pick<Reservation, "slug" | "against" | "purpose"> & { runner?: string; aa?: true },
): Reservation {
  return {
    version: 1,
    id,
    at: now.toISOString(),
    requester: SCHEDULER,
    owner: SCHEDULER,
    pr: at.pr,
    author: at.author,
    sha: at.sha,
    organizer: true,
    ...o,
  };
}

/** Splits planned reservations into new ones and ones an earlier run of the schedule made today. */
function dedupe(
  input: ScheduleInput,
  planned: Reservation[],
  skipped: SchedulePlan["skipped"],
): SchedulePlan {
  const known = new Map(input.state.reservations.map((r) => [r.id, r]));
  return {
    runs: planned.filter((r) => !known.has(r.id)),
    already: planned.filter((r) => known.has(r.id)).map((r) => known.get(r.id)!),
    skipped,
  };
}

/** Today's standings, from the one standings function every page and the bot use. */
function standingsOf(input: ScheduleInput) {
  const { challenge, state } = input;
  const slugs = [...new Set([...input.knownSlugs, ...state.runs.map((r) => r.candidate.slug)])];
  return decideStandings({
    challenge,
    runs: state.runs,
    rulings: state.rulings,
    slugs,
    ...lifecycleOf(state),
  });
}

/**
 * The daily A/A calibration: the current leader (from the one standings function) against itself
 * on every runner of the pool, suspended ones included (this is how one sees a runner recover).
 * The pool is every runner with a recorded run plus any named by the caller. The baseline has no
 * pinned commit to fetch, so calibration starts once a submission leads.
 */
export function planCalibration(input: ScheduleInput, extraRunners: readonly string[] = []): SchedulePlan {
  const { challenge, state } = input;
  const standings = standingsOf(input);
  const leader = standings.leader.slug;
  const at = pinnedAt(input, leader);
  if (!at)
    return { runs: [], already: [], skipped: [{ what: leader, why: noPinnedCommit(leader, challenge) }] };
  const runners = [...new Set([...runsByRunner(state.runs).keys(), ...extraRunners])].sort();
  const day = input.now.toISOString().slice(0, 10);
  const planned = runners.map((runner) =>
    scheduled(`${day}-calibrate-${runner}`, input.now, at, {
      slug: leader,
      against: leader,
      aa: true,
      purpose: "calibration",
      runner,
    }),
  );
  const skipped = runners.length ? [] : [{ what: "pool", why: "no runner has a recorded run yet" }];
  return dedupe(input, planned, skipped);
}

/**
 * The daily re-verification: the top k of the standings (the baseline aside: it is the reference)
 * each benchmarked against the baseline on one runner in service, with the runner's private set.
 * A result that is still faster is re-run on the private set by the benchmark's own confirmation;
 * if that fails, the published record's failed confirmation makes it `unconfirmed` in the
 * standings, as for any run. The baseline is the opponent because every top result beats it, so
 * the confirmation always runs; the claim it checks is the speed-up over the baseline.
 */
export function planReverification(input: ScheduleInput): SchedulePlan {
  const { challenge, state } = input;
  const k = challenge.verification.reverify_top;
  const standings = standingsOf(input);
  const top = standings.ranking
    .map((r) => r.slug)
    .filter((s) => s !== challenge.baseline)
    .slice(0, k);
  const pool = chooseRunner(state.runs, state.runnerSteps ?? []);
  if (pool.kind === "none")
    return { runs: [], already: [], skipped: top.map((what) => ({ what, why: pool.reason })) };
  const day = input.now.toISOString().slice(0, 10);
  const planned: Reservation[] = [];
  const skipped: SchedulePlan["skipped"] = [];
  for (const slug of top) {
    const at = pinnedAt(input, slug);
    if (!at) {
      skipped.push({ what: slug, why: noPinnedCommit(slug, challenge) });
      continue;
    }
    planned.push(
      scheduled(`${day}-reverify-${slug}`, input.now, at, {
        slug,
        against: challenge.baseline,
        purpose: "reverification",
        ...(pool.kind === "pinned" ? { runner: pool.runner } : {}),
      }),
    );
  }
  return dedupe(input, planned, skipped);
}

const lifecycleOf = (state: ScheduleState) => (state.lifecycle ? { lifecycle: state.lifecycle } : {});

const noPinnedCommit = (slug: string, ch: Challenge) =>
  slug === ch.baseline
    ? "the baseline is the reference and has no run that pinned a commit"
    : `no run of \`${slug}\` pinned a PR and commit to re-run`;

/**
 * The evaluate workflow's inputs for a scheduled run: pr "0" tells the runner to fetch the pinned
 * commit itself rather than the PR's head, which may have moved since the result was earned.
 */
export function scheduledInputs(r: Reservation): Record<string, string> {
  return { ...workflowInputs(r), pr: "0" };
}

/**
 * What the board hears about a published re-verification: nothing when it held; otherwise the
 * outcome in words (a failed private-set re-run, after which the result is `unconfirmed`, or a
 * re-run that did not show it faster than the baseline, so nothing was confirmed).
 */
export function reverificationNotice(record: RunRecord): string | undefined {
  const slug = record.candidate.slug;
  const c = record.confirmation;
  if (c.status === "confirmed") return undefined;
  if (c.status === "failed")
    return (
      `Daily re-verification: \`${slug}\` failed its private-set re-run (${c.reason ?? "confirmation failed"}); ` +
      `it is listed as unconfirmed and left out of the ranking until a run confirms it (run ${record.id}).`
    );
  const outcome = record.status !== "ok" ? record.status : (record.comparison?.verdict ?? "no verdict");
  return (
    `Daily re-verification: \`${slug}\` could not be re-verified today: its re-run against ` +
    `\`${record.incumbent.slug}\` ended ${outcome}, so the private set was not run (run ${record.id}).`
  );
}
