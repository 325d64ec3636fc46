/** An entry on the leaderboard with its speed estimate and confidence interval (tok/s). */
export interface RankInput {
  id: string;
  estimate: number;
  ci: [number, number];
}

export interface Ranked extends RankInput {
  rank: number;
  label: string; // "1", "=1", "3"
  tiedWith: string[]; // up to 20 others sharing the rank
}

/**
 * rank_i = 1 + #{ j : lower_j > upper_i + δ } — Chatbot Arena's rule with a minimum effect: an
 * entry is only ranked below those that are significantly faster by more than δ, so overlapping
 * entries share a rank. Sorted by rank, then estimate.
 */
export function rankWithUncertainty(entries: readonly RankInput[], delta: number): Ranked[] {
  // An entry never beats itself: its lower bound is at most its upper bound.
  const lows = entries.map((e) => e.ci[0]).sort((a, b) => a - b);
  const above = (x: number) => countAbove(lows, x);
  const ranked = entries.map((e) => ({ ...e, rank: 1 + above(e.ci[1] + delta) }));
  ranked.sort((a, b) => a.rank - b.rank || b.estimate - a.estimate || a.id.localeCompare(b.id));
  const byRank = new Map<number, string[]>();
  for (const e of ranked) {
    const g = byRank.get(e.rank);
    if (g) g.push(e.id);
    else byRank.set(e.rank, [e.id]);
  }
  return ranked.map((e) => {
    const group = byRank.get(e.rank)!;
    return {
      ...e,
      label: group.length > 1 ? `=${e.rank}` : String(e.rank),
      tiedWith: group.length > 1 ? group.filter((id) => id !== e.id).slice(0, 20) : [],
    };
  });
}

/**
 * How many of the ascending `sorted` values exceed x: a binary search, so ranking 10,000 entries
 * (each against every other's lower bound) is O(n log n), not O(n²).
 */
export function countAbove(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return sorted.length - lo;
}
