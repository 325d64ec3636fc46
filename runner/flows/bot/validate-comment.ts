import { marker, renderValidationComment } from "../../core/github/comment.ts";
import { decideValidationComment } from "../../core/github/validation-report.ts";
import { upsertComment } from "./comments.ts";
import type { FlowContext, Outcome } from "./context.ts";

/** What the workflow_run job hands over: the PR, its head SHA, and the unprivileged job's report. */
export interface ValidationRequest {
  pr: number;
  sha: string;
  reportText: string;
}

/** workflow_run half of validation: posts the report from the unprivileged job, never its code. */
export async function postValidation(ctx: FlowContext, o: ValidationRequest): Promise<Outcome> {
  const decision = decideValidationComment(o.reportText);
  if (decision.kind === "refuse") return { kind: "refused", why: decision.reason };
  const body = renderValidationComment(o.pr, decision.problems, o.sha);
  await upsertComment(ctx.api, o.pr, marker("validate", o.pr), body);
  return { kind: "ignored", why: decision.ok ? "valid" : "problems reported" };
}
