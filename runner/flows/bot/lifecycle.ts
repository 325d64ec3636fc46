import { marker, renderLifecycleComment } from "../../core/github/comment.ts";
import type { CommentOrigin, LifecycleCommand } from "../../core/github/event.ts";
import { decideLifecycle } from "../../core/github/lifecycle.ts";
import { dataPath } from "../../core/layout.ts";
import { refuseCommand, upsertComment } from "./comments.ts";
import { pullCommandInput, recordWrite, type FlowContext, type Outcome } from "./context.ts";

/**
 * `/negative <reason>`, `/withdraw [reason]` (the author), `/rule hacked <reason>` and
 * `/rule reinstate [note]` (organizers) on a PR. The decision (core/github/lifecycle.ts) runs
 * inside a data-store transaction so two steps cannot both pass the same status check; the step
 * is appended as one file, and the PR's lifecycle comment is updated in place with the history.
 */
export async function handleLifecycle(
  ctx: FlowContext,
  origin: CommentOrigin,
  command: LifecycleCommand,
): Promise<Outcome> {
  const input = await pullCommandInput(ctx, origin);
  const message = `lifecycle: ${command.action} on PR #${origin.issue} by ${origin.requester.login}`;
  const decision = await ctx.store.transact(message, (state) => {
    const d = decideLifecycle({ ...input, command, state });
    const writes = d.kind === "record" ? [recordWrite(dataPath.lifecycle(d.event.id), d.event)] : [];
    return { writes, result: d };
  });
  if (decision.kind === "refuse") return refuseCommand(ctx.api, origin, decision.reason);
  const { event, history } = decision;
  const body = renderLifecycleComment(event, history);
  await upsertComment(ctx, origin.issue, marker("lifecycle", event.slug), body);
  if (decision.kind === "record") await ctx.api.react(origin.commentId, "+1").catch(() => undefined);
  return { kind: "lifecycle", event };
}
