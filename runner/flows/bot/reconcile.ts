import { triageComment } from "../../core/github/event.ts";
import { dataPath } from "../../core/layout.ts";
import type { CommandAnswer, Watermark } from "../../core/schema/data.ts";
import type { GhRepoComment } from "../../ports.ts";
import { recordWrite, type FlowContext, type Outcome } from "./context.ts";
import { ACTIONS_BOT_LOGIN } from "./comments.ts";
import { canSpend, findWatermark, isoSeconds, isRateLimited, readFeed } from "./feed.ts";
import { UNREGISTERED_IGNORED } from "./bench-request.ts";
import { claimEntry, claimState, DISPATCHING, isFinal, released } from "../../core/github/ledger.ts";
import { handleIssueComment } from "./issue-comment.ts";

/**
 * Whether `request.yml`'s job runs for a comment: its `if:` (GitHub's `startsWith` ignores case).
 * The reconciler answers exactly the comments the event path would have answered, no others.
 */
export function requestWouldRun(body: string, onPullRequest: boolean): boolean {
  const b = body.toLowerCase();
  const any = (names: string[]) => names.some((n) => b.startsWith(`/${n}`));
  return (
    (onPullRequest && any(["bench", "rule", "negative", "withdraw"])) || any(["join", "broadcast", "runner"])
  );
}

/** What handleCommand answers for a command another run holds a claim on. */
export const HELD_IGNORED = "being handled by another run";

/** Thrown at a run's first effect when another run claimed the command first. */
class ClaimLost extends Error {}

/**
 * The claim of one command, taken lazily: at the run's first effect (a comment, a reaction, a
 * dispatch or a data-branch write), by compare-and-swap on the answer ledger (core/github/ledger.ts).
 * A run that decides to do nothing (a junk comment ignored) writes nothing, not even a claim.
 */
function commandClaim(
  ctx: FlowContext,
  origin: { commentId: number; issue: number },
  by: CommandAnswer["by"],
) {
  let taken: Promise<void> | undefined;
  let state: "none" | "held" | "lost" = "none";
  const take = () =>
    (taken ??= ctx.store
      .transact(`handling comment ${origin.commentId}`, (s) => {
        const now = ctx.now();
        const c = claimState(s.answers, origin.commentId, now);
        if (c.kind !== "free") return { writes: [], result: false };
        const dispatched = c.entry?.outcome === DISPATCHING;
        const entry = claimEntry({ ...origin, by, now, dispatched });
        return { writes: [recordWrite(dataPath.answer(origin.commentId), entry)], result: true };
      })
      .then((ok) => {
        state = ok ? "held" : "lost";
        if (!ok) throw new ClaimLost(`comment ${origin.commentId} is ${HELD_IGNORED}`);
      }));
  const first =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A) => {
      await take();
      return f(...a);
    };
  const { api, store } = ctx;
  const guarded: FlowContext = {
    ...ctx,
    api: {
      ...api,
      createComment: first(api.createComment),
      updateComment: first(api.updateComment),
      react: first(api.react),
      dispatch: first(api.dispatch),
    },
    store: { read: () => store.read(), transact: first((m, apply) => store.transact(m, apply)) },
  };
  return { ctx: guarded, state: () => state };
}

/**
 * Handles one `issue_comment` event exactly once per comment id: a command already in the answer
 * ledger is not answered again (a redelivered event, or the reconciler got there first), nor one
 * another run holds a claim on; a handled one is recorded in the ledger after its answer. A command
 * GitHub refused for a rate limit is deferred, not failed: its claim is released and the reconciler
 * handles it later.
 */
