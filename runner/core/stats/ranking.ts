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
  // Count entries whose lower bound exceeds a threshold by binary search over sorted lower bounds:
  // O(n log n), so a leaderboard of 10,000 entries ranks instantly. (An entry never beats itself:
  // its lower bound is at most its upper bound.)
  const lows = entries.map((e) => e.ci[0]).sort((a, b) => a - b);
  const above = (x: number) => {
    let lo = 0;
    let hi = lows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (lows[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lows.length - lo;
  };
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
