import { marker, renderRulingComment } from "../../core/github/comment.ts";
import type { CommentOrigin, RuleCommand } from "../../core/github/event.ts";
import { decideRule } from "../../core/github/rule.ts";
import { dataPath } from "../../core/layout.ts";
import { refuseCommand, upsertComment } from "./comments.ts";
import { pullCommandInput, recordWrite, type FlowContext, type Outcome } from "./context.ts";

/** `/rule invalid <reason>` or `/rule valid [note]` by an organizer: recorded, then announced on the PR. */
export async function handleRule(
  ctx: FlowContext,
  origin: CommentOrigin,
  command: RuleCommand,
): Promise<Outcome> {
  // The PR, its files and the folder claims, read as for any command on a PR.
  const { pull, files, claims, manifestAuthors, challenge, participants, knownSlugs, now } =
    await pullCommandInput(ctx, origin);
  const decision = decideRule({
    origin,
    command,
    files,
    challenge,
    participants,
    now,
    ownership: { claims, pull, knownSlugs, ...(manifestAuthors ? { manifestAuthors } : {}) },
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
