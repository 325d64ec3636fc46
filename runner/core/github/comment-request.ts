import type { Ruling } from "../schema/data.ts";
import { hiddenJson, inert, marker, shortSha } from "./comment-text.ts";
import type { QuotaState } from "./quota.ts";

/** What the queued comment says about a dispatched /bench. */
export interface QueuedComment {
  pr: number;
  requester: string;
  author: string;
  slug: string;
  against: string;
  sha: string;
  /** The requester's quota before this run was charged. */
  quota: QuotaState;
  runId: string;
  pooled: boolean;
  organizer: boolean;
  /** An organizer's A/A calibration run (the submission against itself). */
  aa?: boolean;
  /** Position in the evaluation queue and the expected verdict time. */
  queue?: { position: number; eta?: string };
}

/** "Position 3 in the queue, verdict expected around 14:05 UTC", or nothing without a position. */
function queueSentence(o: QueuedComment): string {
  if (!o.queue) return "";
  const ahead = o.queue.position - 1;
  const where = ahead ? `${ahead} evaluation(s) ahead of it` : "next in the queue";
  const eta = o.queue.eta
    ? `; verdict expected around ${o.queue.eta.slice(0, 16).replace("T", " ")} UTC`
    : "";
  return `Queue: ${where}${eta} (from recent run durations).`;
}

/** "3 of 10 runs used by @x in the last 24 h, …", or that an organizer run is free. */
function quotaSentence(o: QueuedComment): string {
  const q = o.quota;
  if (o.organizer) return "organizer run (not charged)";
  const resets = q.resetsAt ? `, the oldest frees up at ${q.resetsAt}` : "";
  return `${q.agentUsed + 1} of ${q.agentLimit} runs used by @${o.requester} in the last 24 h${resets}`;
}

/** The twin of the queued comment: the run and the quota after charging it. */
function queuedTwin(o: QueuedComment) {
  const q = o.quota;
  const charged = o.organizer ? 0 : 1;
  return {
    version: 1,
    runId: o.runId,
    pr: o.pr,
    slug: o.slug,
    against: o.against,
    sha: o.sha,
    requester: o.requester,
    author: o.author,
    pooled: o.pooled,
    ...(o.aa ? { aa: true } : {}),
    ...(o.queue ? { queue: o.queue } : {}),
    quota: {
      agentUsed: q.agentUsed + charged,
      agentLimit: q.agentLimit,
      ownerUsed: q.ownerUsed + charged,
      ownerLimit: q.ownerLimit,
    },
  };
}

/** The comment that acknowledges a dispatched /bench. */
export function renderQueuedComment(o: QueuedComment): string {
  return [
    marker("queued", o.runId),
    `⏳ Queued \`${o.slug}\` against \`${o.against}\` at \`${shortSha(o.sha)}\` — ${quotaSentence(o)}.`,
    queueSentence(o),
    o.aa ? "A/A calibration run: both arms run the same submission, to measure this runner's noise." : "",
    o.pooled ? `Pooled run: charged to @${o.requester}, credited to @${o.author}.` : "",
    hiddenJson("queued", queuedTwin(o)),
  ]
    .filter(Boolean)
    .join("\n");
}

/** The one-line refusal addressed to whoever asked. */
export function renderRefusal(requester: string, reason: string): string {
  return `🚫 @${requester} ${inert(reason, 600)}`;
}

/** A refusal comment: the line above plus its machine-readable twin. */
export function renderRefusalComment(requester: string, reason: string): string {
  const twin = hiddenJson("refused", { version: 1, requester, reason });
  return `${renderRefusal(requester, reason)}\n${twin}`;
}

/** The ruling comment on a PR: one per submission, updated when an organizer rules again. */
export function renderRulingComment(ruling: Ruling): string {
  const reason = ruling.reason ? ` — ${inert(ruling.reason, 2000)}` : "";
  const decision = ruling.decision.toUpperCase();
  return [
    marker("ruling", ruling.slug),
    `⚖️ **Ruling by @${ruling.by.login}: \`${ruling.slug}\` is ${decision}**${reason}`,
    hiddenJson("ruling", ruling),
  ].join("\n");
}
