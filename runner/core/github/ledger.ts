import type { CommandAnswer } from "../schema/data.ts";

/**
 * The answer ledger's claims (one entry per command comment, `commands/<id>.json`): the data
 * branch's compare-and-swap makes one run the handler of a command before it answers, so that the
 * comment's own run, a redelivery and any number of reconcilers (scheduled, or inline after
 * another command, in no common concurrency group) never answer the same command twice. Pure.
 *
 * - `handling`: a run claimed the command and is deciding it.
 * - `dispatching`: a `/bench` whose run was dispatched and not yet acknowledged (a later handler
 *   acknowledges it without a second dispatch).
 * - any other outcome: answered, final.
 * A claim with a lease (`until`) in the future is held; a claim without one (released by a run
 * that was deferred for a rate limit or failed) or past its lease is free to take over.
 */
export const HANDLING = "handling";
export const DISPATCHING = "dispatching";
/**
 * How long a claim is held: longer than request.yml's job timeout (10 minutes), so a run that
 * read the ledger before another's claim cannot outlive that claim's lease and act on what it read.
 */
export const CLAIM_LEASE_MS = 15 * 60_000;

/** Whether a ledger entry is a final answer (not a claim). */
export const isFinal = (a: CommandAnswer) => a.outcome !== HANDLING && a.outcome !== DISPATCHING;

export type ClaimState =
  | { kind: "answered"; entry: CommandAnswer }
  | { kind: "held"; until: string }
  | { kind: "free"; entry?: CommandAnswer };

/** Where a command stands in the ledger at `now`. */
export function claimState(
  answers: readonly CommandAnswer[] | undefined,
  commentId: number,
  now: Date,
): ClaimState {
  const entry = (answers ?? []).find((a) => a.commentId === commentId);
  if (!entry) return { kind: "free" };
  if (isFinal(entry)) return { kind: "answered", entry };
  if (entry.until !== undefined && Date.parse(entry.until) > now.getTime())
    return { kind: "held", until: entry.until };
  return { kind: "free", entry };
}

/**
 * The entry that claims a command for `CLAIM_LEASE_MS` (a `dispatching` entry stays one: what it
 * records, a dispatch already made, must survive a takeover).
 */
export function claimEntry(o: {
  commentId: number;
  issue: number;
  by: CommandAnswer["by"];
  now: Date;
  dispatched?: boolean;
}): CommandAnswer {
  return {
    version: 1,
    commentId: o.commentId,
    issue: o.issue,
    outcome: o.dispatched ? DISPATCHING : HANDLING,
    at: o.now.toISOString(),
    by: o.by,
    until: new Date(o.now.getTime() + CLAIM_LEASE_MS).toISOString(),
  };
}

/** A claim given up (a deferred or failed run): the next handler may take it at once. */
export function released(entry: CommandAnswer): CommandAnswer {
  const { until: _until, ...rest } = entry;
  return rest;
}
