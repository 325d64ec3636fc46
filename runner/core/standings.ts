import type { Challenge } from "./schema/challenge.ts";
import { lifecycleStatus, submissionHistory } from "./github/lifecycle.ts";
import type { LifecycleEvent, Ruling } from "./schema/data.ts";
import { claimsLead, type RunRecord } from "./schema/run-record.ts";
import { armEstimate, type ArmEstimate } from "./stats/estimates.ts";
import { countAbove } from "./stats/ranking.ts";
import { sharesLead, versusLeader, type VersusLeader } from "./versus.ts";

/**
 * Standing and leadership, decided in one place. Every page, every JSON twin and the bot's default
 * opponent read the answer of `decideStandings` (or `currentLeader`, which it is built on), so
 * "who leads?" has one answer everywhere.
 */

export type Standing =
  | "leader"
  | "valid"
  | "pending"
  | "unconfirmed"
  | "invalid"
  | "failed"
  | "error"
  | "unbenchmarked"
  | "negative"
  | "hacked"
  | "withdrawn";

/**
 * A submission taken out of the standings by its lifecycle: ruled `hacked` by an organizer (the
 * evidence is the reason), `withdrawn` by its author, or logged `negative` (a dead end). The last
 * step decides; `reinstated` puts a result back.
 */
export interface LifecycleMark {
  slug: string;
  status: "hacked" | "withdrawn" | "negative";
  /** The organizer's evidence (hacked), the author's reason (withdrawn, negative). */
  reason: string;
  by: string;
  at: string;
  pr: number;
}

/**
 * Slugs whose last lifecycle step leaves them hacked, withdrawn or negative; reinstated ones are
 * active. Events are grouped by slug once (one pass, not one scan per slug), each group replayed in
 * the bot's order by `submissionHistory`.
 */
export function lifecycleMarks(events: readonly LifecycleEvent[] = []): Map<string, LifecycleMark> {
  const bySlug = new Map<string, LifecycleEvent[]>();
  for (const e of events) {
    const list = bySlug.get(e.slug);
    if (list) list.push(e);
    else bySlug.set(e.slug, [e]);
  }
  const out = new Map<string, LifecycleMark>();
  for (const [slug, own] of bySlug) {
    const history = submissionHistory({ lifecycle: own }, slug);
    const status = lifecycleStatus(history);
    if (status === "active") continue;
    const last = history.at(-1)!;
    out.set(slug, { slug, status, reason: last.reason, by: last.by.login, at: last.at, pr: last.pr });
  }
  return out;
}

/** Slugs ruled hacked and not reinstated since (a later withdraw or negative step does not hide it). */
export function ruledHacked(events: readonly LifecycleEvent[] = []): Set<string> {
  const out = new Set<string>();
  for (const slug of new Set(events.map((e) => e.slug))) {
    const history = submissionHistory({ lifecycle: events.filter((e) => e.slug === slug) }, slug);
    const lastReinstate = history.findLastIndex((e) => e.status === "reinstated");
    if (history.slice(lastReinstate + 1).some((e) => e.status === "hacked")) out.add(slug);
  }
  return out;
}

/** Latest ruling per slug wins; a ruling `invalid` removes a submission from the standings. */
export function ruledInvalid(rulings: readonly Ruling[]): Map<string, Ruling> {
  const latest = new Map<string, Ruling>();
  for (const r of [...rulings].sort((a, b) => a.at.localeCompare(b.at))) latest.set(r.slug, r);
  return new Map([...latest].filter(([, r]) => r.decision === "invalid"));
}

/**
 * Whether a run moves the lead: it claims it (claimsLead: ok and faster), its quality passed, its confirmation did not fail;
 * `strict` also needs `confirmed`. Wherever a private set existed (every runner of the pool), a
 * `pending` run (its private re-run cut short) never leads on any board, so it is never the
 * default opponent either; only a run made where no private set exists (NO_PRIVATE_SET, a local
 * run) may lead provisionally on the default board.
 */
export function movesLead(r: RunRecord, strict = false): boolean {
  return (
    claimsLead(r.status, r.comparison?.verdict) &&
    (r.quality.candidate?.ok ?? false) &&
    r.confirmation.status !== "failed" &&
    !unconfirmedWithPrivateSet(r) &&
    (!strict || r.confirmation.status === "confirmed")
  );
}

/** The confirmation's reason when the runner had no private set (a local run): nothing to confirm on. */
export const NO_PRIVATE_SET = "no private prompt set on this runner; the lead is provisional until confirmed";

