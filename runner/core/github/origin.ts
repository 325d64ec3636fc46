import type { Requester } from "./pull.ts";

/**
 * Where a command came from: the issue or PR, the comment, its author and their association. Its own
 * module, so the command handlers (join, lifecycle, organizer …) need not import the event triage
 * that imports them.
 */
export interface CommentOrigin {
  issue: number;
  commentId: number;
  requester: Requester;
  association: string;
}
