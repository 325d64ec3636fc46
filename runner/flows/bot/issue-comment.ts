import { triageComment } from "../../core/github/event.ts";
import { handleBench } from "./bench-request.ts";
import { handleBroadcast } from "./broadcast.ts";
import { refuseCommand } from "./comments.ts";
import type { FlowContext, Outcome } from "./context.ts";
import { handleJoin } from "./join.ts";
import { handleLifecycle } from "./lifecycle.ts";
import { handleRule } from "./rule.ts";
import { handleRunner } from "./runner.ts";

/** The `issue_comment` entry point: sorts the event (core/github/event.ts) and routes each command. */
export async function handleIssueComment(ctx: FlowContext, raw: unknown): Promise<Outcome> {
  const triage = triageComment(raw);
  switch (triage.kind) {
    case "ignore":
      return { kind: "ignored", why: triage.why };
    case "refuse":
      return refuseCommand(ctx.api, triage.origin, triage.reason);
    case "bench":
      return handleBench(ctx, triage.origin, triage.command);
    case "rule":
      return handleRule(ctx, triage.origin, triage.command);
    case "lifecycle":
      return handleLifecycle(ctx, triage.origin, triage.command);
    case "join":
      return handleJoin(ctx, triage.origin, triage.command);
    case "broadcast":
      return handleBroadcast(ctx, triage.origin, triage.command);
    case "runner":
      return handleRunner(ctx, triage.origin, triage.command);
  }
}
