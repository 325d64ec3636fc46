import { describe, expect, it } from "vitest";
import { renderLifecycleComment } from "../../runner/core/github/comment.ts";
import {
  decideLifecycle,
  lifecycleStatus,
  submissionHistory,
  type LifecycleInput,
} from "../../runner/core/github/lifecycle.ts";
import type { LifecycleEvent } from "../../runner/core/schema/data.ts";
import { expectGolden } from "../golden.ts";
import {
  ALICE,
  BOB,
  challenge,
  MALLORY,
  NOW,
  openPull,
  ORGA,
  origin,
  participants,
  reservation,
  submissionFiles,
} from "../fakes/bot-fixtures.ts";

function input(o: Partial<LifecycleInput> = {}): LifecycleInput {
  return {
    origin: origin(ALICE),
    command: { kind: "lifecycle", action: "negative", reason: "int3 KV cache: quality collapses" },
    pull: openPull(),
    files: submissionFiles(),
    state: { reservations: [], lifecycle: [] },
    challenge: challenge(),
    participants: participants(),
    knownSlugs: ["baseline"],
    now: NOW,
    ...o,
  };
}

/** A step already on the data branch, `minutesAgo` before NOW. */
function step(
  status: LifecycleEvent["status"],
  minutesAgo: number,
  o: Partial<LifecycleEvent> = {},
): LifecycleEvent {
  const at = new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
  return {
    version: 1,
    id: `s-${status}-${minutesAgo}`,
    at,
    slug: "q8",
    pr: 7,
    status,
    reason: "",
    by: ALICE,
    commentId: minutesAgo,
    ...o,
  };
}

const organizer = (action: "hacked" | "reinstate", reason = "reads the reference outputs") =>
  input({ origin: origin(ORGA, { association: "OWNER" }), command: { kind: "lifecycle", action, reason } });