/** A run confirmed nowhere although a private set existed where it ran (its re-run was cut short). */
const unconfirmedWithPrivateSet = (r: RunRecord) =>
  r.confirmation.status === "pending" && r.confirmation.reason !== NO_PRIVATE_SET;

/** Why a result is unconfirmed: the claim, what the private set gave, and the check that failed. */
export interface ConfirmationEvidence {
  slug: string;
  run: string;
  at: string;
  /** The public-set speed the confirmation checked (tok/s), when recorded. */
  claim: number | null;
  /** The private-set speed (rounded aggregate), when recorded. */
  tps: number | null;
  /** Private over claimed speed, when recorded. */
  ratio: number | null;
  /** The failed check in words. */
  check: string;
}

/** Runs oldest first (ties by id): the order history is replayed in. */
export const byFinish = (runs: readonly RunRecord[]): RunRecord[] =>
  [...runs].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.id.localeCompare(b.id));

/**
 * Runs already in `byFinish` order: what the functions below replay. One decision sorts once (it
 * sorted 100,000 runs four or five times, twice per site build).
 */
type Replayed = readonly RunRecord[] & { readonly __byFinish: true };
const replayed = (runs: readonly RunRecord[]) => byFinish(runs) as unknown as Replayed;

/** The failed check of a failed confirmation, in words (the recorded reason when there is one). */
function failedCheck(c: RunRecord["confirmation"]): string {
  if (c.reason) return c.reason;
  if (c.quality && !c.quality.ok)
    return `private-set quality failed (perplexity +${(c.quality.pplIncrease * 100).toFixed(1)}%)`;
  if (c.ratio !== undefined) return `private-set speed was ${(c.ratio * 100).toFixed(1)}% of the claim`;
  return "private-set confirmation failed";
}

/**
 * Submissions whose latest decided confirmation (confirmed or failed) failed. A later confirmed
 * run clears the mark; pending and skipped confirmations decide nothing.
 */
export function unconfirmedSlugs(runs: readonly RunRecord[]): Map<string, ConfirmationEvidence> {
  return unconfirmedIn(replayed(runs));
}

function unconfirmedIn(runs: Replayed): Map<string, ConfirmationEvidence> {
  const latest = new Map<string, RunRecord>();
  for (const r of runs)
    if (r.confirmation.status === "confirmed" || r.confirmation.status === "failed")
      latest.set(r.candidate.slug, r);
  const out = new Map<string, ConfirmationEvidence>();
  for (const [slug, r] of latest) {
    const c = r.confirmation;
    if (c.status !== "failed") continue;
    out.set(slug, {
      slug,
      run: r.id,
      at: r.finishedAt,
      claim: c.claim ?? r.comparison?.candidateMean ?? null,
      tps: c.tps ?? null,
      ratio: c.ratio ?? null,
      check: failedCheck(c),
    });
  }
  return out;
}

/** Slugs whose latest decided confirmation was `confirmed`: what the strict board may hold. */
export function confirmedSlugs(runs: readonly RunRecord[]): Set<string> {
  return confirmedIn(replayed(runs));
}

function confirmedIn(runs: Replayed): Set<string> {
  const latest = new Map<string, string>();
  for (const r of runs)
    if (r.confirmation.status === "confirmed" || r.confirmation.status === "failed")
      latest.set(r.candidate.slug, r.confirmation.status);
  return new Set([...latest].filter(([, s]) => s === "confirmed").map(([slug]) => slug));
}

export interface Leadership {
  slug: string;
  since?: string;
  run?: string;
  history: { slug: string; at: string; run: string }[];
}

/**
 * The current leader, replayed from history: the baseline leads first; a clean `faster` verdict
 * against the leader of the moment hands over the lead. Ruled-invalid and unconfirmed submissions
 * are skipped: their runs never take the lead, and runs against them cannot move it either (they
 * were not run against the leader). Submissions the lifecycle took out (hacked, withdrawn, negative)
 * never lead: the lead passes back to whoever held it before them. A hacked one is skipped like an
 * invalid one; a withdrawn or negative one stays a past incumbent, so a later run that beat it while
 * it led still counts. Ties keep the
 * incumbent. This is the bot's default opponent.
 */
