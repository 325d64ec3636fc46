import { renderRefusalComment } from "../../core/github/comment.ts";
import type { CommentOrigin } from "../../core/github/event.ts";
import type { GitHubApi } from "../../ports.ts";
import type { Outcome } from "./context.ts";

/** The account GITHUB_TOKEN comments as in GitHub Actions. */
export const ACTIONS_BOT_LOGIN = "github-actions[bot]";

/**
 * Finds the bot's own comment by its marker and updates it, or creates one. Only comments the bot
 * authored count: a participant who pastes the marker into an editable comment of theirs does not
 * get their comment turned into "the verdict".
 */
export async function upsertComment(
  api: GitHubApi,
  issue: number,
  marker: string,
  body: string,
  botLogin = ACTIONS_BOT_LOGIN,
): Promise<number> {
  const existing = (await api.listComments(issue)).find(
    (c) => c.user?.login === botLogin && c.body.includes(marker),
  );
  if (existing) {
    await api.updateComment(existing.id, body);
    return existing.id;
  }
  return api.createComment(issue, body);
}

/** Whether the issue already has a comment carrying this marker. */
export async function hasComment(
  api: GitHubApi,
  issue: number,
  marker: string,
  botLogin = ACTIONS_BOT_LOGIN,
): Promise<boolean> {
  return (await api.listComments(issue)).some((c) => c.user?.login === botLogin && c.body.includes(marker));
}

/** Answers a command with a refusal comment and a 😕 reaction (the reaction is best effort). */
export async function refuseCommand(api: GitHubApi, origin: CommentOrigin, reason: string): Promise<Outcome> {
  await api.createComment(origin.issue, renderRefusalComment(origin.requester.login, reason));
  await api.react(origin.commentId, "confused").catch(() => undefined);
  return { kind: "refused", why: reason };
}
