import { z } from "zod";
import { parseCommand, type Command, type RunnerCommand } from "./commands.ts";
import type { JoinCommand } from "./join.ts";
import type { LifecycleCommand } from "./lifecycle.ts";
import type { CommentOrigin } from "./origin.ts";

/** The parts of an `issue_comment` webhook payload the bot reads, validated. */
export const IssueCommentEvent = z
  .object({
    action: z.string(),
    issue: z
      .object({
        number: z.number().int().positive(),
        pull_request: z.object({ url: z.string() }).passthrough().optional(),
        user: z.object({ id: z.number(), login: z.string() }).passthrough(),
      })
      .passthrough(),
    comment: z
      .object({
        id: z.number().int(),
        body: z.string().nullable(),
        user: z
          .object({ id: z.number().int(), login: z.string(), type: z.string().optional() })
          .passthrough(),
        author_association: z.string().optional(),
      })
      .passthrough(),
  })
  .passthrough();
export type IssueCommentEvent = z.infer<typeof IssueCommentEvent>;

export type { CommentOrigin } from "./origin.ts";

export type BenchCommand = { kind: "bench"; against?: string; blocks?: number };
export type RuleCommand = { kind: "rule"; decision: "invalid" | "valid"; reason: string };
export type BroadcastCommand = { kind: "broadcast"; text: string };
export type { JoinCommand, LifecycleCommand, RunnerCommand };

/** What to do with an issue comment, before any command-specific check. */
export type Triage =
  | { kind: "ignore"; why: string }
  | { kind: "refuse"; origin: CommentOrigin; reason: string }
  | { kind: "bench"; origin: CommentOrigin; command: BenchCommand }
  | { kind: "rule"; origin: CommentOrigin; command: RuleCommand }
  | { kind: "lifecycle"; origin: CommentOrigin; command: LifecycleCommand }
  | { kind: "join"; origin: CommentOrigin; command: JoinCommand }
  | { kind: "broadcast"; origin: CommentOrigin; command: BroadcastCommand }
  | { kind: "runner"; origin: CommentOrigin; command: RunnerCommand };

type Routed = Exclude<Command, { kind: "error" }>;

/**
 * The name of a command that acts on a PR's submission, for the refusal outside PRs; undefined for
 * the commands that work on any issue (/join, /broadcast, /runner).
 */
function pullRequestOnly(c: Routed): string | undefined {
  if (c.kind === "join" || c.kind === "broadcast" || c.kind === "runner") return undefined;
  if (c.kind === "lifecycle" && (c.action === "negative" || c.action === "withdraw")) return c.action;
  return c.kind === "lifecycle" ? "rule" : c.kind;
}

/** Pairs a parsed command with its origin, one case per command (keeps the union type-checked). */
function route(origin: CommentOrigin, command: Routed): Triage {
  switch (command.kind) {
    case "bench":
      return { kind: "bench", origin, command };
    case "rule":
      return { kind: "rule", origin, command };
    case "lifecycle":
      return { kind: "lifecycle", origin, command };
    case "join":
      return { kind: "join", origin, command };
    case "broadcast":
      return { kind: "broadcast", origin, command };
    case "runner":
      return { kind: "runner", origin, command };
  }
}

/**
 * Sorts an incoming `issue_comment` payload: not for the bot (ignored silently), a malformed
 * command or one outside a PR (refused with a reason), or a command to route. Pure.
 */
export function triageComment(raw: unknown): Triage {
  const parsed = IssueCommentEvent.safeParse(raw);
  if (!parsed.success)
    return { kind: "ignore", why: `not an issue_comment payload: ${parsed.error.issues[0]?.message}` };
  const e = parsed.data;
  if (e.action !== "created") return { kind: "ignore", why: `action ${e.action}` };
  if (e.comment.user.type === "Bot") return { kind: "ignore", why: "comment by a bot" };
  const command = parseCommand(e.comment.body ?? "");
  if (!command) return { kind: "ignore", why: "not a command" };
  const origin: CommentOrigin = {
    issue: e.issue.number,
    commentId: e.comment.id,
    requester: { id: e.comment.user.id, login: e.comment.user.login },
    association: e.comment.author_association ?? "NONE",
  };
  if (command.kind === "error") return { kind: "refuse", origin, reason: command.message };
  const name = pullRequestOnly(command);
  if (!e.issue.pull_request && name)
    return { kind: "refuse", origin, reason: `\`/${name}\` works on pull requests only.` };
  return route(origin, command);
}