describe("decideLifecycle: who may take a step", () => {
  it("the PR's author logs a negative result, recorded with its reason and id", () => {
    expect(decideLifecycle(input())).toMatchObject({
      kind: "record",
      event: { slug: "q8", pr: 7, status: "negative", reason: "int3 KV cache: quality collapses", by: ALICE },
    });
  });

  it("refuses an impostor using the author's login with another numeric id", () => {
    const impostor = origin({ id: 4242, login: "alice" });
    expect(decideLifecycle(input({ origin: impostor }))).toMatchObject({
      kind: "refuse",
      reason: /@alice is not a registered participant.*Only the author of PR #7 can `\/negative`/,
    });
  });

  it("refuses another participant and a stranger, on /negative and /withdraw alike", () => {
    const withdraw = { kind: "lifecycle" as const, action: "withdraw" as const, reason: "" };
    for (const who of [BOB, MALLORY])
      for (const command of [input().command, withdraw])
        expect(decideLifecycle(input({ origin: origin(who), command }))).toMatchObject({ kind: "refuse" });
  });

  it("a co-author credited in the manifest may, if registered under that login with that id", () => {
    expect(decideLifecycle(input({ origin: origin(BOB), credited: ["bob"] }))).toMatchObject({
      kind: "record",
    });
    const renamed = origin({ id: 4343, login: "bob" });
    expect(decideLifecycle(input({ origin: renamed, credited: ["bob"] }))).toMatchObject({ kind: "refuse" });
  });

  it("hacked and reinstate: organizers only, with write access and the pinned id", () => {
    expect(decideLifecycle(organizer("hacked"))).toMatchObject({
      kind: "record",
      event: { status: "hacked" },
    });
    const refusals = [
      origin(ALICE, { association: "OWNER" }),
      origin(ORGA, { association: "CONTRIBUTOR" }),
      origin({ id: 555, login: "orga" }, { association: "OWNER" }),
    ].map((o) => decideLifecycle({ ...organizer("hacked"), origin: o }));
    for (const r of refusals)
      expect(r).toMatchObject({ kind: "refuse", reason: /only the challenge's organizers/ });
  });

  it("an organizer without a pinned id is told how to pin it", () => {
    const file = {
      ...participants(),
      participants: participants().participants.filter((p) => p.id !== ORGA.id),
    };
    expect(decideLifecycle({ ...organizer("hacked"), participants: file })).toMatchObject({
      kind: "refuse",
      reason:
        /organizer `orga` has no pinned numeric id\. Pin it in challenge\/participants\.yaml.*id: 1, login: orga/,
    });
  });
});

describe("decideLifecycle: which PR, which status, replays", () => {
  it("refuses a step on a PR that only touches a submission another PR owns", () => {
    // Bob (registered) opened PR #9 adding q8 after alice's PR #7 did: the API's creation times decide.
    const claims = [
      { pr: 9, createdAt: "2026-01-15T09:00:00Z" },
      { pr: 7, createdAt: "2026-01-15T08:00:00Z" },
    ];
    const hijack = input({ origin: origin(BOB, { issue: 9 }), pull: openPull(9, BOB), claims });
    expect(decideLifecycle(hijack)).toMatchObject({
      kind: "refuse",
      reason: /^`q8` belongs to PR #7, which added its folder first \(opened 2026-01-15T08:00:00Z\)/,
    });
    // A reservation made earlier on the squatting PR moves nothing.
    const state = { reservations: [reservation("r1", BOB, 2, { pr: 9 })], lifecycle: [] };
    expect(decideLifecycle({ ...hijack, state })).toMatchObject({ kind: "refuse" });
    const onMain = input({ files: submissionFiles("baseline") });
    expect(decideLifecycle(onMain)).toMatchObject({
      kind: "refuse",
      reason: /`baseline` is a merged submission and @alice is not one of its authors/,
    });
  });

  it("a replayed comment id resolves to the step it made, nothing new", () => {
    const earlier = step("negative", 5, { commentId: 3001 });
    const d = decideLifecycle(input({ state: { reservations: [], lifecycle: [earlier] } }));
    expect(d).toEqual({ kind: "redelivered", event: earlier, history: [earlier] });
  });

  it("follows the status machine: a hacked result cannot be withdrawn or relabelled, only reinstated", () => {
    const hacked = { reservations: [], lifecycle: [step("negative", 9), step("hacked", 5)] };
    const withdraw = { kind: "lifecycle" as const, action: "withdraw" as const, reason: "" };
    expect(decideLifecycle(input({ state: hacked, command: withdraw }))).toMatchObject({
      kind: "refuse",
      reason: /ruled hacked; only an organizer's `\/rule reinstate`/,
    });
    expect(decideLifecycle(input({ state: hacked }))).toMatchObject({ kind: "refuse" });
    const reinstate = decideLifecycle({ ...organizer("reinstate", ""), state: hacked });
    expect(reinstate).toMatchObject({ kind: "record", event: { status: "reinstated" } });
    expect(decideLifecycle(organizer("reinstate", ""))).toMatchObject({
      kind: "refuse",
      reason: /it is active/,
    });
    const twice = { reservations: [], lifecycle: [step("negative", 5)] };
    expect(decideLifecycle(input({ state: twice }))).toMatchObject({
      kind: "refuse",
      reason: /it is negative/,
    });
    expect(decideLifecycle(input({ state: twice, command: withdraw }))).toMatchObject({ kind: "record" });
  });

  it("submissionHistory orders a slug's steps by time and lifecycleStatus reads the last one", () => {
    const steps = [
      step("reinstated", 1),
      step("negative", 30),
      step("hacked", 10),
      step("withdrawn", 5, { slug: "q4" }),
    ];
    const history = submissionHistory({ lifecycle: steps }, "q8");
    expect(history.map((e) => e.status)).toEqual(["negative", "hacked", "reinstated"]);
    expect(lifecycleStatus(history)).toBe("active");
    expect(lifecycleStatus(history.slice(0, 2))).toBe("hacked");
    expect(lifecycleStatus(submissionHistory({ lifecycle: steps }, "q4"))).toBe("withdrawn");
    expect(submissionHistory({}, "q8")).toEqual([]);
  });
});

describe("lifecycle comments", () => {
  it("negative, hacked with markup in the reason, reinstated: goldens", () => {
    const negative = step("negative", 30, { reason: "int3 KV cache: greedy match fell to 41%" });
    const hacked = step("hacked", 10, {
      by: ORGA,
      reason: "<!-- velodrome:json:verdict {} --> @everyone [click](javascript:alert(1)) <sub>x</sub>",
    });
    const reinstated = step("reinstated", 1, { by: ORGA, reason: "false alarm" });
    expectGolden("comments/lifecycle-negative.md", renderLifecycleComment(negative, [negative]));
    const hackedBody = renderLifecycleComment(hacked, [negative, hacked]);
    const visible = hackedBody.replace(/<!-- velodrome:json:lifecycle .* -->/s, "");
    expect(visible).not.toMatch(/<!-- velodrome:json:verdict|<sub>|@everyone|\]\(javascript/);
    expect(hackedBody.match(/-->/g)).toHaveLength(2); // the marker's and the twin's own ends only
    expectGolden("comments/lifecycle-hacked.md", hackedBody);
    expectGolden(
      "comments/lifecycle-reinstated.md",
      renderLifecycleComment(reinstated, [negative, hacked, reinstated]),
    );
  });
});
