import { describe, expect, it } from "vitest";
import { decideBench, type BenchInput } from "../../runner/core/github/bench.ts";
import type { RunRecord } from "../../runner/core/schema/run-record.ts";
import {
  ALICE,
  BOB,
  CAROL,
  challenge,
  MALLORY,
  NOW,
  openPull,
  ORGA,
  origin,
  participants,
  reservation,
  runRecord,
  SHA,
  submissionFiles,
} from "../fakes/bot-fixtures.ts";

function input(o: Partial<BenchInput> = {}): BenchInput {
  return {
    origin: origin(),
    command: { kind: "bench" },
    pull: openPull(),
    files: submissionFiles(),
    state: { runs: [], reservations: [], rulings: [] },
    challenge: challenge(),
    participants: participants(),
    knownSlugs: ["baseline"],
    validation: { ok: true, problems: [] },
    now: NOW,
    ...o,
  };
}

describe("decideBench", () => {
  it("the author's /bench: a charged reservation against the baseline and the workflow inputs", () => {
    const d = decideBench(input({ command: { kind: "bench", blocks: 4 } }));
    expect(d).toMatchObject({ kind: "dispatch", pooled: false, organizer: false });
    if (d.kind !== "dispatch") return;
    expect(d.reservation).toEqual({
      version: 1,
      id: "2026-01-15-pr7-c3001",
      at: NOW.toISOString(),
      requester: ALICE,
      owner: { id: 900, login: "alice-owner" },
      pr: 7,
      author: "alice",
      slug: "q8",
      sha: SHA,
      against: "baseline",
      blocks: 4,
      organizer: false,
    });
    expect(d.inputs).toEqual({
      run_id: "2026-01-15-pr7-c3001",
      pr: "7",
      sha: SHA,
      slug: "q8",
      against: "baseline",
      blocks: "4",
    });
    expect(d.quota).toMatchObject({ ok: true, agentUsed: 0, agentLimit: 3 });
  });

  it("refuses --blocks below the challenge's minimum: no re-rolling a low-power design until noise says faster", () => {
    const long = decideBench(input({ command: { kind: "bench", blocks: 32 } }));
    expect(long).toMatchObject({
      kind: "refuse",
      reason: /above this challenge's last planned look \(4 blocks\)/,
    });
    const low = decideBench(input({ command: { kind: "bench", blocks: 2 } }));
    expect(low).toMatchObject({ kind: "refuse", reason: /below this challenge's minimum of 4 blocks/ });
    const ch = challenge();
    const lower = { ...ch, significance: { ...ch.significance, min_blocks: 2 } };
    expect(decideBench(input({ command: { kind: "bench", blocks: 2 }, challenge: lower }))).toMatchObject({
      kind: "dispatch",
    });
  });

  it("refuses a closed PR, a PR outside submissions/, and a PR with two submissions", () => {
    expect(decideBench(input({ pull: { ...openPull(), state: "closed" } }))).toEqual({
      kind: "refuse",
      reason: "this pull request is closed.",
    });
    const outside = decideBench(
      input({ files: [...submissionFiles(), { filename: "runner/x.ts", status: "added" }] }),
    );
    expect(outside).toMatchObject({ kind: "refuse", reason: /changes `runner\/x.ts`, outside submissions/ });
    const two = decideBench(input({ files: [...submissionFiles("a"), ...submissionFiles("b")] }));
    expect(two).toMatchObject({
      kind: "refuse",
      reason: /exactly one submission folder, this one touches 2/,
    });
  });

  it("refuses strangers by numeric id, whatever login they use", () => {
    expect(decideBench(input({ origin: origin(MALLORY) }))).toMatchObject({
      kind: "refuse",
      reason: /@mallory is not a registered participant.*numeric id 666/,
    });
    const renamed = decideBench(input({ origin: origin({ id: 4242, login: "alice" }) }));
    expect(renamed).toMatchObject({ kind: "refuse", reason: /not a registered participant/ });
  });

  it("pools: another participant's run is credited to the author and charged to the requester", () => {
    const d = decideBench(input({ origin: origin(CAROL) }));
    expect(d).toMatchObject({ kind: "dispatch", pooled: true });
    if (d.kind === "dispatch") expect(d.reservation).toMatchObject({ requester: CAROL, author: "alice" });
  });

  it("organizer runs are free even with a full ledger", () => {
    const full = [1, 2, 3, 4, 5].map((i) => reservation(`o-${i}`, ORGA));
    const d = decideBench(
      input({
        origin: origin(ORGA, { association: "OWNER" }),
        state: { runs: [], reservations: full, rulings: [] },
      }),
    );
    expect(d).toMatchObject({ kind: "dispatch", organizer: true, reservation: { organizer: true } });
  });
});

describe("decideBench: quota, redelivery and opponents", () => {
  it("refuses the run over the agent quota and over the owner quota, saying when one frees up", () => {
    const mine = [1, 2, 3].map((i) => reservation(`a-${i}`, ALICE, i));
    const agent = decideBench(input({ state: { runs: [], reservations: mine, rulings: [] } }));
    expect(agent).toMatchObject({ kind: "refuse", reason: /@alice has used 3 of 3 runs in the last 24 h/ });
    expect(agent.kind === "refuse" && agent.reason).toMatch(/frees up at 2026-01-16T09:00:00.000Z/);
    // bob shares alice's owner: 2 of alice's + 3 of bob's reach the owner's 5.
    const shared = [...mine.slice(0, 2), ...[1, 2, 3].map((i) => reservation(`b-${i}`, BOB, i))];
    const owner = decideBench(input({ state: { runs: [], reservations: shared, rulings: [] } }));
    expect(owner).toMatchObject({ kind: "refuse", reason: /owner has used 5 of 5 runs across their agents/ });
  });

  it("charges nothing for runs older than the window", () => {
    const old = [1, 2, 3].map((i) => reservation(`old-${i}`, ALICE, 25 + i));
    expect(decideBench(input({ state: { runs: [], reservations: old, rulings: [] } }))).toMatchObject({
      kind: "dispatch",
      quota: { agentUsed: 0 },
    });
  });

  it("a redelivered comment resolves to its earlier reservation, even on another day, uncharged twice", () => {
    const earlier = reservation("2026-01-14-pr7-c3001", ALICE, 20);
    const d = decideBench(input({ state: { runs: [], reservations: [earlier], rulings: [] } }));
    expect(d).toMatchObject({ kind: "redelivered", reservation: earlier, quota: { agentUsed: 0 } });
  });

  it("--against must name a known submission other than the candidate", () => {
    const unknown = decideBench(input({ command: { kind: "bench", against: "nope" } }));
    expect(unknown).toMatchObject({
      kind: "refuse",
      reason: /`nope` is not a submission with a recorded run/,
    });
    const self = decideBench(
      input({ command: { kind: "bench", against: "q8" }, knownSlugs: ["baseline", "q8"] }),
    );
    expect(self).toMatchObject({ kind: "refuse", reason: /cannot be benchmarked against itself/ });
  });

  it("defaults to the leader, and a leading PR to whoever led before it", () => {
    const lead: RunRecord = { ...runRecord("faster"), id: "r-q4", candidate: { slug: "q4", commit: SHA } };
    const state = { runs: [lead], reservations: [], rulings: [] };
    const d = decideBench(input({ state }));
    expect(d.kind === "dispatch" && d.reservation.against).toBe("q4");
    const asLeader = decideBench(input({ state, files: submissionFiles("q4") }));
    expect(asLeader.kind === "dispatch" && asLeader.reservation.against).toBe("baseline");
  });
});

describe("decideBench: A/A calibration and the /join registry", () => {
  const aa = { kind: "bench" as const, against: "q8" };
  const registered = {
    version: 1 as const,
    id: 777,
    login: "newbie",
    at: NOW.toISOString(),
    commentId: 1,
  };

  it("an organizer's A/A run is dispatched and its reservation says so", () => {
    const d = decideBench(input({ origin: origin(ORGA, { association: "MEMBER" }), command: aa }));
    expect(d).toMatchObject({
      kind: "dispatch",
      organizer: true,
      reservation: { slug: "q8", against: "q8", aa: true, organizer: true },
      inputs: { slug: "q8", against: "q8" },
    });
    const normal = decideBench(input({ origin: origin(ORGA, { association: "MEMBER" }) }));
    expect(normal.kind === "dispatch" && "aa" in normal.reservation).toBe(false);
  });

  it("refuses A/A to the author, to an organizer without write access, and to a renamed impostor", () => {
    const self = /cannot be benchmarked against itself/;
    expect(decideBench(input({ command: aa }))).toMatchObject({ kind: "refuse", reason: self });
    const noWrite = origin(ORGA, { association: "CONTRIBUTOR" });
    expect(decideBench(input({ origin: noWrite, command: aa }))).toMatchObject({ kind: "refuse" });
    const impostor = origin({ id: 555, login: "orga" }, { association: "OWNER" });
    expect(decideBench(input({ origin: impostor, command: aa }))).toMatchObject({ kind: "refuse" });
  });

  it("an organizer missing from participants.yaml is not an organizer for A/A", () => {
    const file = {
      ...participants(),
      participants: participants().participants.filter((p) => p.id !== ORGA.id),
    };
    const d = decideBench(
      input({ origin: origin(ORGA, { association: "OWNER" }), command: aa, participants: file }),
    );
    expect(d).toMatchObject({ kind: "refuse" });
  });

  it("F7: a participant registered by /join may bench once its owner confirmed the link; unlinked, never", () => {
    const unlinked = { runs: [], reservations: [], rulings: [], registrations: [registered] };
    const alone = decideBench(input({ origin: origin({ id: 777, login: "newbie" }), state: unlinked }));
    expect(alone).toMatchObject({
      kind: "refuse",
      reason: /@newbie has no confirmed owner.*owner-of @newbie/,
    });
    const boss = { id: 9001, login: "boss" };
    const linked = { ...registered, ownerClaim: "boss", owner: boss };
    const state = { ...unlinked, registrations: [linked] };
    const d = decideBench(input({ origin: origin({ id: 777, login: "newbie" }), state }));
    expect(d).toMatchObject({ kind: "dispatch", pooled: true, reservation: { owner: { id: 9001 } } });
    const renamed = decideBench(input({ origin: origin({ id: 778, login: "newbie" }), state }));
    expect(renamed).toMatchObject({ kind: "refuse", reason: /not a registered participant.*\/join/ });
  });

  it("F7: moving the link to a fresh owner binds only after the window: every owner of the window counts", () => {
    const limit = challenge().quota.per_owner;
    const agent = { id: 777, login: "newbie" };
    const first = { id: 9001, login: "boss" };
    const fresh = { id: 9002, login: "sock" };
    // The agent spent its first owner's whole quota, then re-linked to a fresh account.
    const spent = Array.from({ length: limit }, (_, i) =>
      reservation(`r${i}`, agent, 1 + i / 10, { owner: first, pr: 100 + i }),
    );
    const relinked = { ...registered, ownerClaim: "sock", owner: fresh };
    const state = { runs: [], rulings: [], reservations: spent, registrations: [relinked] };
    const perAgent = { ...challenge(), quota: { ...challenge().quota, per_agent: limit * 5 } };
    const d = decideBench(input({ origin: origin(agent), state, challenge: perAgent }));
    expect(d).toMatchObject({ kind: "refuse", reason: /every owner it was linked to in the window/ });
  });

  it("a registry entry cannot take a login the file pins to another account", () => {
    const squatter = { ...registered, id: 778, login: "alice" };
    const state = { runs: [], reservations: [], rulings: [], registrations: [squatter] };
    const d = decideBench(input({ origin: origin({ id: 778, login: "alice" }), state }));
    expect(d).toMatchObject({ kind: "refuse", reason: /not a registered participant/ });
  });

  it("a PR that edits a merged submission it does not own cannot be benchmarked as it", () => {
    const hijack = input({
      pull: { ...openPull(), user: MALLORY },
      origin: origin(ALICE),
      knownSlugs: ["baseline", "q8"],
      manifestAuthors: { q8: ["alice"] },
    });
    expect(decideBench(hijack)).toMatchObject({
      kind: "refuse",
      reason: /merged submission and @mallory is not one/,
    });
    // An impostor renamed to the author's login, but with another numeric id, is not the author.
    const renamed = input({
      pull: { ...openPull(), user: { id: 999_999, login: "alice" } },
      knownSlugs: ["baseline", "q8"],
      manifestAuthors: { q8: ["alice"] },
    });
    expect(decideBench(renamed)).toMatchObject({ kind: "refuse" });
    // The real author may update it, and a submission first benchmarked on PR 3 belongs to PR 3.
    const owner = input({ knownSlugs: ["baseline", "q8"], manifestAuthors: { q8: ["alice"] } });
    expect(decideBench(owner).kind).toBe("dispatch");
    // Bot activity does not move ownership (a reservation on PR 3 alone is nothing); the API's
    // record of which open PR added the folder first does.
    const busy = input({
      state: { runs: [], rulings: [], reservations: [reservation("r-old", ALICE, 3, { pr: 3 })] },
    });
    expect(decideBench(busy).kind).toBe("dispatch");
    const taken = input({
      claims: [
        { pr: 7, createdAt: "2026-01-15T10:00:00Z" },
        { pr: 3, createdAt: "2026-01-15T09:00:00Z" },
      ],
    });
    expect(decideBench(taken)).toMatchObject({ kind: "refuse", reason: /belongs to PR #3/ });
  });

  it("refuses a PR whose validation at its head fails, naming the problems; and one that could not be validated", () => {
    const problem = {
      file: "submissions/q8/submission.yaml",
      line: 9,
      col: 5,
      code: "env-denied" as const,
      message: "`LD_PRELOAD` is never allowed",
    };
    const many = Array.from({ length: 7 }, () => problem);
    const d = decideBench(input({ validation: { ok: false, problems: many } }));
    expect(d).toMatchObject({ kind: "refuse" });
    const reason = d.kind === "refuse" ? d.reason : "";
    expect(reason).toMatch(/does not pass validation at its head/);
    expect(reason).toContain(
      "- submissions/q8/submission.yaml:9:5: error[env-denied]: `LD_PRELOAD` is never allowed",
    );
    expect(reason).toMatch(/… and 2 more$/);
    expect(decideBench(input({ validation: undefined }))).toMatchObject({
      kind: "refuse",
      reason: /validation could not be run/,
    });
  });
});