export function currentLeader(
  challenge: Challenge,
  runs: readonly RunRecord[],
  rulings: readonly Ruling[],
  strict = false,
  lifecycle: readonly LifecycleEvent[] = [],
): Leadership {
  const sorted = replayed(runs);
  return leaderIn(challenge, sorted, {
    ruledInvalid: ruledInvalid(rulings),
    unconfirmed: unconfirmedIn(sorted),
    retired: lifecycleMarks(lifecycle),
    hacked: ruledHacked(lifecycle),
    strict,
  });
}

function leaderIn(
  challenge: Challenge,
  runs: Replayed,
  j: Omit<Judged, "leader"> & { strict: boolean; hacked: ReadonlySet<string> },
): Leadership {
  const skipped = (slug: string) => j.ruledInvalid.has(slug) || j.unconfirmed.has(slug) || j.hacked.has(slug);
  // Every holder of the lead in turn, withdrawn and negative ones included: a submission its author
  // took out later is dropped as a leader, never as a past incumbent, so a run that beat it while it
  // led keeps its win (its author's /withdraw cannot hand the lead back to their older entry). A
  // hacked one never held the lead: a win against it is not a win against the leader.
  const chain = [challenge.baseline];
  let leader = challenge.baseline;
  const history: Leadership["history"] = [];
  for (const r of runs) {
    if (skipped(r.candidate.slug)) continue;
    if (r.incumbent.slug !== leader && r.incumbent.slug !== chain.at(-1)) continue;
    if (!movesLead(r, j.strict)) continue;
    chain.push(r.candidate.slug);
    if (j.retired.has(r.candidate.slug)) continue;
    leader = r.candidate.slug;
    history.push({ slug: leader, at: r.finishedAt, run: r.id });
  }
  const last = history.at(-1);
  return { slug: leader, ...(last ? { since: last.at, run: last.run } : {}), history };
}

/** A run whose candidate ran cleanly: ok status and passed quality. */
export const isClean = (r: RunRecord) => r.status === "ok" && (r.quality.candidate?.ok ?? false);

export interface BestEstimate extends ArmEstimate {
  run: string;
}

/**
 * A submission's speed: its latest clean run's candidate arm, else the latest run it served in as
 * incumbent (the baseline's speed when it never ran as a candidate).
 */
export function bestEstimate(
  own: readonly RunRecord[],
  asIncumbent: readonly RunRecord[],
): BestEstimate | undefined {
  const bestRun = own.filter(isClean).at(-1);
  const best = bestRun ? armEstimate(bestRun, "candidate") : undefined;
  if (best) return { ...best, run: bestRun!.id };
  const inc = asIncumbent.filter((r) => r.status !== "error" && (r.quality.incumbent?.ok ?? true)).at(-1);
  const incBest = inc ? armEstimate(inc, "incumbent") : undefined;
  return incBest ? { ...incBest, run: inc!.id } : undefined;
}

/** What standingOf needs to know about the whole contest. */
interface Judged {
  /** Submissions an organizer ruled invalid (`/rule invalid`): the standing `invalid`. */
  ruledInvalid: Map<string, Ruling>;
  unconfirmed: Map<string, ConfirmationEvidence>;
  retired: Map<string, LifecycleMark>;
  leader: string;
}

/** A submission's standing, first matching rule wins (the order is the policy). */
export function standingOf(slug: string, own: readonly RunRecord[], hasBest: boolean, j: Judged): Standing {
  const clean = own.filter(isClean);
  if (j.ruledInvalid.has(slug)) return "invalid";
  const retired = j.retired.get(slug);
  if (retired) return retired.status;
  if (slug === j.leader) return "leader";
  if (j.unconfirmed.has(slug)) return "unconfirmed";
  if (own.some((r) => r.status === "negative") && !clean.length) return "negative";
  if (own.length && !clean.length) return own.some((r) => r.status === "invalid") ? "failed" : "error";
  if (clean.some((r) => r.comparison?.verdict === "faster" && r.confirmation.status === "pending"))
    return "pending";
  return hasBest ? "valid" : "unbenchmarked";
}

export interface Entry {
  slug: string;
  standing: Standing;
  best?: BestEstimate;
  unconfirmed?: ConfirmationEvidence;
  /** Present when the lifecycle took it out of the standings (hacked, withdrawn, negative). */
  lifecycle?: LifecycleMark;
}

export interface RankedEntry {
  slug: string;
  rank: number;
  /** "1", "=1", "3": "=" marks a shared rank. */
  label: string;
  estimate: number;
  ci: [number, number];
  /** Relative to the leader's estimate (estimates from different runs: a hint, not a verdict). */
  relative: number;
  /** What its latest head-to-head run with the leader says (the only ground for "=1"). */
  versusLeader: VersusLeader;
}

