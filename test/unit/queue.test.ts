import { describe, expect, it } from "vitest";
import { queueState } from "../../runner/core/queue.ts";
import type { Reservation } from "../../runner/core/schema/data.ts";

const NOW = new Date("2026-01-15T12:00:00Z");
const res = (id: string, at: string, pr = 1): Reservation => ({
  version: 1,
  id,
  at,
  requester: { id: 1, login: "alice" },
  owner: { id: 2, login: "owner" },
  pr,
  author: "alice",
  slug: `s-${id}`,
  sha: "a".repeat(40),
  against: "baseline",
  organizer: false,
});
const run = (id: string, startedAt: string, finishedAt: string) => ({ id, startedAt, finishedAt });

describe("queueState", () => {
  it("pending = reserved without a result, oldest first, with an ETA from the median recent duration", () => {
    const q = queueState(
      {
        reservations: [
          res("c", "2026-01-15T11:50:00Z", 3),
          res("a", "2026-01-15T11:00:00Z", 1),
          res("b", "2026-01-15T11:30:00Z", 2),
        ],
        runs: [
          run("a", "2026-01-15T11:00:00Z", "2026-01-15T11:20:00Z"),
          run("old1", "2026-01-14T10:00:00Z", "2026-01-14T10:10:00Z"),
          run("old2", "2026-01-14T11:00:00Z", "2026-01-14T11:30:00Z"),
        ],
      },
      NOW,
      1,
    );
    expect(q.typicalMinutes).toBe(20); // median of 20, 10, 30
    expect(q.entries.map((e) => [e.id, e.position])).toEqual([
      ["b", 1],
      ["c", 2],
    ]);
    expect(q.entries[0]!.eta).toBe("2026-01-15T12:20:00.000Z");
    expect(q.entries[1]!.eta).toBe("2026-01-15T12:40:00.000Z");
  });

  it("fans out over the runner pool, drops lost dispatches, and gives no ETA without history", () => {
    const reservations = [1, 2, 3].map((i) => res(`r${i}`, `2026-01-15T11:0${i}:00Z`));
    const q = queueState(
      { reservations: [...reservations, res("lost", "2026-01-14T08:00:00Z")], runs: [] },
      NOW,
      2,
    );
    expect(q.entries.map((e) => e.id)).toEqual(["r1", "r2", "r3"]);
    expect(q.entries.every((e) => e.eta === undefined)).toBe(true);
    const timed = queueState(
      { reservations, runs: [run("x", "2026-01-15T10:00:00Z", "2026-01-15T10:10:00Z")] },
      NOW,
      2,
    );
    expect(timed.entries.map((e) => e.eta)).toEqual([
      "2026-01-15T12:10:00.000Z",
      "2026-01-15T12:10:00.000Z",
      "2026-01-15T12:20:00.000Z",
    ]);
  });
});
