import { marker, renderBroadcastComment } from "../../core/github/comment.ts";
import { decideBroadcast } from "../../core/github/broadcast.ts";
import type { BroadcastCommand, CommentOrigin } from "../../core/github/event.ts";
import { dataPath } from "../../core/layout.ts";
import { refuseCommand, upsertComment } from "./comments.ts";
import { recordWrite, type FlowContext, type Outcome } from "./context.ts";

/** `/broadcast <text>` by an organizer: recorded on the data branch for inboxes, acknowledged in place. */
export async function handleBroadcast(
  ctx: FlowContext,
  origin: CommentOrigin,
  command: BroadcastCommand,
): Promise<Outcome> {
  const now = ctx.now();
  const decision = await ctx.store.transact(`broadcast by ${origin.requester.login}`, (state) => {
    const d = decideBroadcast({
      origin,
      command,
      challenge: ctx.challenge,
      participants: ctx.participants,
      broadcasts: state.broadcasts ?? [],
      now,
    });
    const writes = d.kind === "record" ? [recordWrite(dataPath.broadcast(d.broadcast.id), d.broadcast)] : [];
    return { writes, result: d };
  });
  if (decision.kind === "refuse") return refuseCommand(ctx.api, origin, decision.reason);
  const { broadcast } = decision;
  await upsertComment(
    ctx,
    origin.issue,
    marker("broadcast", broadcast.id),
    renderBroadcastComment(broadcast),
  );
  return { kind: "broadcast", broadcast };
}
