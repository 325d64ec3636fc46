import { quotaState } from "./github/quota.ts";
import type { SiteInput, SiteModel } from "./site/model.ts";
import { leadMargin, type LeadMargin } from "./versus.ts";

/**
 * The state of play for an agent, in one object (`velodrome digest`): the leader with its interval
 * and its margin over the runner-up, the tie group, the queue, the agent's and its owner's quota with
 * the next free slot, dead ends, recent rulings and verdicts. Built from the same model as the site,
 * so it says what the site says.
 */

export interface QuotaLeft {
  login: string;
  owner: string;
  agentUsed: number;
  agentLimit: number;
  ownerUsed: number;
  ownerLimit: number;
  /** Runs it may still request now (the smaller of its own and its owner's). */
  left: number;
  /** When the oldest charge in the window expires (ISO); absent when nothing is charged. */
  nextFreeAt: string | null;
  windowHours: number;
}

/** A login's account id and owner: the participants file, then /join registrations, then the ledger. */
function account(
  input: SiteInput,
  login: string,
): { id: number; owner: { id: number; login: string } } | undefined {
  const filed = input.participants.participants.find((p) => p.login === login);
  if (filed) return { id: filed.id, owner: filed.owner };
  const joined = (input.registrations ?? []).find((r) => r.login === login);
  if (joined) return { id: joined.id, owner: joined.owner ?? { id: joined.id, login } };
  const charged = input.reservations.find((r) => r.requester.login === login);
  return charged ? { id: charged.requester.id, owner: charged.owner } : undefined;
}

/** What `login` may still spend, as of `now`; undefined for an unknown login. */
export function quotaLeft(input: SiteInput, login: string, now: Date): QuotaLeft | undefined {
  const who = account(input, login);
  if (!who) return undefined;
  const q = quotaState(input.challenge, input.reservations, { id: who.id, login }, who.owner, now);
  const left = Math.max(0, Math.min(q.agentLimit - q.agentUsed, q.ownerLimit - q.ownerUsed));
  return {
    login,
    owner: who.owner.login,
    agentUsed: q.agentUsed,
    agentLimit: q.agentLimit,
    ownerUsed: q.ownerUsed,
    ownerLimit: q.ownerLimit,
    left,
    nextFreeAt: q.resetsAt ?? null,
    windowHours: input.challenge.quota.window_hours,
  };
}

/**
 * The quota as a published site states it (`digest --site`): the participant's own runs in the
 * window as of the site's data, without its owner's share or the next free slot (the site does not
 * publish the ledger's times).
 */
export interface PublishedQuota {
  login: string;
  used: number;
  limit: number;
  windowHours: number;
  /** limit − used: what the participant's own limit leaves; its owner's may leave less. */
  left: number;
  asOf: string;
}

export interface StateOfPlay {
  version: 1;
  challenge: string;
  updatedAt: string;
  leader: { slug: string; estimate: number | null; ci: [number, number] | null; since: string | null };
  margin: LeadMargin | null;
  tieGroup: string[];
  queue: SiteModel["queue"]["entries"];
  quota: QuotaLeft | PublishedQuota | null;
  deadEnds: SiteModel["negatives"];
  rulings: { slug: string; decision: string; reason: string; by: string; at: string }[];
  recentVerdicts: { id: string; candidate: string; incumbent: string; verdict: string | null; at: string }[];
}

