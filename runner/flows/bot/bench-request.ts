import {
  benchGate,
  decideBench,
  UNREGISTERED_QUIET_MS,
  type BenchDispatch,
} from "../../core/github/bench.ts";
import { marker, renderQueuedComment } from "../../core/github/comment.ts";
import type { BenchCommand, CommentOrigin } from "../../core/github/event.ts";
import { claimEntry, DISPATCHING } from "../../core/github/ledger.ts";
import { dataPath } from "../../core/layout.ts";
import type { FolderClaim } from "../../core/ownership.ts";
import { submissionSlugOfPr, type PullFile } from "../../core/github/pull.ts";
import { ACTIONS_BOT_LOGIN, hasComment, refuseCommand } from "./comments.ts";
import type { CommandAnswer } from "../../core/schema/data.ts";
import type { GhUser } from "../../ports.ts";
import { pullCommandInput, recordWrite, type FlowContext, type Outcome } from "./context.ts";

/**
 * The answer ledger's entry for a `/bench` dispatched but not yet acknowledged (core/github/ledger.ts):
 * written right after the dispatch, before the comment, so that a comment GitHub refuses for a rate
 * limit (the command is then deferred to the reconciler) is acknowledged later without a second
 * dispatch, that is, without a second GPU run. handleCommand replaces it with the final answer.
 */
export { DISPATCHING };

/** Whether the ledger says this comment's run was already dispatched (and awaits its acknowledgement). */
export function wasDispatched(answers: readonly CommandAnswer[] | undefined, commentId: number): boolean {
  return (answers ?? []).some((a) => a.commentId === commentId && a.outcome === DISPATCHING);
}

/** Dispatches the evaluate workflow for a reservation, records that, and says so on the PR. */
async function dispatchRun(ctx: FlowContext, origin: CommentOrigin, d: BenchDispatch): Promise<Outcome> {
  await ctx.api.dispatch(ctx.evaluateWorkflow, ctx.ref, d.inputs);
  // Still this run's claim (with its lease): a concurrent handler must not acknowledge it as well.
  const entry = claimEntry({
    commentId: origin.commentId,
    issue: origin.issue,
    by: "event",
    now: ctx.now(),
    dispatched: true,
  });
  await ctx.store.transact(`dispatched run ${d.reservation.id} (comment ${origin.commentId})`, () => ({
    writes: [recordWrite(dataPath.answer(origin.commentId), entry)],
    result: null,
  }));
  return acknowledge(ctx, origin, d);
}

/** The queued comment and the reaction: the acknowledgement of a dispatched run. */
async function acknowledge(
  ctx: FlowContext,
  origin: CommentOrigin,
  d: BenchDispatch,
  resumed = false,
): Promise<Outcome> {
  const r = d.reservation;
  const body = renderQueuedComment({
    pr: r.pr,
    requester: origin.requester.login,
    author: r.author,
    slug: r.slug,
    against: r.against,
    sha: r.sha,
    quota: d.quota,
    runId: r.id,
    pooled: d.pooled,
    organizer: d.organizer,
    aa: r.aa === true,
    ...(d.queue ? { queue: d.queue } : {}),
  });
  await ctx.api.createComment(r.pr, body);
  await ctx.api.react(origin.commentId, "rocket").catch(() => undefined);
  return { kind: "dispatched", reservation: r, ...(resumed ? { resumed: true as const } : {}) };
}

/**
 * The PR's validation, recomputed at its head from git (never read from its own job's report);
 * undefined when no validator is configured or it could not run (the decision then refuses).
 */
async function validateHead(
  ctx: FlowContext,
  pull: { number: number; state: string; headSha: string; user: GhUser },
  files: readonly PullFile[],
  claims: readonly FolderClaim[],
) {
  if (!ctx.validator || pull.state !== "open") return undefined;
  const found = submissionSlugOfPr(files);
  const bySlug = "kind" in found ? {} : { [found.slug]: claims };
  try {
    return await ctx.validator.validate({
      pr: pull.number,
      sha: pull.headSha,
      author: pull.user,
      claims: { pr: pull.number, bySlug },
    });
  } catch (e) {
    ctx.log?.(
      `validation of PR #${pull.number} at ${pull.headSha.slice(0, 7)} failed to run: ${(e as Error).message}`,
    );
    return undefined;
  }
}

/**
 * An unregistered account's `/bench` is refused before any other API call (the PR, its files, every
 * open PR's files) and answered once per thread per UNREGISTERED_QUIET_MS; later ones are ignored
 * without a comment. One read of the thread's comments, only for an unregistered account.
 */
async function unregisteredGate(ctx: FlowContext, origin: CommentOrigin): Promise<Outcome | undefined> {
  const facts = {
    origin,
    challenge: ctx.challenge,
    participants: ctx.participants,
    registrations: (await ctx.store.read()).registrations ?? [],
  };
  const first = benchGate(facts, false);
  if (first.kind === "pass") return undefined;
  const since = ctx.now().getTime() - UNREGISTERED_QUIET_MS;
  const told = (await ctx.api.listComments(origin.issue)).some(
    (c) =>
      c.user?.login === ACTIONS_BOT_LOGIN &&
      Date.parse(c.created_at) >= since &&
      c.body.includes(`@${origin.requester.login} is not a registered participant`),
  );
  const gate = benchGate(facts, told);
  if (gate.kind === "refuse") return refuseCommand(ctx.api, origin, gate.reason);
  return { kind: "ignored", why: `${UNREGISTERED_IGNORED}: @${origin.requester.login} was already told` };
}

/** The start of the reason an unregistered account's repeated command is ignored (no ledger entry). */
export const UNREGISTERED_IGNORED = "unregistered account";

/**
 * `/bench [--against slug] [--blocks N]` on a PR. The decision (core/github/bench.ts) runs inside
 * a data-store transaction, so two concurrent requests cannot both take the last unit of quota.
 * A redelivered comment is dispatched only if its queued comment never appeared and the answer
 * ledger does not say it was dispatched.
 */
export async function handleBench(
  ctx: FlowContext,
  origin: CommentOrigin,
  command: BenchCommand,
): Promise<Outcome> {
  const gated = await unregisteredGate(ctx, origin);
  if (gated) return gated;
  const input = await pullCommandInput(ctx, origin);
  const validation = await validateHead(ctx, input.pull, input.files, input.claims);
  const message = `quota: ${origin.requester.login} runs PR #${origin.issue}`;
  let dispatched = false;
  const decision = await ctx.store.transact(message, (state) => {
    dispatched = wasDispatched(state.answers, origin.commentId);
    const d = decideBench({
      ...input,
      command,
      state,
      ...(ctx.manifestAuthors ? { manifestAuthors: ctx.manifestAuthors } : {}),
      validation,
    });
    const writes =
      d.kind === "dispatch" ? [recordWrite(dataPath.reservation(d.reservation.id), d.reservation)] : [];
    return { writes, result: d };
  });
  if (decision.kind === "refuse") return refuseCommand(ctx.api, origin, decision.reason);
  const runId = decision.reservation.id;
  if (decision.kind === "redelivered" && (await hasComment(ctx.api, origin.issue, marker("queued", runId))))
    return { kind: "ignored", why: `comment ${origin.commentId} was already handled as run ${runId}` };
  // Dispatched before a rate limit refused its comment: acknowledged now, never dispatched twice.
  if (decision.kind === "redelivered" && dispatched) return acknowledge(ctx, origin, decision, true);
  return dispatchRun(ctx, origin, decision);
}
