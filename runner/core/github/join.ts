import { PARTICIPANTS_FILE } from "../layout.ts";
import type { Participants, Registration } from "../schema/data.ts";
import type { CommentOrigin } from "./origin.ts";
import { refusal, type Refusal } from "./pull.ts";

/**
 * `/join` forms, all commented on the registration issue (`registration_issue` in participants.yaml):
 * - `/join` registers the commenter (numeric id, login); until an owner is linked the account
 *   counts as its own owner for quota.
 * - `/join owned-by @owner` (by the agent) registers it if needed and names its owner's login.
 * - `/join owner-of @agent` (by the owner's own account) confirms; only then is the owner linked,
 *   with the confirming account's numeric id. Neither side alone can link: an owner cannot claim
 *   someone else's agent, and an agent cannot charge its runs to an account that did not agree.
 */
export type JoinCommand =
  | { kind: "join"; action: "self" }
  | { kind: "join"; action: "owned-by"; login: string }
  | { kind: "join"; action: "owner-of"; login: string };

export interface JoinInput {
  origin: CommentOrigin;
  command: JoinCommand;
  /** challenge/participants.yaml: its entries are managed by PR, never by /join. */
  participants: Participants;
  registrations: readonly Registration[];
  now: Date;
}

export type JoinDecision =
  | Refusal
  | { kind: "record"; registration: Registration; change: "joined" | "claimed" | "linked" }
  | { kind: "unchanged"; registration: Registration; why: string };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Everyone registered: the file's entries, then the registry's (an id or login the file already
 * lists is skipped, so a registry entry can never shadow or impersonate a file entry). An agent
 * without a linked owner is its own owner. Pure; quota and authorization read this.
 */
export function registeredParticipants(file: Participants, registry: readonly Registration[]): Participants {
  const fromRegistry = registry
    .filter((r) => !file.participants.some((p) => p.id === r.id || same(p.login, r.login)))
    .map((r) => ({ id: r.id, login: r.login, owner: r.owner ?? { id: r.id, login: r.login } }));
  return { ...file, participants: [...file.participants, ...fromRegistry] };
}

/** Refuses accounts the file manages, and logins the file pins to another account. */
function fileConflict(file: Participants, who: { id: number; login: string }): Refusal | undefined {
  const listed = file.participants.find((p) => p.id === who.id || same(p.login, who.login));
  if (!listed) return undefined;
  if (listed.id === who.id)
    return refusal(`@${who.login} is already registered in ${PARTICIPANTS_FILE}; change it there by PR.`);
  return refusal(`the login \`${who.login}\` is pinned to another account in ${PARTICIPANTS_FILE}.`);
}

/** Whether an agent's `/join` (with or without a claim) would leave its registration as it is. */
function agentUnchanged(earlier: Registration, origin: CommentOrigin, claim?: string): boolean {
  if (earlier.commentId === origin.commentId) return true;
  if (!same(earlier.login, origin.requester.login)) return false;
  return claim === undefined || same(earlier.ownerClaim ?? "", claim);
}

/** The agent's side: register, optionally naming its owner (a different claim unlinks the old owner). */
function joinAsAgent(input: JoinInput, claim?: string): JoinDecision {
  const me = input.origin.requester;
  const conflict = fileConflict(input.participants, me);
  if (conflict) return conflict;
  if (claim !== undefined && same(claim, me.login))
    return refusal("an account cannot claim itself as owner; `/join` alone already counts you as your own.");
  const earlier = input.registrations.find((r) => r.id === me.id);
  if (earlier && agentUnchanged(earlier, input.origin, claim))
    return { kind: "unchanged", registration: earlier, why: `@${me.login} is already registered` };
  const keep = earlier && (claim === undefined || same(earlier.ownerClaim ?? "", claim));
  const ownerClaim = claim ?? earlier?.ownerClaim;
  const registration: Registration = {
    version: 1,
    id: me.id,
    login: me.login,
    at: input.now.toISOString(),
    commentId: input.origin.commentId,
    ...(ownerClaim ? { ownerClaim } : {}),
    ...(keep && earlier.owner ? { owner: earlier.owner } : {}),
  };
  return { kind: "record", registration, change: claim !== undefined ? "claimed" : "joined" };
}

/** The owner's side: confirms an agent's claim naming this account's login; links its numeric id. */
function confirmAsOwner(input: JoinInput, agentLogin: string): JoinDecision {
  const { origin, now } = input;
  const me = origin.requester;
  const agent = input.registrations.find((r) => same(r.login, agentLogin));
  if (!agent)
    return refusal(`@${agentLogin} has not joined; it comments \`/join owned-by @${me.login}\` first.`);
  if (agent.id === me.id) return refusal("an account cannot confirm itself as its own owner.");
  if (!agent.ownerClaim || !same(agent.ownerClaim, me.login))
    return refusal(
      `@${agentLogin} has not named @${me.login} as its owner (\`/join owned-by @${me.login}\`).`,
    );
  if (agent.owner && agent.owner.id !== me.id)
    return refusal(
      `@${agentLogin}'s owner is already linked to another account; the agent must claim again.`,
    );
  if (agent.owner)
    return {
      kind: "unchanged",
      registration: agent,
      why: `@${agentLogin} is already linked to @${me.login}`,
    };
  const registration: Registration = {
    ...agent,
    at: now.toISOString(),
    commentId: origin.commentId,
    owner: { id: me.id, login: me.login },
  };
  return { kind: "record", registration, change: "linked" };
}

/**
 * Decides a `/join` comment. Only on the registration issue; identity is the commenter's numeric
 * id; accounts in participants.yaml are left to PRs; a redelivered comment changes nothing. Pure.
 */
export function decideJoin(input: JoinInput): JoinDecision {
  const issue = input.participants.registration_issue;
  if (issue === undefined)
    return refusal(
      `registration by \`/join\` is closed (no \`registration_issue\` in ${PARTICIPANTS_FILE}); ` +
        "ask an organizer, or add your account there in a PR.",
    );
  if (input.origin.issue !== issue)
    return refusal(`\`/join\` works on the registration issue #${issue} only.`);
  const c = input.command;
  if (c.action === "owner-of") return confirmAsOwner(input, c.login);
  return joinAsAgent(input, c.action === "owned-by" ? c.login : undefined);
}
