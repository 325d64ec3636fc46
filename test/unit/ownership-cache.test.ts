// The ownership rule's cache (flows/bot/context.ts folderClaims): each PR's added folders are read
// once per head commit, not on every command; and no PR can take another's folder by making the
// cache stale (force-pushes, a folder added then removed, an entry left from an older head).
import { describe, expect, it } from "vitest";
import { dataPath } from "../../runner/core/layout.ts";
import type { PullFolders } from "../../runner/core/schema/data.ts";
import { handleIssueComment } from "../../runner/flows/bot/index.ts";
import {
  ALICE,
  botContext,
  commentEvent,
  MALLORY,
  NOW,
  reservation,
  submissionFiles,
} from "../fakes/bot-fixtures.ts";
import { memoryGitHub } from "../fakes/memory-github.ts";
import { memoryStore } from "../fakes/memory-store.ts";

const sha = (k: number) => k.toString(16).padStart(40, "0");

/** Alice's PR #7 (opened first) and Mallory's PR #9 (an hour later), plus `others` open PRs before them. */
function setup(o: { alice: string; mallory: string; others?: number; initial?: Record<string, string> }) {
  const api = memoryGitHub();
  for (let k = 0; k < (o.others ?? 0); k++)
    api.pulls.set(100 + k, {
      number: 100 + k,
      user: ALICE,
      headSha: sha(100 + k),
      state: "open",
      files: submissionFiles(`s${k}`),
      createdAt: "2026-01-14T00:00:00Z",
    });
  api.pulls.set(7, {
    number: 7,
    user: ALICE,
    headSha: sha(7),
    state: "open",
    files: submissionFiles(o.alice),
    createdAt: "2026-01-15T08:00:00Z",
  });
  api.pulls.set(9, {
    number: 9,
    user: MALLORY,
    headSha: sha(9),
    state: "open",
    files: submissionFiles(o.mallory),
    createdAt: "2026-01-15T09:00:00Z",
  });
  const store = memoryStore(o.initial ?? {});
  const ctx = botContext({ api, store, mallory: true });
  let nextComment = 6000;
  const bench = (issue: number, user = issue === 9 ? MALLORY : ALICE) =>
    handleIssueComment(ctx, commentEvent({ body: "/bench", user, issue, commentId: nextComment++ }));
  /** Which PRs' files the flows listed since the last call. */
  let seen = 0;
  const listed = () => {
    const calls = api.callsTo("listPullFiles").slice(seen);
    seen += calls.length;
    return calls.map((c) => c.args[0] as number).sort((a, b) => a - b);
  };
  const push = (n: number, head: number, slug: string) => {
    Object.assign(api.pulls.get(n)!, { headSha: sha(head), files: submissionFiles(slug) });
  };
  return { api, store, bench, listed, push };
}

describe("the ownership lookup reads each PR's files once per head", () => {
  it("a second command lists no earlier PR's files; a push makes only that PR's list read again", async () => {
    const { bench, listed, push, store } = setup({ alice: "q8", mallory: "m1", others: 30 });
    expect((await bench(9)).kind).toBe("dispatched");
    // The first command: Mallory's own PR and every earlier open PR (30 others and #7).
    expect(listed()).toHaveLength(1 + 31);
    const cached = (await store.read()).pullFolders!;
    expect(cached.find((e) => e.pr === 7)).toEqual({
      version: 1,
      pr: 7,
      headSha: sha(7),
      createdAt: "2026-01-15T08:00:00Z",
      added: ["q8"],
    });
    expect(cached).toHaveLength(32);
    expect((await bench(9)).kind).toBe("dispatched");
    expect(listed()).toEqual([9]); // only the acting PR's own files
    push(105, 205, "s5");
    expect((await bench(9)).kind).toBe("dispatched");
    expect(listed()).toEqual([9, 105]);
    // A later PR (Alice's #7 is later than the 30 others) needs only the PRs created before it.
    expect((await bench(7)).kind).toBe("dispatched");
    expect(listed()).toEqual([7]);
  });
});

