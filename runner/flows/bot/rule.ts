import { marker, renderRulingComment } from "../../core/github/comment.ts";
import type { CommentOrigin, RuleCommand } from "../../core/github/event.ts";
import { decideRule } from "../../core/github/rule.ts";
import { dataPath } from "../../core/layout.ts";
import { refuseCommand, upsertComment } from "./comments.ts";
import { folderClaims, recordWrite, type FlowContext, type Outcome } from "./context.ts";

/** `/rule invalid <reason>` or `/rule valid [note]` by an organizer: recorded, then announced on the PR. */
export async function handleRule(
  ctx: FlowContext,
  origin: CommentOrigin,
  command: RuleCommand,
): Promise<Outcome> {
  const pull = await ctx.api.getPull(origin.issue);
  const files = await ctx.api.listPullFiles(origin.issue);
  const decision = decideRule({
    origin,
    command,
    files,
    challenge: ctx.challenge,
    participants: ctx.participants,
    now: ctx.now(),
    ownership: {
      claims: await folderClaims(ctx, pull, files),
      pull,
      knownSlugs: ctx.knownSlugs,
      ...(ctx.manifestAuthors ? { manifestAuthors: ctx.manifestAuthors } : {}),
    },
  });
  if (decision.kind === "refuse") return refuseCommand(ctx.api, origin, decision.reason);
  const { ruling } = decision;
  await ctx.store.transact(`rule ${ruling.slug} ${ruling.decision}`, () => ({
    writes: [recordWrite(dataPath.ruling(ruling.id), ruling)],
    result: null,
  }));
  await upsertComment(ctx, origin.issue, marker("ruling", ruling.slug), renderRulingComment(ruling));
  return { kind: "ruled", ruling };
}
