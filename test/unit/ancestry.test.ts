import { describe, expect, it } from "vitest";
import { parseRevListParents, submissionAncestry } from "../../runner/core/ancestry.ts";

/**
 * The commit graph (oldest at the bottom), written as `git rev-list --parents` prints it:
 *
 *   m4  merge of PR b (b2) into main          main: m0 - m1 - m2 - m3 - m4
 *   m3  adds nothing                          side branch s1 (adds "side") merged at m2
 *   m2  merge of s1                           PR a: a1 (adds "a") forked at m1
 *   m1, m0                                    PR b: b1 (adds "b") on top of a1, then b2; merged at m4
 *                                             PR c: c1 (adds "c") forked at m3, after side was merged
 */
const GRAPH = parseRevListParents(
  [
    "m4 m3 b2",
    "m3 m2",
    "m2 m1 s1",
    "s1 m0",
    "m1 m0",
    "m0",
    "a1 m1",
    "b2 b1",
    "b1 a1",
    "c1 m3",
    "z9 m0", // a PR never merged, built on nothing
  ].join("\n"),
);
const ADDED_BY = new Map([
  ["s1", "side"],
  ["a1", "a"],
  ["b1", "b"],
  ["c1", "c"],
]);

describe("submission ancestry on the commit graph", () => {
  const edges = (tips: Record<string, string>) =>
    submissionAncestry({ parents: GRAPH, head: "m4" }, new Map(Object.entries(tips)), ADDED_BY);

  it("a PR built on another PR's branch descends from it, even after both are merged", () => {
    expect(edges({ b: "b2" })).toEqual([{ parent: "a", child: "b" }]);
  });

  it("a PR forked from a main that already had a submission does not descend from it", () => {
    expect(edges({ c: "c1" })).toEqual([]);
  });

  it("a side branch merged before the fork is the fork's, not the PR's", () => {
    expect(edges({ a: "a1", c: "c1", side: "s1" })).toEqual([]);
  });

  it("tips the repository lacks are skipped, and a submission never descends from itself", () => {
    expect(edges({ x: "missing", b: "b1" })).toEqual([{ parent: "a", child: "b" }]);
    expect(edges({ a: "a1" })).toEqual([]);
  });

  it("commits the default branch never reached are the tip's own", () => {
    const g = parseRevListParents("m0\nq2 q1\nq1 s1\ns1 m0");
    const r = submissionAncestry({ parents: g, head: "m0" }, new Map([["q", "q2"]]), ADDED_BY);
    // q2's first-parent chain is q2, q1, s1, m0: m0 is on the main line, so s1 is its own.
    expect(r).toEqual([{ parent: "side", child: "q" }]);
  });
});
