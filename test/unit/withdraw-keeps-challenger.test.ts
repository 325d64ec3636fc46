// Regression (red team A5): withdrawing an overtaken leader must not erase the win of the challenger
// that beat it; a retired entry is dropped as a leader, not as a past incumbent.
import { describe, expect, it } from "vitest";
import { decideLifecycle } from "../../runner/core/github/lifecycle.ts";
import { decideStandings } from "../../runner/core/standings.ts";
import type { RunRecord } from "../../runner/core/schema/run-record.ts";
import { ALICE, challenge, NOW, origin, participants, runRecord, SHA } from "../fakes/bot-fixtures.ts";

const run = (id: string, cand: string, inc: string, hour: number, pr: number): RunRecord =>
  runRecord("faster", {
    id,
    pr,
    candidate: { slug: cand, commit: SHA },
    incumbent: { slug: inc },
    finishedAt: `2026-01-1${hour}T12:00:00.000Z`,
  });

function withdraw(slug: string, pr: number) {
  const d = decideLifecycle({
    origin: origin(ALICE, { issue: pr, commentId: 8001 }),
    command: { kind: "lifecycle", action: "withdraw", reason: "superseded" },
    pull: { number: pr, state: "open", user: ALICE, headSha: SHA },
    files: [{ filename: `submissions/${slug}/submission.yaml`, status: "added" }],
    state: { reservations: [] },
    challenge: challenge(),
    participants: participants(),
    knownSlugs: ["baseline"],
    now: NOW,
  });
  if (d.kind !== "record") throw new Error(JSON.stringify(d));
  return d.event;
}

const slugs = ["baseline", "a", "b", "c", "d"];
const standings = (runs: RunRecord[], lifecycle = [withdraw("a", 6)]) =>
  decideStandings({ challenge: challenge(), runs, rulings: [], slugs, lifecycle });

describe("/withdraw of an overtaken leader (A5)", () => {
  it("keeps the challenger that beat it as leader", () => {
    const runs = [run("r1", "b", "baseline", 1, 5), run("r2", "a", "b", 2, 6), run("r3", "c", "a", 3, 9)];
    expect(standings(runs, []).leader.slug).toBe("c");
    const after = standings(runs);
    expect(after.leader.slug).toBe("c");
    expect([...after.entries.values()].find((e) => e.slug === "a")?.standing).not.toBe("leader");
  });

  it("withdrawing the leader itself hands the lead back to the one it beat, and runs against that one count", () => {
    const runs = [run("r1", "b", "baseline", 1, 5), run("r2", "a", "b", 2, 6)];
    expect(standings(runs).leader.slug).toBe("b");
    expect(standings([...runs, run("r3", "d", "b", 3, 9)]).leader.slug).toBe("d");
  });
});
