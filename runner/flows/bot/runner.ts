import { marker, renderRunnerComment } from "../../core/github/comment.ts";
import type { CommentOrigin, RunnerCommand } from "../../core/github/event.ts";
import { decideRunnerClear } from "../../core/github/runner-clear.ts";
import { dataPath } from "../../core/layout.ts";
import { refuseCommand, upsertComment } from "./comments.ts";
import { recordWrite, type FlowContext, type Outcome } from "./context.ts";

/**
 * `/runner clear <id> [note]` by an organizer: the decision (core/github/runner-clear.ts) runs inside
 * a data-store transaction, the `cleared` step is appended as one file (who and when, in git), and
 * the reply carries the runner's status history.
 */
export async function handleRunner(
  ctx: FlowContext,
  origin: CommentOrigin,
  command: RunnerCommand,
): Promise<Outcome> {
  const now = ctx.now();
  const message = `runner: clear ${command.runner} by ${origin.requester.login}`;
  const decision = await ctx.store.transact(message, (state) => {
    const d = decideRunnerClear({
      origin,
      command,
      challenge: ctx.challenge,
      participants: ctx.participants,
      steps: state.runnerSteps ?? [],
      now,
    });
    const writes = d.kind === "record" ? [recordWrite(dataPath.runnerStep(d.step.id), d.step)] : [];
    return { writes, result: d };
  });
  if (decision.kind === "refuse") return refuseCommand(ctx.api, origin, decision.reason);
  const { step, history } = decision;
  const key = `${step.runner}-${step.commentId ?? step.id}`;
  await upsertComment(ctx, origin.issue, marker("runner", key), renderRunnerComment(step, history));
  if (decision.kind === "record") await ctx.api.react(origin.commentId, "+1").catch(() => undefined);
  return { kind: "runner", step };
}