export interface Standings {
  leader: Leadership & { tieGroup: string[] };
  entries: Map<string, Entry>;
  /** The board, rank 1 first: the leader and whoever is statistically tied with it share rank 1. */
  ranking: RankedEntry[];
  /** Results whose private-set confirmation failed: never ranked, listed with their evidence. */
  unconfirmed: ConfirmationEvidence[];
  /** Results the lifecycle took out (hacked with its evidence, withdrawn, negative), newest first. */
  retired: LifecycleMark[];
}

export interface StandingsInput {
  challenge: Challenge;
  runs: readonly RunRecord[];
  rulings: readonly Ruling[];
  /** Every known submission (slugs without runs are `unbenchmarked`). */
  slugs: readonly string[];
  /** Lifecycle steps from the data branch (absent: every submission is active). */
  lifecycle?: readonly LifecycleEvent[];
}

/** The smallest difference that counts, in tok/s, given the leader's speed. */
export function minEffect(ch: Challenge, leaderEstimate: number): number {
  const e = ch.significance.min_effect;
  return e.kind === "absolute" ? e.value : e.value * leaderEstimate;
}

/** Each slug's standing and best estimate, judged against one leader. */
function judgeEntries(input: StandingsInput, sorted: Replayed, j: Judged): Map<string, Entry> {
  const own = new Map<string, RunRecord[]>();
  const asIncumbent = new Map<string, RunRecord[]>();
  const push = (m: Map<string, RunRecord[]>, k: string, r: RunRecord) => {
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  };
  for (const r of sorted) {
    push(own, r.candidate.slug, r);
    push(asIncumbent, r.incumbent.slug, r);
  }
  const entries = new Map<string, Entry>();
  for (const slug of new Set([...input.slugs, input.challenge.baseline])) {
    const runs = own.get(slug) ?? [];
    const best = bestEstimate(runs, asIncumbent.get(slug) ?? []);
    const evidence = j.unconfirmed.get(slug);
    const retired = j.retired.get(slug);
    entries.set(slug, {
      slug,
      standing: standingOf(slug, runs, best !== undefined, j),
      ...(best ? { best } : {}),
      ...(evidence ? { unconfirmed: evidence } : {}),
      ...(retired ? { lifecycle: retired } : {}),
    });
  }
  return entries;
}

/** Entries that may be ranked: an estimate, and not invalid, failed, unconfirmed (strict: confirmed). */
function rankable(entries: Map<string, Entry>, strict: { confirmed: Set<string>; baseline: string } | null) {
  const banned = new Set<Standing>([
    ...["invalid", "failed", "unconfirmed", "error"],
    ...["negative", "hacked", "withdrawn"],
  ] as Standing[]);
  return [...entries.values()].filter(
    (e) =>
      e.best &&
      !banned.has(e.standing) &&
      (!strict || e.slug === strict.baseline || strict.confirmed.has(e.slug)),
  );
}

/**
 * The board: rank 1 is the leader (decided head to head) with every entry whose latest head-to-head
 * run with the leader (either side) gave `tie` (`versusLeader`; overlapping intervals from separate
 * runs are not a tie). Every other entry gets 1 + the number of entries significantly faster by
 * more than the minimum effect (Chatbot Arena's rule), and never less than 2, since only a
 * head-to-head verdict against the leader can share rank 1. `runs` oldest first.
 */
export function rankAround(
  ch: Challenge,
  entries: readonly Entry[],
  leader: string,
  runs: readonly RunRecord[],
): RankedEntry[] {
  const lead = entries.find((e) => e.slug === leader)?.best;
  const leadEstimate = lead?.estimate ?? Math.max(0, ...entries.map((e) => e.best!.estimate));
  const delta = minEffect(ch, leadEstimate);
  const lows = entries.map((e) => e.best!.ci[0]).sort((a, b) => a - b);
  const ranked = entries.map((e) => {
    const b = e.best!;
    const versus = versusLeader(e.slug, leader, runs);
    const arena = 1 + countAbove(lows, b.ci[1] + delta);
    const rank = sharesLead(versus) ? 1 : Math.max(2, arena);
    const relative = leadEstimate ? b.estimate / leadEstimate - 1 : 0;
    return { slug: e.slug, rank, label: "", estimate: b.estimate, ci: b.ci, relative, versusLeader: versus };
  });
  const leaderFirst = (e: RankedEntry) => (e.slug === leader ? 0 : 1);
  ranked.sort(
    (a, b) =>
      a.rank - b.rank ||
      leaderFirst(a) - leaderFirst(b) ||
      b.estimate - a.estimate ||
      a.slug.localeCompare(b.slug),
  );
  const shared = new Map<number, number>();
  for (const r of ranked) shared.set(r.rank, (shared.get(r.rank) ?? 0) + 1);
  return ranked.map((r) => ({ ...r, label: shared.get(r.rank)! > 1 ? `=${r.rank}` : String(r.rank) }));
}

