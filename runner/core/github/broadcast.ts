import type { Challenge } from "../schema/challenge.ts";
import type { Broadcast, Participants } from "../schema/data.ts";
import type { BroadcastCommand, CommentOrigin } from "./event.ts";
import { checkOrganizer } from "./organizer.ts";
import { refusal, type Refusal } from "./pull.ts";

/** Everything a /broadcast decision depends on. */
export interface BroadcastInput {
  origin: CommentOrigin;
  command: BroadcastCommand;
  challenge: Challenge;
  /** challenge/participants.yaml (organizer pins come from it alone). */
  participants: Participants;
  broadcasts: readonly Broadcast[];
  now: Date;
}

export type BroadcastDecision =
  Refusal | { kind: "record"; broadcast: Broadcast } | { kind: "redelivered"; broadcast: Broadcast };

/**
 * Decides `/broadcast <text>`: organizers only (listed, write access, pinned id), on any issue or
 * PR; the text is kept raw and neutralised wherever it is shown. A redelivered comment id
 * resolves to the broadcast it already made, so inboxes never show it twice. Pure.
 */
export function decideBroadcast(input: BroadcastInput): BroadcastDecision {
  const { origin, now } = input;
  const check = checkOrganizer(origin, input.challenge, input.participants, "broadcast to participants");
  if (!check.ok) return refusal(check.reason);
  const earlier = input.broadcasts.find((b) => b.commentId === origin.commentId && b.issue === origin.issue);
  if (earlier) return { kind: "redelivered", broadcast: earlier };
  const broadcast: Broadcast = {
    version: 1,
    id: `${now.toISOString().replace(/[:.]/g, "-")}-c${origin.commentId}`,
    at: now.toISOString(),
    by: origin.requester,
    issue: origin.issue,
    commentId: origin.commentId,
    text: input.command.text,
  };
  return { kind: "record", broadcast };
}
