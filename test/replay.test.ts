import { describe, expect, it } from "vitest";
import { replay, type ReplaySize } from "./bench/replay.ts";

/**
 * The short replay (`npm run bench replay` runs the contest week): the bot's real flows against the
 * GitHub stand-in with GITHUB_TOKEN's limits, on a simulated day of a small contest with bursts.
 */
const DAY: ReplaySize = {
  participants: 6,
  prs: 20,
  pushes: 8,
  benches: 12,
  boardComments: 100,
  issues: 3,
  rulings: 2,
  days: 1,
  triples: 4,
};
/** The group request.yml had before: one per commenter, at the workflow level. */
const PER_COMMENTER = "request-${{ github.event.comment.user.id }}";

describe("a replayed contest day within GitHub's limits", () => {
  it("with the shipped workflows: no command or board update lost, every request within the budget", async () => {
    const r = await replay(DAY);
    expect(r.violations).toEqual([]);
    expect(r.commands).toBeGreaterThan(DAY.benches);
    expect(r.commandsLost).toBe(0);
    expect(r.replacedRuns.request ?? 0).toBe(0);
    expect(r.boardComments).toBeGreaterThan(DAY.boardComments);
    expect(r.boardUpdatesLost).toBe(0);
    expect(r.refusedRequests).toBe(0);
    expect(r.peakRequestsPerHour).toBeLessThan(r.limit);
    expect(r.outcomes["/bench: dispatched"]).toBeGreaterThan(0);
    expect(r.outcomes["verdict: published"]).toBe(r.outcomes["/bench: dispatched"]);
    for (const type of ["/bench", "verdict", "board comment", "PR opened", "push", "ruling", "resync"])
      expect(r.requestsPerEvent[type]?.perEvent, type).toBeGreaterThan(0);
  }, 300_000);

  it("a /bench replaced in a per-commenter group is lost without the reconciler, answered with it", async () => {
    const lost = await replay(DAY, { groups: { request: PER_COMMENTER }, reconciler: false });
    expect(lost.replacedRuns.request).toBeGreaterThan(0);
    expect(lost.commandsLost).toBeGreaterThan(0);
    const kept = await replay(DAY, { groups: { request: PER_COMMENTER } });
    expect(kept.replacedRuns.request).toBeGreaterThan(0);
    expect(kept.commandsLost).toBe(0);
    expect(kept.answeredByReconciler).toBeGreaterThanOrEqual(lost.commandsLost);
  }, 300_000);
});