describe("a later PR cannot take a folder by making the cache stale (attacker)", () => {
  it("the first PR moves to the folder by a force-push after its entry was cached: the later PR is refused", async () => {
    // Alice's #7 first adds `draft`; Mallory's #9 adds `q8`; the cache records both. Nothing is
    // benched under q8 yet, so the earlier-opened PR still wins the folder when it pushes onto it.
    const { bench, push, listed } = setup({ alice: "draft", mallory: "q8" });
    push(7, 70, "q8");
    const out = await bench(9);
    expect(out).toMatchObject({ kind: "refused", why: expect.stringMatching(/`q8` belongs to PR #7/) });
    expect(listed()).toEqual([7, 9]);
  });

  it("an old placeholder PR force-pushed onto a folder another PR was already benched under does not take it", async () => {
    // The red team's hijack: Mallory's #9 benched `q8` (a reservation on the data branch); then
    // Alice force-pushes her earlier-opened #7 to add `q8`. #7's created_at is older, but #9 has
    // the record: #9 keeps acting for q8, and #7 is refused.
    const { bench, push } = setup({ alice: "draft", mallory: "q8" });
    expect((await bench(9)).kind).toBe("dispatched");
    push(7, 70, "q8");
    const again = await bench(9);
    expect(again.kind === "refused" ? again.why : "").not.toMatch(/belongs to PR #7/);
    const hijack = await bench(7);
    expect(hijack).toMatchObject({
      kind: "refused",
      why: expect.stringMatching(/`q8` belongs to PR #9, which has runs or steps recorded under it/),
    });
  });

  it("an entry left from an older head (saying #7 adds nothing) is not believed at #7's new head", async () => {
    // As if the bot had cached #7 at an earlier commit where it added no folder, or a forged file
    // at an old head: the entry is used only while the PR's head is the one it names.
    const stale: PullFolders = {
      version: 1,
      pr: 7,
      headSha: sha(1),
      createdAt: "2026-01-15T08:00:00Z",
      added: [],
    };
    const { bench, store } = setup({
      alice: "q8",
      mallory: "q8",
      initial: { [dataPath.pullFolders(7)]: JSON.stringify(stale) },
    });
    const out = await bench(9);
    expect(out).toMatchObject({ kind: "refused", why: expect.stringMatching(/`q8` belongs to PR #7/) });
    expect((await store.read()).pullFolders!.find((e) => e.pr === 7)).toMatchObject({
      headSha: sha(7),
      added: ["q8"],
    });
  });

  it("a later PR's own force-pushes never change whose folder it is", async () => {
    const { bench, push } = setup({ alice: "q8", mallory: "m1" });
    expect((await bench(9)).kind).toBe("dispatched");
    for (const [k, slug] of [
      [90, "q8"],
      [91, "m1"],
      [92, "q8"],
    ] as const) {
      push(9, k, slug);
      const out = await bench(9);
      if (slug === "q8")
        expect(out).toMatchObject({ kind: "refused", why: expect.stringMatching(/`q8` belongs to PR #7/) });
      else expect(out.kind).toBe("dispatched");
    }
    // Alice is never locked out of her own folder.
    expect((await bench(7)).kind).toBe("dispatched");
  });

  it("a folder added then removed is freed (the rule), unless the data branch has a record for it", async () => {
    const free = setup({ alice: "q8", mallory: "q8" });
    expect((await free.bench(9)).kind).toBe("refused");
    free.push(7, 71, "other"); // Alice moves her PR to another folder
    expect((await free.bench(9)).kind).toBe("dispatched");
    // With a reservation of Alice's under q8 on PR #7, #7 keeps q8 even after removing it.
    const r = reservation("r-alice", ALICE, 30);
    const kept = setup({
      alice: "q8",
      mallory: "q8",
      initial: { [dataPath.reservation(r.id)]: JSON.stringify(r) },
    });
    expect((await kept.bench(9)).kind).toBe("refused");
    kept.push(7, 71, "other");
    expect(await kept.bench(9)).toMatchObject({ kind: "refused", why: expect.stringMatching(/PR #7/) });
  });
});

/**
 * The open-PR index (folderClaims with `openPullsUpdatedSince`): after one whole listing, a
 * command reads only the open PRs updated since the watermark. A push, an opening or a reopening
 * updates a PR on GitHub; here `touch` does, a minute after the last.
 */
function indexed(o: Parameters<typeof setup>[0]) {
  const s = setup(o);
  const updated = new Map<number, string>();
  let clock = NOW.getTime();
  const touch = (n: number) =>
    updated.set(n, new Date((clock += 60_000)).toISOString().replace(/\.\d+Z$/, "Z"));
  for (const n of s.api.pulls.keys()) updated.set(n, "2026-01-15T09:30:00Z");
  let updateReads = 0;
  s.api.openPullsUpdatedSince = async (since: string) => {
    updateReads++;
    const pulls = [...s.api.pulls.values()]
      .filter((p) => p.state === "open" && updated.get(p.number)! >= since)
      .sort((a, b) => updated.get(b.number)!.localeCompare(updated.get(a.number)!))
      .map((p) => ({
        number: p.number,
        headSha: p.headSha,
        createdAt: p.createdAt!,
        updatedAt: updated.get(p.number)!,
        user: p.user,
      }));
    return { pulls, more: pageFull };
  };
  let pageFull = false;
  const fullPage = (full: boolean) => void (pageFull = full);
  // A comment updates its PR (GitHub's updated_at), so a command's own PR is on the page of updates.
  const bench = (issue: number, user?: typeof ALICE) => (touch(issue), s.bench(issue, user));
  const push = (n: number, head: number, slug: string) => (s.push(n, head, slug), touch(n));
  const open = (n: number, user: typeof ALICE, slug: string, createdAt: string) => {
    s.api.pulls.set(n, {
      number: n,
      user,
      headSha: sha(n),
      state: "open",
      files: submissionFiles(slug),
      createdAt,
    });
    touch(n);
  };
  const wholeLists = () => s.api.callsTo("listOpenPulls").length;
  return {
    ...s,
    bench,
    quietBench: s.bench,
    push,
    open,
    touch,
    wholeLists,
    fullPage,
    updateReads: () => updateReads,
  };
}

describe("the open-PR index (attacker)", () => {
  it("after one whole listing, a command reads one page of updates; an earlier PR's push is seen", async () => {
    const { bench, push, listed, wholeLists, updateReads, store } = indexed({
      alice: "draft",
      mallory: "q8",
      others: 30,
    });
    expect((await bench(9)).kind).toBe("dispatched");
    expect(wholeLists()).toBe(1);
    listed();
    expect((await bench(9)).kind).toBe("dispatched");
    expect(wholeLists()).toBe(1); // no second whole listing
    expect(updateReads()).toBe(1);
    expect(listed()).toEqual([9]);
    // Alice (first) force-pushes #7 to add `q8`: the update is read (#7's files, its new entry), though
    // #9 keeps the folder, having been benched under it (core/ownership.ts: a record outranks).
    push(7, 70, "q8");
    expect((await bench(9)).kind).toBe("dispatched");
    expect(listed()).toEqual([7, 9]);
    expect((await store.read()).pullFolders!.find((e) => e.pr === 7)).toMatchObject({
      headSha: sha(70),
      added: ["q8"],
    });
    expect(wholeLists()).toBe(1);
  });

  it("a later PR's push is read too, so the watermark passing it loses nothing", async () => {
    const { bench, push, open, listed, wholeLists } = indexed({ alice: "q8", mallory: "m1" });
    expect((await bench(7)).kind).toBe("dispatched");
    open(11, MALLORY, "m2", "2026-01-15T10:00:00Z");
    push(9, 90, "x1"); // #9 (later than #7) moves to `x1`
    expect((await bench(7)).kind).toBe("dispatched"); // #7's command reads #9's and #11's updates
    // The first command: #7 and (whole listing) #9; the second: #7, and #9 and #11 updated since.
    expect(listed()).toEqual([7, 7, 9, 9, 11]);
    // #11 (after #9) now adds `x1`: refused, from #9's entry, with no whole listing and no re-read of #9.
    push(11, 110, "x1");
    expect(await bench(11, MALLORY)).toMatchObject({
      kind: "refused",
      why: expect.stringMatching(/`x1` belongs to PR #9/),
    });
    expect(listed()).toEqual([11]);
    expect(wholeLists()).toBe(1);
  });

  it("a closed earlier PR leaves (checked by its state, even when closing did not show as an update)", async () => {
    const { api, bench, wholeLists } = indexed({ alice: "q8", mallory: "q8" });
    expect((await bench(9)).kind).toBe("refused");
    api.pulls.get(7)!.state = "closed"; // not touched: the index still holds #7
    expect((await bench(9)).kind).toBe("dispatched");
    expect(wholeLists()).toBe(1);
  });
});

describe("the command's own PR from the page of updates", () => {
  it("a PR on the page needs no request of its own; a closed one, or one not on it, is asked for", async () => {
    const { api, bench, fullPage, push, quietBench } = indexed({ alice: "q8", mallory: "m1" });
    const gets = () => api.callsTo("getPull").map((c) => c.args[0]);
    expect((await bench(7)).kind).toBe("dispatched"); // no watermark yet: pulls.get and a whole listing
    expect(gets()).toEqual([7]);
    // Alice pushes a new head: the page's head is the one the run is reserved for, as pulls.get says.
    push(7, 70, "q8");
    const second = await bench(7);
    expect(second).toMatchObject({ kind: "dispatched", reservation: { sha: sha(70) } });
    expect(gets()).toEqual([7]);
    // Closed: the page lists open PRs only, so the PR is asked for, and the command refused.
    api.pulls.get(7)!.state = "closed";
    expect((await bench(7)).kind).toBe("refused");
    expect(gets()).toEqual([7, 7]);
    // A full page (older updates may lie beyond it) still lists the PR as it is now: no request.
    api.pulls.get(7)!.state = "open";
    fullPage(true);
    expect(await bench(7)).toMatchObject({ kind: "dispatched" });
    expect(gets()).toEqual([7, 7]);
    // A PR the page does not list (not updated since the watermark, less its overlap): asked for.
    fullPage(false);
    expect((await quietBench(9)).kind).toBe("dispatched");
    expect(gets()).toEqual([7, 7, 9]);
  });

  it("the author is the page's: Mallory's /bench on Alice's PR is charged as a request, not as the author's", async () => {
    const { bench, store } = indexed({ alice: "q8", mallory: "m1" });
    await bench(7); // the index's first whole listing
    const out = await bench(7, MALLORY);
    const author = out.kind === "dispatched" ? out.reservation.author : out.kind;
    expect(author).toBe("alice");
    expect((await store.read()).reservations.every((r) => r.author === "alice")).toBe(true);
  });
});

describe("the open-PR index under a rate limit", () => {
  it("a command stopped midway leaves the watermark: the PR it did not read is read by the next", async () => {
    const { api, bench, push, listed, touch, store } = indexed({ alice: "draft", mallory: "m1" });
    expect((await bench(9)).kind).toBe("dispatched");
    listed();
    push(7, 70, "m1"); // Alice (first) moves to Mallory's folder
    for (let k = 0; k < 7; k++) touch(9); // later updates: the page's newest is 7 minutes past #7's
    const files = api.listPullFiles;
    api.listPullFiles = async (n: number) => {
      if (n === 7) throw new Error("403: API rate limit exceeded");
      return files(n);
    };
    await bench(9).catch(() => undefined);
    api.listPullFiles = files;
    listed();
    await bench(9);
    // The next command reads #7 at its new head (the watermark had not passed it).
    expect(listed()).toContain(7);
    expect((await store.read()).pullFolders!.find((e) => e.pr === 7)).toMatchObject({
      headSha: sha(70),
      added: ["m1"],
    });
  });
});
