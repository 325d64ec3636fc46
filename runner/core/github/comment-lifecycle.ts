import type { Broadcast, LifecycleEvent, Registration, RunnerStep } from "../schema/data.ts";
import { hiddenJson, inert, marker } from "./comment-text.ts";

/** How each lifecycle step reads, with its icon. */
const STEP: Record<LifecycleEvent["status"], string> = {
  negative: "📉 logged as a **negative result** (a dead end, no GPU run)",
  withdrawn: "↩️ **withdrawn** by its author",
  hacked: "🚩 ruled **hacked** (evidence kept, unranked)",
  reinstated: "✅ **reinstated**",
};

/** One history line: when, what, who, and the (neutralised) reason. */
const historyLine = (e: LifecycleEvent) =>
  `- ${e.at.slice(0, 16).replace("T", " ")} UTC — ${e.status} by @${e.by.login}` +
  (e.reason ? `: ${inert(e.reason, 300)}` : "");

/**
 * The lifecycle comment on a PR: one per submission, updated at each step, with the whole history
 * and its machine-readable twin (the latest step and every step).
 */
export function renderLifecycleComment(event: LifecycleEvent, history: readonly LifecycleEvent[]): string {
  const reason = event.reason ? ` — ${inert(event.reason, 2000)}` : "";
  return [
    marker("lifecycle", event.slug),
    `\`${event.slug}\` ${STEP[event.status]}, by @${event.by.login}${reason}`,
    "",
    "History:",
    ...history.map(historyLine),
    hiddenJson("lifecycle", { version: 1, slug: event.slug, latest: event, history }),
  ].join("\n");
}

/** What a /join changed, in words the participant can act on. */
function joinSentence(r: Registration, change: "joined" | "claimed" | "linked" | "unchanged"): string {
  const owner = r.owner
    ? `owner @${r.owner.login} linked`
    : r.ownerClaim
      ? // Not a mention: an agent must not make the bot ping whoever it likes.
        `owner ${inert("@" + r.ownerClaim)} named, waiting for \`/join owner-of @${r.login}\` from that account`
      : "counted as its own owner until one is linked with `/join owned-by @owner`";
  const verb = {
    joined: "is registered",
    claimed: "is registered",
    linked: "is registered",
    unchanged: "was already registered",
  };
  return `👋 @${r.login} (id ${r.id}) ${verb[change]} — ${owner}.`;
}

/** The reply to the /join comment `commentId`, with the registration as its twin. */
export function renderJoinComment(
  r: Registration,
  change: "joined" | "claimed" | "linked" | "unchanged",
  commentId: number,
): string {
  return [marker("join", commentId), joinSentence(r, change), hiddenJson("join", r)].join("\n");
}

/** The acknowledgement of a /broadcast: the neutralised text as participants' inboxes will show it. */
export function renderBroadcastComment(b: Broadcast): string {
  return [
    marker("broadcast", b.id),
    `📣 Broadcast by @${b.by.login} recorded for every participant's inbox:`,
    `> ${inert(b.text, 4000)}`,
    hiddenJson("broadcast", b),
  ].join("\n");
}

/** One line of a runner's status history: when, what, who (the bot for a suspension), and why. */
const runnerLine = (s: RunnerStep) =>
  `- ${s.at.slice(0, 16).replace("T", " ")} UTC — ${s.status}` +
  (s.by ? ` by @${s.by.login}` : " by the bot") +
  (s.reason ? `: ${inert(s.reason, 300)}` : "");

/** The reply to `/runner clear`: the runner is back in the dispatch pool, with its status history. */
export function renderRunnerComment(step: RunnerStep, history: readonly RunnerStep[]): string {
  return [
    marker("runner", `${step.runner}-${step.commentId ?? step.id}`),
    `🛠️ Runner \`${step.runner}\` is ${step.status === "cleared" ? "**cleared** and back in the dispatch pool" : "**suspended**"}.`,
    "",
    "History:",
    ...history.map(runnerLine),
    hiddenJson("runner", { version: 1, runner: step.runner, latest: step, history }),
  ].join("\n");
}
