import { PARTICIPANTS_FILE } from "../layout.ts";
import type { Challenge } from "../schema/challenge.ts";
import type { Participants } from "../schema/data.ts";
import type { CommentOrigin } from "./origin.ts";

/** Repository roles GitHub reports for people with write access. */
const TRUSTED_ASSOCIATIONS = ["OWNER", "MEMBER", "COLLABORATOR"];

export type OrganizerCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether a comment comes from an organizer: the login is listed in the challenge, the comment's
 * association says write access, AND `challenge/participants.yaml` pins that login to the
 * commenter's numeric id. The pin is required: logins can be renamed and re-registered, numeric
 * ids cannot. Only the file counts, never the data-branch registry (anyone can `/join`).
 * `what` completes "only the challenge's organizers can …" in the refusal.
 */
export function checkOrganizer(
  origin: CommentOrigin,
  challenge: Challenge,
  file: Participants,
  what: string,
): OrganizerCheck {
  const { requester, association } = origin;
  const refused: OrganizerCheck = { ok: false, reason: `only the challenge's organizers can ${what}.` };
  if (!challenge.organizers.includes(requester.login)) return refused;
  if (!TRUSTED_ASSOCIATIONS.includes(association)) return refused;
  const pinned = file.participants.find((p) => p.login === requester.login);
  if (!pinned)
    return {
      ok: false,
      reason:
        `organizer \`${requester.login}\` has no pinned numeric id. Pin it in ${PARTICIPANTS_FILE} ` +
        `(\`- { id: ${requester.id}, login: ${requester.login}, owner: { id: ${requester.id}, ` +
        `login: ${requester.login} } }\`) in a PR to the default branch, then ask again.`,
    };
  return pinned.id === requester.id ? { ok: true } : refused;
}

/** `checkOrganizer` as a yes/no. */
export const isOrganizer = (origin: CommentOrigin, challenge: Challenge, file: Participants): boolean =>
  checkOrganizer(origin, challenge, file, "act").ok;