const newestFirst = (a: { at: string; slug: string }, b: { at: string; slug: string }) =>
  b.at.localeCompare(a.at) || a.slug.localeCompare(b.slug);

/**
 * THE decision: the leader (replayed head to head), each submission's standing and best estimate,
 * the ranked board with the leader's tie group, and the unconfirmed results with their evidence.
 * `strict` keeps confirmed results and the baseline only, with the leader replayed on confirmed
 * claims alone. The lifecycle (hacked, withdrawn, negative; reinstated restores) is honoured by
 * both: such results are never ranked and never lead.
 */
export function decideStandings(input: StandingsInput, o: { strict?: boolean } = {}): Standings {
  const strict = o.strict ?? false;
  const sorted = replayed(input.runs);
  const unconfirmed = unconfirmedIn(sorted);
  const retired = lifecycleMarks(input.lifecycle ?? []);
  const ruled = ruledInvalid(input.rulings);
  const hacked = ruledHacked(input.lifecycle ?? []);
  const lead = leaderIn(input.challenge, sorted, {
    ruledInvalid: ruled,
    unconfirmed,
    retired,
    hacked,
    strict,
  });
  const entries = judgeEntries(input, sorted, {
    ruledInvalid: ruled,
    unconfirmed,
    retired,
    leader: lead.slug,
  });
  const scope = strict ? { confirmed: confirmedIn(sorted), baseline: input.challenge.baseline } : null;
  const ranking = rankAround(input.challenge, rankable(entries, scope), lead.slug, sorted);
  const tieGroup = ranking.filter((r) => r.rank === 1).map((r) => r.slug);
  return {
    leader: { ...lead, tieGroup: tieGroup.includes(lead.slug) ? tieGroup : [lead.slug, ...tieGroup] },
    entries,
    ranking,
    unconfirmed: [...unconfirmed.values()].sort(newestFirst),
    retired: [...retired.values()].sort(newestFirst),
  };
}

/**
 * The recorded run whose commit a submission that is not on the default branch is benchmarked at
 * as an incumbent: for the leader, the run that gave it the lead; for any other submission, the
 * clean run its best estimate comes from. Both are decided by the standings above, so a later run
 * of the same slug (failed, invalid, errored, or forged with another commit) never changes which
 * code defends the lead. Undefined when no such run names a commit.
 */
export function standingRun(input: Omit<StandingsInput, "slugs">, slug: string): RunRecord | undefined {
  const s = decideStandings({ ...input, slugs: [slug] });
  const id = s.leader.slug === slug ? s.leader.run : s.entries.get(slug)?.best?.run;
  const run = input.runs.find((r) => r.id === id);
  return run && run.candidate.slug === slug && run.candidate.commit ? run : undefined;
}

/** Runs an incumbent's engine broke before its leader is flagged for an organizer's ruling. */
export const INCUMBENT_FAILURES_FLAG = 3;

/**
 * Errors each incumbent caused as the opponent (a leader that misbehaves only once it leads cannot
 * be challenged otherwise), and whether the current leader reached INCUMBENT_FAILURES_FLAG and must
 * be ruled on. Pure.
 */
export function incumbentFailures(
  challenge: Challenge,
  runs: readonly RunRecord[],
  rulings: readonly Ruling[],
): { counts: Map<string, number>; leader: string; flagged: boolean } {
  const counts = new Map<string, number>();
  for (const r of runs)
    if (r.status === "error" && r.failedArm === "incumbent")
      counts.set(r.incumbent.slug, (counts.get(r.incumbent.slug) ?? 0) + 1);
  const leader = currentLeader(challenge, runs, rulings).slug;
  return { counts, leader, flagged: (counts.get(leader) ?? 0) >= INCUMBENT_FAILURES_FLAG };
}
