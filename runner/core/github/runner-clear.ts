import type { Challenge } from "../schema/challenge.ts";
import type { Participants, RunnerStep } from "../schema/data.ts";
import { runnerHistory, runnerStatus } from "../runners.ts";
import type { CommentOrigin, RunnerCommand } from "./event.ts";
import { checkOrganizer } from "./organizer.ts";
import { refusal, type Refusal } from "./pull.ts";

/** Everything a `/runner clear` decision depends on. */
export interface RunnerClearInput {
  origin: CommentOrigin;
  command: RunnerCommand;
  challenge: Challenge;
  /** challenge/participants.yaml (organizer pins come from it alone). */
  participants: Participants;
  steps: readonly RunnerStep[];
  now: Date;
}

export type RunnerClearDecision =
  | Refusal
  | { kind: "record"; step: RunnerStep; history: RunnerStep[] }
  | { kind: "redelivered"; step: RunnerStep; history: RunnerStep[] };

/**
 * Decides `/runner clear <id> [note]`: organizers only (listed, write access, pinned id, as for
 * /rule), on any issue; only a suspended runner can be cleared. The step records who and when; a
 * redelivered comment resolves to the step it already made. Pure.
 */
export function decideRunnerClear(input: RunnerClearInput): RunnerClearDecision {
  const { origin, command, now } = input;
  const check = checkOrganizer(origin, input.challenge, input.participants, "clear a suspended runner");
  if (!check.ok) return refusal(check.reason);
  const history = runnerHistory(input.steps, command.runner);
  const earlier = history.find((s) => s.commentId === origin.commentId && s.issue === origin.issue);
  if (earlier) return { kind: "redelivered", step: earlier, history };
  if (runnerStatus(input.steps, command.runner).status !== "suspended")
    return refusal(`runner \`${command.runner}\` is not suspended; there is nothing to clear.`);
  // A step sorts after the one it answers even when both carry the same clock reading.
  const last = Date.parse(history.at(-1)!.at);
  const at = new Date(Math.max(now.getTime(), last + 1)).toISOString();
  const step: RunnerStep = {
    version: 1,
    id: `${at.replace(/[:.]/g, "-")}-${command.runner}-cleared-c${origin.commentId}`,
    at,
    runner: command.runner,
    status: "cleared",
    reason: command.reason,
    by: origin.requester,
    issue: origin.issue,
    commentId: origin.commentId,
  };
  return { kind: "record", step, history: [...history, step] };
}
