import { triageComment } from "../../core/github/event.ts";
import { dataPath } from "../../core/layout.ts";
import type { CommandAnswer, Watermark } from "../../core/schema/data.ts";
import type { GhRepoComment } from "../../ports.ts";
import { recordWrite, type FlowContext, type Outcome } from "./context.ts";
import { ACTIONS_BOT_LOGIN } from "./comments.ts";
import { canSpend, isRateLimited, readFeed } from "./feed.ts";
import { DISPATCHING, UNREGISTERED_IGNORED } from "./bench-request.ts";
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

/**
 * Handles one `issue_comment` event exactly once per comment id: a command already in the answer
 * ledger is not answered again (a redelivered event, or the reconciler got there first); a handled
 * one is recorded in the ledger after its answer. A command GitHub refused for a rate limit is
 * deferred, not failed: it stays out of the ledger and the reconciler handles it later.
 */
export async function handleCommand(
  ctx: FlowContext,
  raw: unknown,
  by: CommandAnswer["by"] = "event",
): Promise<Outcome> {
  const triage = triageComment(raw);
  if (triage.kind === "ignore") return { kind: "ignored", why: triage.why };
  const { commentId, issue } = triage.origin;
  const state = await ctx.store.read();
  if (state.answers?.some((a) => a.commentId === commentId && a.outcome !== DISPATCHING))
    return { kind: "ignored", why: `comment ${commentId} was already answered` };
  let outcome: Outcome;
  try {
    outcome = await handleIssueComment(ctx, raw);
  } catch (e) {
    if (!isRateLimited(e)) throw e;
    return { kind: "deferred", why: `GitHub's rate limit: comment ${commentId} is left to the reconciler` };
  }
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
  await ctx.store.transact(`answered comment ${commentId} (${outcome.kind})`, () => ({
    writes: [recordWrite(dataPath.answer(commentId), answer)],
    result: null,
  }));
  return outcome;
}

/** How long a command is left to its own event's run (request.yml's timeout is 10 minutes). */
export const RECONCILE_GRACE_MS = 15 * 60_000;
/** How far back the first reconciliation looks, and the oldest command it answers. */
export const RECONCILE_HORIZON_MS = 7 * 24 * 3600_000;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

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
  const mark = state.watermarks?.find((w) => w.name === "reconcile")?.since ?? iso(oldest);
  const spend = () => canSpend(ctx.api);
  const feed = await readFeed((s, p) => ctx.api.commentsSince(s, p), mark, spend);
  const answered = new Set(
    (state.answers ?? []).filter((a) => a.outcome !== DISPATCHING).map((a) => a.commentId),
  );
  const seen = new Set<number>();
  const todo = feed.items.filter((c) => {
    const created = Date.parse(c.created_at);
    const fresh = !seen.has(c.id) && (seen.add(c.id), true);
    const human = c.userType !== "Bot" && c.user?.login !== ACTIONS_BOT_LOGIN;
    return fresh && human && created <= cutoff && created >= oldest && !answered.has(c.id);
  });
  const handled: { commentId: number; outcome: string }[] = [];
  let deferred = !feed.done;
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
    const resumed = outcome.kind === "dispatched" && outcome.resumed === true;
    handled.push({ commentId: c.id, outcome: outcome.kind, ...(resumed ? { resumed: true as const } : {}) });
  }
  // The mark never passes a comment still within its grace period, nor one left unhandled.
  const next = deferred ? mark : iso(Math.min(Date.parse(feed.since ?? mark), cutoff));
  const w: Watermark = { version: 1, name: "reconcile", since: next, at: iso(now) };
  await ctx.store.transact("reconcile: watermark", () => ({
    writes: [recordWrite(dataPath.watermark("reconcile"), w)],
    result: null,
  }));
  return { kind: "reconciled", handled, deferred };
}
