import type { Reservation } from "./schema/data.ts";
import type { RunRecord } from "./schema/run-record.ts";

/**
 * The evaluation queue, derived from the data branch: a reservation with no run record yet is
 * pending. Used by the queued comment (position and ETA) and by the site's queue page and
 * `api/queue.json`. Pure.
 */

export interface QueueEntry {
  id: string;
  pr: number;
  slug: string;
  against: string;
  requester: string;
  at: string;
  /** 1 = next to run (or running). */
  position: number;
  /** Expected time of the verdict, from recent run durations; absent without history. */
  eta?: string;
}

export interface QueueState {
  entries: QueueEntry[];
  /** Median minutes from request to verdict over recent runs; null before any run. */
  typicalMinutes: number | null;
  /** Evaluations that can run at once (the runner pool). */
  slots: number;
}

/** Requests older than this with no result are treated as lost dispatches, not as queued. */
export const STALE_AFTER_HOURS = 12;

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Minutes from request to verdict of the most recent `window` runs. */
function recentMinutes(runs: readonly Pick<RunRecord, "startedAt" | "finishedAt">[], window = 20): number[] {
  return [...runs]
    .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt))
    .slice(0, window)
    .map((r) => (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 60_000)
    .filter((m) => Number.isFinite(m) && m >= 0);
}

export function queueState(
  state: {
    reservations: readonly Reservation[];
    runs: readonly Pick<RunRecord, "id" | "startedAt" | "finishedAt">[];
  },
  now: Date,
  slots = 1,
): QueueState {
  const done = new Set(state.runs.map((r) => r.id));
  const cutoff = now.getTime() - STALE_AFTER_HOURS * 3_600_000;
  const pending = state.reservations
    .filter((r) => !done.has(r.id) && Date.parse(r.at) >= cutoff)
    .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  const typical = median(recentMinutes(state.runs));
  const entries = pending.map((r, i) => {
    const position = i + 1;
    const waves = Math.ceil(position / Math.max(1, slots));
    const eta =
      typical === null ? undefined : new Date(now.getTime() + waves * typical * 60_000).toISOString();
    return {
      id: r.id,
      pr: r.pr,
      slug: r.slug,
      against: r.against,
      requester: r.requester.login,
      at: r.at,
      position,
      ...(eta ? { eta } : {}),
    };
  });
  return { entries, typicalMinutes: typical, slots: Math.max(1, slots) };
}