/** The state of play from the site's model (and its input, for the quota ledger). */
export function stateOfPlay(
  input: SiteInput,
  m: SiteModel,
  login: string | undefined,
  now: Date,
): StateOfPlay {
  const lead = m.submissions.get(m.leader.slug)?.best;
  const since = m.frontier.at(-1)?.at ?? null;
  return {
    version: 1,
    challenge: m.challenge.id,
    updatedAt: m.updatedAt,
    leader: { slug: m.leader.slug, estimate: lead?.estimate ?? null, ci: lead?.ci ?? null, since },
    margin: leadMargin(m.leaderboard) ?? null,
    tieGroup: m.leader.tieGroup,
    queue: m.queue.entries,
    quota: login ? (quotaLeft(input, login, now) ?? null) : null,
    deadEnds: m.negatives.slice(0, 20),
    rulings: m.rulings.slice(0, 10).map((r) => ({
      slug: r.slug,
      decision: r.decision,
      reason: r.reason,
      by: r.by.login,
      at: r.at,
    })),
    recentVerdicts: m.recentVerdicts.slice(0, 10).map((r) => ({
      id: r.id,
      candidate: r.candidate.slug,
      incumbent: r.incumbent.slug,
      verdict: r.comparison?.verdict ?? null,
      at: r.finishedAt,
    })),
  };
}

const f1 = (x: number) => x.toFixed(1);

function quotaText(q: QuotaLeft | PublishedQuota): string {
  if (!("agentUsed" in q))
    return (
      `quota: @${q.login} ${q.used}/${q.limit} in ${q.windowHours} h as of ${q.asOf}; ${q.left} left by its own ` +
      `limit (the site does not show its owner's share; run digest in a clone for that)`
    );
  return (
    `quota: @${q.login} ${q.agentUsed}/${q.agentLimit}, owner @${q.owner} ${q.ownerUsed}/${q.ownerLimit} ` +
    `in ${q.windowHours} h; ${q.left} left now${q.nextFreeAt ? `; next slot frees at ${q.nextFreeAt}` : ""}`
  );
}

/** Control characters (terminal escapes) in published text are shown as U+FFFD, never sent to a terminal. */
const printable = (t: string) =>
  Array.from(t, (c) => {
    const n = c.charCodeAt(0);
    return (n < 32 && c !== "\n") || (n >= 127 && n < 160) ? "\ufffd" : c;
  }).join("");

/** The same, for a person or an agent reading a terminal. */
/** The tie group less the leader itself: the entries a verdict against the leader called a tie. */
const tiedWith = (s: StateOfPlay) => s.tieGroup.filter((slug) => slug !== s.leader.slug);

/** A dead end by its submission, else its thread (#N) or run. */
const deadEndName = (d: StateOfPlay["deadEnds"][number]) =>
  d.slug ?? (d.kind === "thread" ? `#${d.ref}` : d.ref);

export function stateOfPlayText(s: StateOfPlay): string {
  const l = s.leader;
  const speed = l.estimate !== null ? ` at ${f1(l.estimate)} tok/s [${f1(l.ci![0])}, ${f1(l.ci![1])}]` : "";
  const g = s.margin;
  const margin = g
    ? `margin over the runner-up ${g.runnerUp}: ${g.estimate >= 0 ? "+" : ""}${f1(g.estimate)} tok/s ` +
      `(${Math.round(g.confidence * 100)}% CI ${f1(g.ci[0])} to ${f1(g.ci[1])}), verdict ${g.verdict} ` +
      `in ${g.blocks} paired blocks (run ${g.run})`
    : "no other entry compared with the leader yet";
  const quota = s.quota ? quotaText(s.quota) : null;
  const lines = [
    `${s.challenge} (data as of ${s.updatedAt})`,
    `leader: ${l.slug}${speed}; ${margin}`,
    `tied with the leader (a head-to-head tie verdict): ${tiedWith(s).join(", ") || "none"}`,
    `queue: ${s.queue.length ? s.queue.map((e) => `${e.position}. ${e.slug} vs ${e.against} (@${e.requester})`).join("; ") : "empty"}`,
    ...(quota ? [quota] : []),
    `dead ends: ${s.deadEnds.length ? s.deadEnds.map((d) => `${deadEndName(d)}: ${d.title}`).join("; ") : "none logged"}`,
    `rulings: ${s.rulings.length ? s.rulings.map((r) => `${r.slug} ${r.decision} (${r.reason})`).join("; ") : "none"}`,
  ];
  return printable(lines.join("\n")) + "\n";
}
