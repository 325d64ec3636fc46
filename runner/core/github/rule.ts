import type { Challenge } from "../schema/challenge.ts";
import type { Participants, Ruling } from "../schema/data.ts";
import type { CommentOrigin, RuleCommand } from "./event.ts";
import { refusal, submissionSlugOfPr, type PullFile, type Refusal } from "./pull.ts";

/** Everything a /rule decision depends on. */
export interface RuleInput {
  origin: CommentOrigin;
  command: RuleCommand;
  files: readonly PullFile[];
  challenge: Challenge;
  participants: Participants;
  now: Date;
}

export type RuleDecision = Refusal | { kind: "record"; ruling: Ruling };

/** Repository roles GitHub reports for people with write access. */
const TRUSTED_ASSOCIATIONS = ["OWNER", "MEMBER", "COLLABORATOR"];

/**
 * An organizer is listed in the challenge, has write access to the repository, and, when the
 * participant registry pins their login, has the pinned numeric id (a renamed impostor does not).
 */
export function isOrganizer(
  origin: CommentOrigin,
  challenge: Challenge,
  participants: Participants,
): boolean {
  const { requester, association } = origin;
  const pinned = participants.participants.find((p) => p.login === requester.login);
  return (
    challenge.organizers.includes(requester.login) &&
    TRUSTED_ASSOCIATIONS.includes(association) &&
    (!pinned || pinned.id === requester.id)
  );
}

/** Decides a `/rule valid|invalid` comment: only organizers, only on a PR with one submission. Pure. */
export function decideRule(input: RuleInput): RuleDecision {
  const { origin, command } = input;
  if (!isOrganizer(origin, input.challenge, input.participants))
    return refusal("only the challenge's organizers can rule on submissions.");
  const found = submissionSlugOfPr(input.files);
  if ("kind" in found) return found;
  const at = input.now.toISOString();
  const ruling: Ruling = {
    version: 1,
    id: `${at.replace(/[:.]/g, "-")}-${found.slug}-${origin.commentId}`,
    at,
    slug: found.slug,
    pr: origin.issue,
    decision: command.decision,
    reason: command.reason,
    by: origin.requester,
  };
  return { kind: "record", ruling };
}
