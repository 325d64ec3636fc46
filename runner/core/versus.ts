import type { RunRecord } from "./schema/run-record.ts";
import type { Verdict } from "./stats/compare.ts";

/**
 * One meaning of "how does this submission compare": a run seen from one of its two submissions,
 * and what is known about an entry against the leader. Every page and JSON twin reads these, so a
 * rank of "=1" and the words "tied with the leader" always rest on a head-to-head verdict.
 */

const FLIPPED: Record<Verdict, Verdict> = {
  faster: "slower",
  slower: "faster",
  tie: "tie",
  unresolved: "unresolved",
  inconclusive: "inconclusive",
};

/** A run as one of its submissions sees it: its role, its opponent, and the verdict for it. */
export interface SeenRun {
  role: "candidate" | "incumbent";
  opponent: string;
  /** The verdict from this submission's side ("slower" for an incumbent the candidate beat). */
  verdict: Verdict | null;
  /** This submission's speed minus its opponent's in that run (tok/s), and its interval. */
  estimate: number | null;
  ci: [number, number] | null;
}

/**
 * The run from `slug`'s side, or undefined when the run says nothing about it: a run in which it was
 * the incumbent and the candidate's run failed (invalid, error…) is the candidate's failure, not its.
 */
export function seenBy(r: RunRecord, slug: string): SeenRun | undefined {
  const c = r.comparison;
  if (r.candidate.slug === slug)
    return {
      role: "candidate",
      opponent: r.incumbent.slug,
      verdict: c?.verdict ?? null,
      estimate: c?.estimate ?? null,
      ci: c?.ci ?? null,
    };
  if (r.incumbent.slug !== slug || r.status !== "ok") return undefined;
  return {
    role: "incumbent",
    opponent: r.candidate.slug,
    verdict: c ? FLIPPED[c.verdict] : null,
    estimate: c ? -c.estimate : null,
    ci: c ? [-c.ci[1], -c.ci[0]] : null,
  };
}

/** What is known about an entry against the leader, from its latest head-to-head run with it. */
export type VersusLeader =
  | { kind: "leader" }
  | { kind: "not-compared" }
  | {
      kind: "compared";
      verdict: Verdict;
      run: string;
      at: string;
      estimate: number;
      ci: [number, number];
      /** The interval's confidence (0.95) and the paired blocks the verdict rests on. */
      confidence: number;
      blocks: number;
    };

/**
 * The latest clean run between `slug` and `leader`, in either direction (the same paired design),
 * read from `slug`'s side. Runs come oldest first. A run whose candidate failed decides nothing.
 */
export function versusLeader(slug: string, leader: string, runs: readonly RunRecord[]): VersusLeader {
  if (slug === leader) return { kind: "leader" };
  let last: VersusLeader = { kind: "not-compared" };
  for (const r of runs) {
    const [a, b] = [r.candidate.slug, r.incumbent.slug];
    if (!((a === slug && b === leader) || (a === leader && b === slug))) continue;
    if (r.status !== "ok" || !r.comparison || !(r.quality.candidate?.ok ?? false)) continue;
    const seen = seenBy(r, slug)!;
    last = {
      kind: "compared",
      verdict: seen.verdict!,
      run: r.id,
      at: r.finishedAt,
      estimate: seen.estimate!,
      ci: seen.ci!,
      confidence: r.comparison.confidence,
      blocks: r.comparison.blocks,
    };
  }
  return last;
}

/** Shares rank 1 with the leader: the leader itself, or a head-to-head `tie` verdict with it. */
export const sharesLead = (v: VersusLeader) =>
  v.kind === "leader" || (v.kind === "compared" && v.verdict === "tie");

const AGAINST: Record<Verdict, string> = {
  faster: "faster than the leader, not leading (confirmation pending or failed)",
  slower: "slower than the leader",
  tie: "tied with the leader",
  unresolved: "unresolved against the leader",
  inconclusive: "inconclusive against the leader (more blocks pending)",
};

/** The relation in words, the same on every page: "tied with the leader", "not yet compared…". */
export function versusLeaderText(v: VersusLeader): string {
  if (v.kind === "leader") return "the leader";
  if (v.kind === "not-compared") return "not yet compared with the leader";
  return AGAINST[v.verdict];
}

const PHRASE: Record<Verdict, string> = {
  faster: "faster than",
  slower: "slower than",
  tie: "tied with",
  unresolved: "unresolved against",
  inconclusive: "inconclusive against",
};

/** A verdict against an opponent in words: "faster than q8", "unresolved against q8". */
export const verdictPhrase = (v: Verdict, opponent: string) => `${PHRASE[v]} ${opponent}`;

/** The leader's margin over the runner-up, from the leader's side, and the run that measured it. */
export interface LeadMargin {
  runnerUp: string;
  verdict: Verdict;
  estimate: number;
  ci: [number, number];
  confidence: number;
  blocks: number;
  run: string;
  at: string;
}

/**
 * The runner-up is the best-ranked entry compared head to head with the leader (ranking in board
 * order); undefined while nobody has been. Its verdict and interval are turned to the leader's side.
 */
export function leadMargin(
  ranking: readonly { slug: string; versusLeader: VersusLeader }[],
): LeadMargin | undefined {
  for (const e of ranking) {
    const v = e.versusLeader;
    if (v.kind !== "compared") continue;
    return {
      runnerUp: e.slug,
      verdict: FLIPPED[v.verdict],
      estimate: -v.estimate,
      ci: [-v.ci[1], -v.ci[0]],
      confidence: v.confidence,
      blocks: v.blocks,
      run: v.run,
      at: v.at,
    };
  }
  return undefined;
}
