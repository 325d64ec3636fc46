import { marker, renderJoinComment } from "../../core/github/comment.ts";
import type { CommentOrigin, JoinCommand } from "../../core/github/event.ts";
import { decideJoin } from "../../core/github/join.ts";
import { dataPath } from "../../core/layout.ts";
import { hasComment, refuseCommand } from "./comments.ts";
import { recordWrite, type FlowContext, type Outcome } from "./context.ts";

/**
 * `/join` forms on the registration issue (core/github/join.ts): the registration is written to
 * the data branch (one file per numeric id) inside a transaction, then acknowledged once per
 * comment; a redelivered comment is not answered twice.
 */
export async function handleJoin(
  ctx: FlowContext,
  origin: CommentOrigin,
  command: JoinCommand,
): Promise<Outcome> {
  const now = ctx.now();
  const message = `registry: /join ${command.action} by ${origin.requester.login} (${origin.requester.id})`;
  const decision = await ctx.store.transact(message, (state) => {
    const d = decideJoin({
      origin,
      command,
      participants: ctx.participants,
      registrations: state.registrations ?? [],
      now,
    });
    const writes =
      d.kind === "record" ? [recordWrite(dataPath.registration(d.registration.id), d.registration)] : [];
    return { writes, result: d };
  });
  if (decision.kind === "refuse") return refuseCommand(ctx.api, origin, decision.reason);
  const change = decision.kind === "record" ? decision.change : "unchanged";
  const reply = renderJoinComment(decision.registration, change, origin.commentId);
  if (!(await hasComment(ctx.api, origin.issue, marker("join", origin.commentId)))) {
    await ctx.api.createComment(origin.issue, reply);
    await ctx.api.react(origin.commentId, "+1").catch(() => undefined);
  }
  return { kind: "registered", registration: decision.registration, change };
}
