import type { Challenge } from "../schema/challenge.ts";
import type { Participants, Ruling } from "../schema/data.ts";
import type { CommentOrigin, RuleCommand } from "./event.ts";
import { checkOrganizer } from "./organizer.ts";
import {
  ownershipProblem,
  pinnedIds,
  refusal,
  submissionSlugOfPr,
  type OwnershipInput,
  type PullFile,
  type Refusal,
} from "./pull.ts";

/** Everything a /rule decision depends on. */
export interface RuleInput {
  origin: CommentOrigin;
  command: RuleCommand;
  files: readonly PullFile[];
  challenge: Challenge;
  participants: Participants;
  now: Date;
  /** Who the submission belongs to: a ruling on a PR that touches someone else's folder is refused. */
  ownership?: Omit<OwnershipInput, "pinnedIds">;
}

export type RuleDecision = Refusal | { kind: "record"; ruling: Ruling };

export { isOrganizer } from "./organizer.ts";

/** Decides a `/rule valid|invalid` comment: only organizers, only on a PR with one submission. Pure. */
export function decideRule(input: RuleInput): RuleDecision {
  const { origin, command } = input;
  const organizer = checkOrganizer(origin, input.challenge, input.participants, "rule on submissions");
  if (!organizer.ok) return refusal(organizer.reason);
  const found = submissionSlugOfPr(input.files);
  if ("kind" in found) return found;
  const foreign =
    input.ownership &&
    ownershipProblem({ ...input.ownership, pinnedIds: pinnedIds(input.participants) }, found.slug);
  if (foreign) return refusal(`${foreign.reason} Rule on the PR that owns it.`);
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
