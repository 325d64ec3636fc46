import type { Challenge } from "../schema/challenge.ts";
import type { LifecycleEvent, Participants, Registration, Reservation } from "../schema/data.ts";
import type { CommentOrigin } from "./origin.ts";
import { registeredParticipants } from "./join.ts";
import { checkOrganizer } from "./organizer.ts";
import { isOriginalAuthor, type FolderClaim } from "../ownership.ts";
import {
  ownershipProblem,
  pinnedIds,
  refusal,
  submissionSlugOfPr,
  type PullFacts,
  type PullFile,
  type Refusal,
} from "./pull.ts";

export type LifecycleAction = "negative" | "withdraw" | "hacked" | "reinstate";
export type LifecycleCommand = { kind: "lifecycle"; action: LifecycleAction; reason: string };

/** Where a submission stands after its lifecycle steps; `active` when it has none. */
export type LifecycleStatus = "active" | "negative" | "withdrawn" | "hacked";

/** The slice of the data branch a lifecycle decision reads. */
export interface LifecycleState {
  lifecycle?: readonly LifecycleEvent[];
  registrations?: readonly Registration[];
  reservations: readonly Reservation[];
}

/** Everything a lifecycle decision depends on. */
export interface LifecycleInput {
  origin: CommentOrigin;
  command: LifecycleCommand;
  pull: PullFacts;
  files: readonly PullFile[];
  state: LifecycleState;
  challenge: Challenge;
  /** challenge/participants.yaml (organizer pins come from it alone). */
  participants: Participants;
  /** Logins the submission's manifest credits as authors, when the caller could read it. */
  credited?: readonly string[];
  knownSlugs: readonly string[];
  /** Open PRs adding the submission's folder, with the API's creation time (the ownership rule). */
  claims?: readonly FolderClaim[];
  /** `authors` of each merged submission when first added (who owns a merged folder). */
  manifestAuthors?: Readonly<Record<string, readonly string[]>>;
  now: Date;
}

export type LifecycleDecision =
  | Refusal
  | { kind: "record"; event: LifecycleEvent; history: LifecycleEvent[] }
  | { kind: "redelivered"; event: LifecycleEvent; history: LifecycleEvent[] };

const STATUS_OF: Record<LifecycleAction, LifecycleEvent["status"]> = {
  negative: "negative",
  withdraw: "withdrawn",
  hacked: "hacked",
  reinstate: "reinstated",
};

/** A submission's lifecycle steps in the order they happened (time, then id). Pure; for the site. */
export function submissionHistory(
  state: { lifecycle?: readonly LifecycleEvent[] },
  slug: string,
  pr?: number,
) {
  return (state.lifecycle ?? [])
    .filter((e) => e.slug === slug && (pr === undefined || e.pr === pr))
    .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

/** The status the last step leaves: `reinstated` returns a submission to `active`. */
export function lifecycleStatus(history: readonly LifecycleEvent[]): LifecycleStatus {
  const last = history.at(-1);
  if (!last || last.status === "reinstated") return "active";
  return last.status;
}

/** Which step may follow which: a hacked result cannot be hidden by withdrawing or relabelling it. */
function transitionProblem(action: LifecycleAction, status: LifecycleStatus): string | undefined {
  const allowed: Record<LifecycleAction, LifecycleStatus[]> = {
    negative: ["active"],
    withdraw: ["active", "negative"],
    hacked: ["active", "negative", "withdrawn"],
    reinstate: ["hacked"],
  };
  if (allowed[action].includes(status)) return undefined;
  if (status === "hacked") return "it was ruled hacked; only an organizer's `/rule reinstate` changes that";
  return `it is ${status}, and \`${action}\` applies only to ${allowed[action].join(" or ")} submissions`;
}

/**
 * Who may take a step: organizers for `hacked`/`reinstate`; for `negative`/`withdraw` the PR's
 * author, or a registered participant (numeric id matching the registered login) whom the
 * manifest credits as an author. Logins alone never authorize.
 */
function authorizeStep(input: LifecycleInput): Refusal | undefined {
  const { origin, command } = input;
  if (command.action === "hacked" || command.action === "reinstate") {
    const check = checkOrganizer(
      origin,
      input.challenge,
      input.participants,
      "rule a result hacked or reinstate it",
    );
    return check.ok ? undefined : refusal(check.reason);
  }
  // Every step needs a registered participant (numeric id and login as registered): the PR's
  // author, or one the manifest credits. An unregistered account cannot act, even on its own PR.
  const everyone = registeredParticipants(input.participants, input.state.registrations ?? []);
  const me = everyone.participants.find((p) => p.id === origin.requester.id);
  if (!me || me.login.toLowerCase() !== origin.requester.login.toLowerCase())
    return refusal(
      `@${origin.requester.login} is not a registered participant; comment \`/join\` on the registration ` +
        `issue first. Only the author of PR #${input.pull.number} can \`/${command.action}\` its submission.`,
    );
  if (origin.requester.id === input.pull.user.id) return undefined;
  if (isOriginalAuthor(input.credited ?? [], me)) return undefined;
  return refusal(`only the author of PR #${input.pull.number} can \`/${command.action}\` its submission.`);
}

/**
 * Decides `/negative <reason>`, `/withdraw [reason]`, `/rule hacked <reason>` and
 * `/rule reinstate [note]` on a PR: who may (authorizeStep), on which PR (ownershipProblem), from
 * which status (transitionProblem). A redelivered comment resolves to the step it already made.
 */
export function decideLifecycle(input: LifecycleInput): LifecycleDecision {
  const { origin, command, now } = input;
  const denied = authorizeStep(input);
  if (denied) return denied;
  const found = submissionSlugOfPr(input.files);
  if ("kind" in found) return found;
  const wrongPr = ownershipProblem({ ...input, pinnedIds: pinnedIds(input.participants) }, found.slug);
  if (wrongPr) return wrongPr;
  // Steps are keyed by slug and PR: another PR's steps on the same slug are not this one's history.
  const history = submissionHistory(input.state, found.slug, input.pull.number);
  const earlier = history.find((e) => e.commentId === origin.commentId && e.pr === input.pull.number);
  if (earlier) return { kind: "redelivered", event: earlier, history };
  const problem = transitionProblem(command.action, lifecycleStatus(history));
  if (problem) return refusal(`\`${found.slug}\` cannot be marked that way: ${problem}.`);
  const event: LifecycleEvent = {
    version: 1,
    id: `${now.toISOString().replace(/[:.]/g, "-")}-${found.slug}-c${origin.commentId}`,
    at: now.toISOString(),
    slug: found.slug,
    pr: input.pull.number,
    status: STATUS_OF[command.action],
    reason: command.reason,
    by: origin.requester,
    commentId: origin.commentId,
  };
  return { kind: "record", event, history: [...history, event] };
}
