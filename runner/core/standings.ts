import type { Challenge } from "./schema/challenge.ts";
import type { Ruling } from "./schema/data.ts";
import type { RunRecord } from "./schema/run-record.ts";

/** Latest ruling per slug wins; `invalid` removes a submission from the standings. */
export function invalidSlugs(rulings: readonly Ruling[]): Map<string, Ruling> {
  const latest = new Map<string, Ruling>();
  for (const r of [...rulings].sort((a, b) => a.at.localeCompare(b.at))) latest.set(r.slug, r);
  return new Map([...latest].filter(([, r]) => r.decision === "invalid"));
}

/** A run can move the lead only if it is clean: ok, faster, quality passed, not failed confirmation. */
export function claimsLead(r: RunRecord, strict = false): boolean {
  return (
    r.status === "ok" &&
    r.comparison?.verdict === "faster" &&
    (r.quality.candidate?.ok ?? false) &&
    r.confirmation.status !== "failed" &&
    (!strict || r.confirmation.status === "confirmed")
  );
}

/**
 * The current leader, replayed from history: the baseline leads first; a clean `faster` verdict
 * against the leader of the moment hands over the lead. Ruled-invalid submissions are skipped, and
 * a run against one of them is re-read as a run against whoever led instead only if it was run
 * against that leader (otherwise it cannot move the lead). Ties keep the incumbent.
 */
export function currentLeader(
  challenge: Challenge,
  runs: readonly RunRecord[],
  rulings: readonly Ruling[],
  strict = false,
): { slug: string; since?: string; run?: string; history: { slug: string; at: string; run: string }[] } {
  const invalid = invalidSlugs(rulings);
  let leader = challenge.baseline;
  const history: { slug: string; at: string; run: string }[] = [];
  const sorted = [...runs].sort(
    (a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.id.localeCompare(b.id),
  );
  for (const r of sorted) {
    if (invalid.has(r.candidate.slug)) continue;
    if (r.incumbent.slug !== leader) continue;
    if (claimsLead(r, strict)) {
      leader = r.candidate.slug;
      history.push({ slug: leader, at: r.finishedAt, run: r.id });
    }
  }
  const last = history.at(-1);
  return { slug: leader, ...(last ? { since: last.at, run: last.run } : {}), history };
}
