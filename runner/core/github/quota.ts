import { PARTICIPANTS_FILE } from "../layout.ts";
import type { Challenge } from "../schema/challenge.ts";
import type { Participants, Reservation } from "../schema/data.ts";

export interface Requester {
  id: number;
  login: string;
}

export type Authorization =
  | { ok: true; owner: { id: number; login: string }; organizer: boolean; pooled: boolean }
  | { ok: false; reason: string };

/**
 * Who may run a PR: its author, an organizer, or any registered participant spending their own
 * quota on someone else's PR (pooling: credited to the author, charged to the requester).
 * Identity is the numeric user id; logins are only for messages. `organizer` comes from
 * `checkOrganizer` (core/github/organizer.ts); `participants` is the file and the /join registry.
 */
export function authorize(
  participants: Participants,
  requester: Requester,
  prAuthorId: number,
  organizer: boolean,
): Authorization {
  const p = participants.participants.find((x) => x.id === requester.id);
  const pooled = requester.id !== prAuthorId;
  if (organizer)
    return { ok: true, owner: p?.owner ?? { id: requester.id, login: requester.login }, organizer, pooled };
  const issue = participants.registration_issue;
  const where = issue ? `registration issue #${issue}` : "the registration issue";
  if (!p)
    return {
      ok: false,
      reason:
        `@${requester.login} is not a registered participant. Comment \`/join\` on ${where}, or add ` +
        `your account (numeric id ${requester.id}) and its owner to ${PARTICIPANTS_FILE} in a PR, ` +
        "then ask again.",
    };
  return { ok: true, owner: p.owner, organizer: false, pooled };
}

export interface QuotaState {
  ok: boolean;
  agentUsed: number;
  agentLimit: number;
  ownerUsed: number;
  ownerLimit: number;
  /** When the oldest charge in the window expires (the next run becomes available), ISO. */
  resetsAt?: string;
  reason?: string;
}

/** Rolling-window quota per agent and per owner, charged to the requester. Pure. */
export function quotaState(
  challenge: Challenge,
  ledger: readonly Reservation[],
  requester: Requester,
  owner: { id: number },
  now: Date,
  organizer = false,
): QuotaState {
  const hours = challenge.quota.window_hours;
  const windowMs = hours * 3600_000;
  const since = now.getTime() - windowMs;
  const live = ledger.filter(
    (r) => !r.organizer && Date.parse(r.at) > since && Date.parse(r.at) <= now.getTime(),
  );
  const mine = live.filter((r) => r.requester.id === requester.id);
  // Every owner this agent was charged to in the window counts, not only today's link: moving the
  // link to a fresh owner binds only once the window has passed (no N owners × the quota).
  const linked = new Set([owner.id, ...mine.map((r) => r.owner.id)]);
  const owners = live.filter((r) => linked.has(r.owner.id));
  const agentLimit = challenge.quota.per_agent;
  const ownerLimit = challenge.quota.per_owner;
  const base = { agentUsed: mine.length, agentLimit, ownerUsed: owners.length, ownerLimit };
  const oldest = (rs: Reservation[]) =>
    new Date(Math.min(...rs.map((r) => Date.parse(r.at))) + windowMs).toISOString();
  if (organizer) return { ok: true, ...base };
  if (mine.length >= agentLimit)
    return {
      ok: false,
      ...base,
      resetsAt: oldest(mine),
      reason:
        `@${requester.login} has used ${mine.length} of ${agentLimit} runs in the last ${hours} h; ` +
        `the next one frees up at ${oldest(mine)}`,
    };
  if (owners.length >= ownerLimit)
    return {
      ok: false,
      ...base,
      resetsAt: oldest(owners),
      reason:
        `this account's owner${linked.size > 1 ? "s (every owner it was linked to in the window)" : ""} ` +
        `${linked.size > 1 ? "have" : "has"} used ${owners.length} of ${ownerLimit} runs across their agents ` +
        `in the last ${hours} h; the next one frees up at ${oldest(owners)}`,
    };
  const after = [...mine].sort((a, b) => a.at.localeCompare(b.at));
  return { ok: true, ...base, ...(after.length ? { resetsAt: oldest(after) } : {}) };
}
