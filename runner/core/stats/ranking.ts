/** An entry on the leaderboard with its speed estimate and confidence interval (tok/s). */
export interface RankInput {
  id: string;
  estimate: number;
  ci: [number, number];
}

export interface Ranked extends RankInput {
  rank: number;
  label: string; // "1", "=1", "3"
  tiedWith: string[];
}

/**
 * rank_i = 1 + #{ j : lower_j > upper_i + δ } — Chatbot Arena's rule with a minimum effect: an
 * entry is only ranked below those that are significantly faster by more than δ, so overlapping
 * entries share a rank. Sorted by rank, then estimate.
 */
export function rankWithUncertainty(entries: readonly RankInput[], delta: number): Ranked[] {
  const ranked = entries.map((e) => ({ ...e, rank: 1 + entries.filter((o) => o.id !== e.id && o.ci[0] > e.ci[1] + delta).length }));
  ranked.sort((a, b) => a.rank - b.rank || b.estimate - a.estimate || a.id.localeCompare(b.id));
  return ranked.map((e) => {
    const tiedWith = ranked.filter((o) => o.rank === e.rank && o.id !== e.id).map((o) => o.id);
    return { ...e, label: tiedWith.length ? `=${e.rank}` : String(e.rank), tiedWith };
  });
}