export async function handleCommand(
  ctx: FlowContext,
  raw: unknown,
  by: CommandAnswer["by"] = "event",
): Promise<Outcome> {
  const triage = triageComment(raw);
  if (triage.kind === "ignore") return { kind: "ignored", why: triage.why };
  const { commentId, issue } = triage.origin;
  const before = claimState((await ctx.store.read()).answers, commentId, ctx.now());
  if (before.kind === "answered")
    return { kind: "ignored", why: `comment ${commentId} was already answered` };
  if (before.kind === "held") return { kind: "ignored", why: `comment ${commentId} is ${HELD_IGNORED}` };
  const claim = commandClaim(ctx, { commentId, issue }, by);
  const held = { kind: "ignored" as const, why: `comment ${commentId} is ${HELD_IGNORED}` };
  let outcome: Outcome;
  try {
    outcome = await handleIssueComment(claim.ctx, raw);
  } catch (e) {
    if (e instanceof ClaimLost) return held;
    if (claim.state() === "held") await release(ctx, commentId);
    if (!isRateLimited(e)) throw e;
    return { kind: "deferred", why: `GitHub's rate limit: comment ${commentId} is left to the reconciler` };
  }
  if (claim.state() === "lost") return held; // a lost claim's error was swallowed by the flow
  // A repeated command from an unregistered account leaves no ledger entry: no commit per junk comment.
  if (outcome.kind === "ignored" && outcome.why.startsWith(UNREGISTERED_IGNORED)) return outcome;
  const answer: CommandAnswer = {
    version: 1,
    commentId,
    issue,
    outcome: outcome.kind,
    at: ctx.now().toISOString(),
    by,
  };
  const mine = claim.state() === "held";
  const written = await ctx.store.transact(`answered comment ${commentId} (${outcome.kind})`, (s) => {
    // Without a claim (the run did nothing), the answer is written only where no other run claimed it.
    if (!mine && claimState(s.answers, commentId, ctx.now()).kind !== "free")
      return { writes: [], result: false };
    return { writes: [recordWrite(dataPath.answer(commentId), answer)], result: true };
  });
  return written ? outcome : held;
}

/** Gives a claim up (the run was deferred or failed): the reconciler may take it over at once. */
async function release(ctx: FlowContext, commentId: number) {
  await ctx.store.transact(`released comment ${commentId}`, (s) => {
    const entry = (s.answers ?? []).find((a) => a.commentId === commentId);
    if (!entry || isFinal(entry)) return { writes: [], result: null };
    return { writes: [recordWrite(dataPath.answer(commentId), released(entry))], result: null };
  });
}

/** How long a command is left to its own event's run (request.yml's timeout is 10 minutes). */
export const RECONCILE_GRACE_MS = 15 * 60_000;
/** How far back the first reconciliation looks, and the oldest command it answers. */
export const RECONCILE_HORIZON_MS = 7 * 24 * 3600_000;

/**
 * How often the reconciliation after a command runs: it answers only commands older than the grace
 * period, so one a few minutes ago already did what another would do now; the scheduled one
 * (request.yml, :15 and :45) runs whatever this skips.
 */
export const RECONCILE_AFTER_COMMAND_EVERY_MS = 5 * 60_000;

/**
 * The reconciliation after a command: skipped (undefined) when the ledger's reconcile watermark was
 * written less than RECONCILE_AFTER_COMMAND_EVERY_MS ago. A burst of commands reads the comments
 * feed a few times, not once each. A watermark left in place (nothing moved) never skips one.
 */
export async function reconcileAfterCommand(ctx: FlowContext): Promise<Outcome | undefined> {
  const now = ctx.now().getTime();
  const at = findWatermark(await ctx.store.read(), "reconcile")?.at;
  const last = at === undefined ? NaN : Date.parse(at);
  if (last <= now && now - last < RECONCILE_AFTER_COMMAND_EVERY_MS) return undefined;
  return reconcile(ctx);
}

/** The `issue_comment` payload GitHub would have sent for a comment read from the feed. */
async function payloadOf(ctx: FlowContext, c: GhRepoComment) {
  const issue = await ctx.api.getIssue(c.issue);
  return {
    onPullRequest: issue.isPullRequest,
    payload: {
      action: "created",
      issue: {
        number: issue.number,
        user: issue.user ?? { id: 0, login: "ghost" },
        ...(issue.isPullRequest ? { pull_request: { url: `pulls/${issue.number}` } } : {}),
      },
      comment: {
        id: c.id,
        body: c.body,
        user: { ...(c.user ?? { id: 0, login: "ghost" }), type: c.userType },
        author_association: c.association,
      },
    },
  };
}

