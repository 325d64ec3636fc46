import { describe, expect, it } from "vitest";
import { decideBroadcast, type BroadcastInput } from "../../runner/core/github/broadcast.ts";
import { renderBroadcastComment, renderJoinComment } from "../../runner/core/github/comment.ts";
import { decideJoin, registeredParticipants, type JoinInput } from "../../runner/core/github/join.ts";
import type { Registration } from "../../runner/core/schema/data.ts";
import { expectGolden } from "../golden.ts";
import { ALICE, challenge, MALLORY, NOW, ORGA, origin, participants } from "../fakes/bot-fixtures.ts";

const AGENT = { id: 777, login: "newbie" };
const BOSS = { id: 888, login: "newbie-owner" };
const REGISTRATION_ISSUE = 2;
const fileWithIssue = () => ({ ...participants(), registration_issue: REGISTRATION_ISSUE });
const at = (who: { id: number; login: string }, commentId = 4001) =>
  origin(who, { issue: REGISTRATION_ISSUE, commentId });

function input(o: Partial<JoinInput> = {}): JoinInput {
  return {
    origin: at(AGENT),
    command: { kind: "join", action: "self" },
    participants: fileWithIssue(),
    registrations: [],
    now: NOW,
    ...o,
  };
}

const registered = (o: Partial<Registration> = {}): Registration => ({
  version: 1,
  ...AGENT,
  at: NOW.toISOString(),
  commentId: 4000,
  ...o,
});

describe("decideJoin: the agent's side", () => {
  it("registers the commenter by numeric id on the registration issue only", () => {
    expect(decideJoin(input())).toEqual({
      kind: "record",
      change: "joined",
      registration: { version: 1, id: 777, login: "newbie", at: NOW.toISOString(), commentId: 4001 },
    });
    expect(decideJoin(input({ origin: origin(AGENT, { issue: 7 }) }))).toMatchObject({
      kind: "refuse",
      reason: "`/join` works on the registration issue #2 only.",
    });
    expect(decideJoin(input({ participants: participants() }))).toMatchObject({
      kind: "refuse",
      reason: /registration by `\/join` is closed/,
    });
  });

  it("refuses accounts the file manages and logins the file pins to someone else", () => {
    expect(decideJoin(input({ origin: at(ALICE) }))).toMatchObject({
      kind: "refuse",
      reason: /already registered in/,
    });
    const squatter = at({ id: 4242, login: "Alice" });
    expect(decideJoin(input({ origin: squatter }))).toMatchObject({
      kind: "refuse",
      reason: /pinned to another account/,
    });
  });

  it("a replayed comment id or a repeated /join changes nothing", () => {
    const earlier = registered({ commentId: 4001 });
    expect(decideJoin(input({ registrations: [earlier] }))).toMatchObject({
      kind: "unchanged",
      registration: earlier,
    });
    const again = decideJoin(input({ origin: at(AGENT, 4002), registrations: [earlier] }));
    expect(again).toMatchObject({ kind: "unchanged" });
  });

  it("owned-by names an owner; a different claim later drops the linked owner", () => {
    const claim = decideJoin(input({ command: { kind: "join", action: "owned-by", login: "newbie-owner" } }));
    expect(claim).toMatchObject({
      kind: "record",
      change: "claimed",
      registration: { ownerClaim: "newbie-owner" },
    });
    expect(claim.kind === "record" && "owner" in claim.registration).toBe(false);
    const linked = registered({ ownerClaim: "newbie-owner", owner: BOSS });
    const moved = decideJoin(
      input({
        registrations: [linked],
        command: { kind: "join", action: "owned-by", login: "someone-else" },
      }),
    );
    expect(moved).toMatchObject({ kind: "record", registration: { ownerClaim: "someone-else" } });
    expect(moved.kind === "record" && moved.registration.owner).toBeUndefined();
    const self = decideJoin(input({ command: { kind: "join", action: "owned-by", login: "newbie" } }));
    expect(self).toMatchObject({ kind: "refuse" });
  });
});

