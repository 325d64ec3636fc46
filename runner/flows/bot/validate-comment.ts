import { marker, renderValidationComment } from "../../core/github/comment.ts";
import { decideValidationComment, findPullForRun } from "../../core/github/validation-report.ts";
import { upsertComment } from "./comments.ts";
import type { FlowContext, Outcome } from "./context.ts";

/**
 * What the workflow_run job hands over: the run's head commit and head repository as GitHub's own
 * payload states them, and the unprivileged job's report (data; any PR number in it is ignored).
 */
export interface ValidationRequest {
  sha: string;
  headRepo?: string;
  reportText: string;
}

/** workflow_run half of validation: posts the report from the unprivileged job, never its code. */
export async function postValidation(ctx: FlowContext, o: ValidationRequest): Promise<Outcome> {
  const run = { headSha: o.sha, headRepo: o.headRepo };
  // The commit's own pull requests first (one request); the whole open list only when that finds none.
  const byCommit = ctx.api.pullsForCommit
    ? (await ctx.api.pullsForCommit(o.sha).catch(() => [])).filter((p) => p.state === "open")
    : [];
  let match = findPullForRun(byCommit, run);
  if (match.kind === "refuse") match = findPullForRun(await ctx.api.listOpenPulls(), run);
  if (match.kind === "refuse") return { kind: "refused", why: match.reason };
  const decision = decideValidationComment(o.reportText);
  if (decision.kind === "refuse") return { kind: "refused", why: decision.reason };
  const body = renderValidationComment(match.pr, decision.problems, o.sha);
  // A PR opened after the bot began indexing its comments has none it does not know of.
  const createdAt = byCommit.find((p) => p.number === match.pr)?.createdAt;
  await upsertComment(
    ctx,
    match.pr,
    marker("validate", match.pr),
    body,
    createdAt ? { openedAt: createdAt } : {},
  );
  return { kind: "ignored", why: decision.ok ? "valid" : "problems reported" };
}