/**
 * The reconciler (scheduled, and after each command the bot handles): reads the repository's
 * comments feed from its watermark, finds every command comment with no entry in the answer
 * ledger that its own run has had time to answer, and handles it (by comment id, exactly once:
 * see handleCommand). A command lost by any path — a run replaced in a concurrency group, a
 * failed job, a rate limit — is answered within one reconciliation after the grace period.
 */
export async function reconcile(
  ctx: FlowContext,
  o: { graceMs?: number; horizonMs?: number } = {},
): Promise<Outcome> {
  const now = ctx.now().getTime();
  const cutoff = now - (o.graceMs ?? RECONCILE_GRACE_MS);
  const oldest = now - (o.horizonMs ?? RECONCILE_HORIZON_MS);
  const state = await ctx.store.read();
  const mark = findWatermark(state, "reconcile")?.since ?? isoSeconds(oldest);
  const spend = () => canSpend(ctx.api);
  const feed = await readFeed((s, p) => ctx.api.commentsSince(s, p), mark, spend);
  const answered = new Set((state.answers ?? []).filter(isFinal).map((a) => a.commentId));
  const seen = new Set<number>();
  const todo = feed.items.filter((c) => {
    const created = Date.parse(c.created_at);
    const fresh = !seen.has(c.id) && (seen.add(c.id), true);
    const human = c.userType !== "Bot" && c.user?.login !== ACTIONS_BOT_LOGIN;
    return fresh && human && created <= cutoff && created >= oldest && !answered.has(c.id);
  });
  const handled: { commentId: number; outcome: string }[] = [];
  let deferred = !feed.done;
  /** A command another run holds a claim on: the mark stays before it (that run may yet fail). */
  let held = false;
  for (const c of todo) {
    if (!requestWouldRun(c.body, true)) continue; // not a command anywhere
    if (!spend()) {
      deferred = true;
      break;
    }
    const { onPullRequest, payload } = await payloadOf(ctx, c);
    if (!requestWouldRun(c.body, onPullRequest)) continue;
    const outcome = await handleCommand(ctx, payload, "reconciler");
    if (outcome.kind === "deferred") {
      deferred = true;
      break;
    }
    if (outcome.kind === "ignored" && outcome.why.endsWith(HELD_IGNORED)) {
      held = true;
      continue;
    }
    const resumed = outcome.kind === "dispatched" && outcome.resumed === true;
    handled.push({ commentId: c.id, outcome: outcome.kind, ...(resumed ? { resumed: true as const } : {}) });
  }
  // The mark never passes a comment still within its grace period, nor one left unhandled.
  const next = deferred || held ? mark : isoSeconds(Math.min(Date.parse(feed.since ?? mark), cutoff));
  const w: Watermark = { version: 1, name: "reconcile", since: next, at: isoSeconds(now) };
  // Only forward: reconcilers run side by side (scheduled, and inline after commands, in no common
  // group), and a slower one must not move the mark back. `at` (when one last ran: what
  // reconcileAfterCommand reads) is refreshed at most once a minute when the mark stays.
  await ctx.store.transact("reconcile: watermark", (s) => {
    const stored = findWatermark(s, "reconcile");
    if (stored === undefined || Date.parse(stored.since) < Date.parse(next))
      return { writes: [recordWrite(dataPath.watermark("reconcile"), w)], result: null };
    if (Date.parse(stored.at) >= now - 60_000) return { writes: [], result: null };
    const kept: Watermark = { ...stored, at: isoSeconds(now) };
    return { writes: [recordWrite(dataPath.watermark("reconcile"), kept)], result: null };
  });
  return { kind: "reconciled", handled, deferred };
}