describe("decideJoin: the owner's side", () => {
  const confirm = (who: { id: number; login: string }, regs: Registration[]) =>
    decideJoin(
      input({
        origin: at(who),
        command: { kind: "join", action: "owner-of", login: "newbie" },
        registrations: regs,
      }),
    );

  it("links the owner's numeric id only when the agent named that login", () => {
    const claimed = registered({ ownerClaim: "newbie-owner" });
    expect(confirm(BOSS, [claimed])).toMatchObject({
      kind: "record",
      change: "linked",
      registration: { owner: BOSS },
    });
    expect(confirm(MALLORY, [claimed])).toMatchObject({ kind: "refuse", reason: /has not named @mallory/ });
    expect(confirm(BOSS, [registered()])).toMatchObject({ kind: "refuse", reason: /has not named/ });
    expect(confirm(BOSS, [])).toMatchObject({ kind: "refuse", reason: /has not joined/ });
  });

  it("refuses a renamed impostor of an already linked owner", () => {
    const linked = registered({ ownerClaim: "newbie-owner", owner: BOSS });
    expect(confirm({ id: 999, login: "newbie-owner" }, [linked])).toMatchObject({
      kind: "refuse",
      reason: /already linked to another account/,
    });
    expect(confirm(BOSS, [linked])).toMatchObject({ kind: "unchanged" });
  });
});

describe("registeredParticipants", () => {
  it("merges the file and the registry; the file wins; an unlinked agent owns itself", () => {
    const regs = [
      registered(),
      registered({ id: 4242, login: "alice" }),
      registered({ id: ALICE.id, login: "x" }),
    ];
    const all = registeredParticipants(participants(), regs).participants;
    expect(all.map((p) => p.id)).toEqual([...participants().participants.map((p) => p.id), 777]);
    expect(all.at(-1)).toEqual({ id: 777, login: "newbie", owner: { id: 777, login: "newbie" } });
    const linked = registeredParticipants(participants(), [registered({ owner: BOSS })]).participants;
    expect(linked.at(-1)!.owner).toEqual(BOSS);
  });
});

describe("decideBroadcast", () => {
  const broadcast = (o: Partial<BroadcastInput> = {}): BroadcastInput => ({
    origin: origin(ORGA, { issue: 3, association: "OWNER" }),
    command: { kind: "broadcast", text: "Runner 2 is down until Monday." },
    challenge: challenge(),
    participants: participants(),
    broadcasts: [],
    now: NOW,
    ...o,
  });

  it("records an organizer's broadcast; a replayed comment id resolves to it", () => {
    const d = decideBroadcast(broadcast());
    expect(d).toMatchObject({
      kind: "record",
      broadcast: { by: ORGA, issue: 3, text: "Runner 2 is down until Monday." },
    });
    if (d.kind !== "record") throw new Error("expected a record");
    expect(decideBroadcast(broadcast({ broadcasts: [d.broadcast] }))).toEqual({
      kind: "redelivered",
      broadcast: d.broadcast,
    });
  });

  it("refuses participants, organizers without write access, impostors, and unpinned organizers", () => {
    const who = [
      origin(ALICE, { association: "OWNER" }),
      origin(ORGA, { association: "NONE" }),
      origin({ id: 555, login: "orga" }, { association: "OWNER" }),
    ];
    for (const o of who)
      expect(decideBroadcast(broadcast({ origin: o }))).toMatchObject({
        kind: "refuse",
        reason: /only the challenge's organizers/,
      });
    const unpinned = { ...participants(), participants: [] };
    expect(decideBroadcast(broadcast({ participants: unpinned }))).toMatchObject({
      kind: "refuse",
      reason: /Pin it in/,
    });
  });
});

describe("join and broadcast comments", () => {
  it("goldens, with markup in a broadcast neutralised", () => {
    expectGolden(
      "comments/join-joined.md",
      renderJoinComment(registered({ commentId: 4001 }), "joined", 4001),
    );
    const claimed = registered({ ownerClaim: "newbie-owner" });
    expectGolden("comments/join-claimed.md", renderJoinComment(claimed, "claimed", 4002));
    expectGolden("comments/join-linked.md", renderJoinComment({ ...claimed, owner: BOSS }, "linked", 4003));
    const d = decideBroadcast({
      origin: origin(ORGA, { issue: 3, association: "OWNER" }),
      command: { kind: "broadcast", text: "Deadline moved <b>Friday</b> @everyone -->\n![x](http://evil)" },
      challenge: challenge(),
      participants: participants(),
      broadcasts: [],
      now: NOW,
    });
    if (d.kind !== "record") throw new Error("expected a record");
    const body = renderBroadcastComment(d.broadcast);
    expect(body.split("\n").slice(1, 3).join("\n")).not.toMatch(/<b>|-->|@everyone|!\[/);
    expectGolden("comments/broadcast.md", body);
  });
});
