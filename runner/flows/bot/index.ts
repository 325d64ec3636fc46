/** The bot's use cases, one module per command; entry points import them from here. */
export type { FlowContext, Outcome } from "./context.ts";
export { handleIssueComment } from "./issue-comment.ts";
export { handleBench } from "./bench-request.ts";
export { handleRule } from "./rule.ts";
export { handleLifecycle } from "./lifecycle.ts";
export { handleJoin } from "./join.ts";
export { handleBroadcast } from "./broadcast.ts";
export { handleRunner } from "./runner.ts";
export { runCalibration, runReverification } from "./scheduled.ts";
export { publishPinsFrom, publishResult, type PublishRequest } from "./publish.ts";
export { mirrorChanges, mirrorThreads } from "./board-mirror.ts";
export { reconcile, reconcileAfterCommand, handleCommand } from "./reconcile.ts";
export { postValidation, type ValidationRequest } from "./validate-comment.ts";
export { upsertComment } from "./comments.ts";
export { BOARD_WORKFLOW, PAGES_WORKFLOW, refreshAfterWrite } from "./refresh.ts";
