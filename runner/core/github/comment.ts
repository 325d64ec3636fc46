/**
 * Every comment the bot writes, one module per kind; this module is the single import point.
 * All are pure: data in, Markdown out (user text always passes through `inert`).
 */
export { marker, inert, hiddenJson, parseHiddenJson } from "./comment-text.ts";
export { renderValidationComment } from "./comment-validation.ts";
export {
  renderQueuedComment,
  renderRefusal,
  renderRefusalComment,
  renderRulingComment,
  type QueuedComment,
} from "./comment-request.ts";
export { renderVerdictComment, renderRejectedComment, type VerdictAudience } from "./comment-verdict.ts";
export {
  renderLifecycleComment,
  renderJoinComment,
  renderBroadcastComment,
  renderRunnerComment,
} from "./comment-lifecycle.ts";
