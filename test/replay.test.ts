import { describe, expect, it } from "vitest";
import { octokitApi } from "../runner/adapters/github/api.ts";
import { GITHUB_TOKEN_LIMITS, type RateLimits } from "../runner/adapters/github/local-github-limits.ts";
import { startFakeGitHub, type FakeGitHub } from "../runner/adapters/github/local-github.ts";
import { mirrorChanges, type FlowContext } from "../runner/flows/bot/index.ts";
import { canSpend, isRateLimited } from "../runner/flows/bot/feed.ts";
import { challenge, participants } from "./fakes/bot-fixtures.ts";
import { replay, type ReplaySize } from "./bench/replay.ts";
import { replayStore } from "./bench/replay-store.ts";
import { marker } from "../runner/core/github/comment-text.ts";
import { upsertComment } from "../runner/flows/bot/comments.ts";
import { memoryStore } from "./fakes/memory-store.ts";

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
    expect(r.doubleDispatches).toBe(0);
    for (const type of ["/bench", "verdict", "board comment", "PR opened", "push", "ruling", "repair resync"])
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

describe("the stand-in applies GitHub's limits and sends its headers; the Octokit layer reads them", () => {
  it("counts requests, reads x-ratelimit-*, refuses past the budget, and the bot defers", async () => {
    let now = Date.parse("2026-03-02T00:00:00Z");
    const gh = await startFakeGitHub("o", "r", {
      clock: () => now,
      limits: { perHour: 6, contentPerMinute: 2, contentPerHour: 100 },
    });
    try {
      const api = octokitApi({ token: "t", owner: "o", repo: "r", baseUrl: gh.url, pace: false });
      const at = new Date(now).toISOString().replace(/\.\d+Z$/, "Z");
      const user = { id: 7, login: "alice" };
      gh.issues.set(1, {
        number: 1,
        title: "t",
        body: "",
        user,
        labels: [],
        state: "open",
        isPr: false,
        comments: [],
        created_at: at,
        updated_at: at,
      });
      for (let k = 0; k < 150; k++) gh.addComment(1, user, `c${k}`);
      // Paged as GitHub pages: 150 comments are two requests of 100.
      expect(await api.listComments(1)).toHaveLength(150);
      expect(api.budget!()).toMatchObject({ requests: 2, limit: 6, remaining: 4 });
      expect(api.budget!().byRoute).toEqual({
        "GET /repos/{owner}/{repo}/issues/{n}/comments": 2,
      });
      // The secondary content limit: the third comment in a minute is refused with retry-after.
      await api.createComment(1, "a");
      await api.createComment(1, "b");
      const third = await api.createComment(1, "c").catch((e: unknown) => e);
      expect(isRateLimited(third)).toBe(true);
      expect(
        (third as { response: { headers: Record<string, string> } }).response.headers["retry-after"],
      ).toBe("60");
      now += 61_000;
      await api.createComment(1, "c");
      expect((await api.getIssue(1)).comments).toBe(153); // the sixth request of the hour (refusals do not count)
      // The primary budget is spent: refused, with x-ratelimit-remaining 0, until the window resets.
      const over = await api.getIssue(1).catch((e: unknown) => e);
      expect(isRateLimited(over)).toBe(true);
      expect(api.budget!().remaining).toBe(0);
      expect(canSpend(api)).toBe(false);
      now += 3600_000;
      expect((await api.getIssue(1)).number).toBe(1);
      expect(gh.violations).toEqual([]);
    } finally {
      await gh.close();
    }
  });
});

describe("the open-PR list for the ownership rule", () => {
  it("is read oldest first and stops at the first page past the acting PR's creation", async () => {
    const gh = await startFakeGitHub("o", "r", { limits: GITHUB_TOKEN_LIMITS });
    try {
      const created = (n: number) => new Date(Date.parse("2026-03-01T00:00:00Z") + n * 60_000).toISOString();
      const at = (n: number) => created(n).replace(/\.\d+Z$/, "Z");
      // 250 open PRs, numbered against their creation order (the list must sort by created_at).
      for (let k = 0; k < 250; k++)
        gh.issues.set(1000 - k, {
          number: 1000 - k,
          title: `pr ${k}`,
          body: "",
          user: { id: 7, login: "alice" },
          labels: [],
          state: "open",
          isPr: true,
          headSha: k.toString(16).padStart(40, "0"),
          comments: [],
          created_at: at(k),
          updated_at: at(k),
        });
      const api = octokitApi({ token: "t", owner: "o", repo: "r", baseUrl: gh.url, pace: false });
      const all = await api.listOpenPulls();
      expect(all.map((p) => p.createdAt)).toEqual(Array.from({ length: 250 }, (_, k) => at(k)));
      expect(api.budget!().requests).toBe(3);
      const early = await api.listOpenPulls({ createdUpTo: at(60) });
      expect(api.budget!().requests).toBe(3 + 1);
      expect(early.filter((p) => p.createdAt! <= at(60))).toHaveLength(61);
      const edge = await api.listOpenPulls({ createdUpTo: at(99) }); // the page's last one: read on
      expect(edge.filter((p) => p.createdAt! <= at(99))).toHaveLength(100);
      expect(api.budget!().requests).toBe(4 + 2);
      expect(gh.violations).toEqual([]);
    } finally {
      await gh.close();
    }
  });
});

/** The stand-in holding `threads` issue threads of one comment each, created a few seconds apart. */
async function bigBoard(threads: number, limits: RateLimits) {
  const clock = { now: Date.parse("2026-03-02T00:00:00Z") };
  const gh: FakeGitHub = await startFakeGitHub("o", "r", {
    clock: () => clock.now,
    limits,
    responseChecks: 20,
  });
  const stamp = () => new Date(clock.now).toISOString().replace(/\.\d+Z$/, "Z");
  const user = { id: 7, login: "alice" };
  for (let n = 1; n <= threads; n++) {
    clock.now += 7_000;
    const at = stamp();
    gh.issues.set(n, {
      number: n,
      title: `thread ${n}`,
      body: "",
      user,
      labels: [],
      state: "open",
      isPr: false,
      comments: [],
      created_at: at,
      updated_at: at,
    });
    clock.now += 7_000;
    gh.addComment(n, user, `comment on ${n}`);
  }
  clock.now += 3600_000;
  const store = replayStore();
  const run = (full: boolean) => {
    const api = octokitApi({ token: "t", owner: "o", repo: "r", baseUrl: gh.url, pace: false });
    const ctx: FlowContext = {
      api,
      store,
      challenge: challenge(),
      participants: participants(),
      now: () => new Date(clock.now),
      ref: "main",
      evaluateWorkflow: "evaluate.yml",
      knownSlugs: ["baseline"],
    };
    return mirrorChanges(ctx, { full }).then((out) => ({ out, requests: api.budget!().requests }));
  };
  /** Every comment GitHub holds that its mirrored thread lacks (or holds with another body). */
  const lost = async () => {
    const threadsNow = new Map((await store.read()).threads.map((t) => [t.number, t]));
    let missing = 0;
    for (const i of gh.issues.values())
      for (const c of i.comments)
        if (threadsNow.get(i.number)?.comments.find((x) => x.id === c.id)?.body !== c.body) missing++;
    return missing;
  };
  return { gh, store, clock, run, lost };
}

describe("the full resync of a large board", () => {
  it("at 10,000 threads fits one hour of GITHUB_TOKEN's budget: both feeds paged, about 200 requests, every comment mirrored", async () => {
    const b = await bigBoard(10_000, GITHUB_TOKEN_LIMITS);
    try {
      const { out, requests } = await b.run(true);
      expect(out).toMatchObject({ kind: "mirrored", deferred: false });
      expect(requests).toBeLessThanOrEqual(2 * (10_000 / 100) + 4);
      expect((await b.store.read()).threads).toHaveLength(10_000);
      expect(await b.lost()).toBe(0);
      expect(b.gh.requests.filter((r) => r.limited)).toEqual([]);
      expect(b.gh.violations).toEqual([]);
    } finally {
      await b.gh.close();
    }
  }, 600_000);

  it("on a budget too small for one run, pages over hourly runs and loses no update made meanwhile", async () => {
    // 220 an hour, less the 200 the readers leave for commands: about 20 requests a run, where the
    // resync of 2,000 threads needs 40 (the 10,000 of the test above would take the same path, slower).
    const b = await bigBoard(2_000, { ...GITHUB_TOKEN_LIMITS, perHour: 220 });
    try {
      const runs: boolean[] = [];
      let first = true;
      for (let hour = 0; hour < 6; hour++) {
        const { out } = await b.run(first);
        first = false;
        runs.push(out.kind === "mirrored" && out.deferred);
        if (!runs.at(-1)) break;
        // Between runs: a new comment on an early thread and one on a late one.
        b.clock.now += 60_000;
        b.gh.addComment(1 + hour, { id: 8, login: "bob" }, `late comment ${hour}`);
        b.gh.addComment(1_990 - hour, { id: 8, login: "bob" }, `late comment ${hour} (end)`);
        b.clock.now += 3600_000;
      }
      expect(runs.length).toBeGreaterThan(1); // it did page over several runs
      expect(runs.at(-1)).toBe(false); // and finished
      expect((await b.store.read()).threads).toHaveLength(2_000);
      expect(await b.lost()).toBe(0);
      expect(b.gh.violations).toEqual([]);
    } finally {
      await b.gh.close();
    }
  }, 600_000);
});

describe("the bot's comments by id through the GitHub stand-in", () => {
  it("two runs posting one marker at once leave one comment (the other deleted), every request as OpenAPI says", async () => {
    const gh = await startFakeGitHub("o", "r", { limits: GITHUB_TOKEN_LIMITS });
    try {
      const at = "2026-03-01T00:00:00Z";
      const user = { id: 7, login: "alice" };
      const pr = { title: "pr", body: "", user, labels: [], state: "open" as const, isPr: true };
      gh.issues.set(8, {
        ...pr,
        number: 8,
        headSha: "8".repeat(40),
        comments: [],
        created_at: at,
        updated_at: at,
      });
      const api = octokitApi({ token: "t", owner: "o", repo: "r", baseUrl: gh.url, pace: false });
      const ctx = { api, store: memoryStore(), now: () => new Date(at), log: () => undefined };
      const V8 = marker("validate", 8);
      const [a, b] = await Promise.all([
        upsertComment(ctx, 8, V8, `${V8}\nhead 1`),
        upsertComment(ctx, 8, V8, `${V8}\nhead 2`),
      ]);
      expect(a).toBe(b);
      expect(gh.issues.get(8)!.comments.map((c) => [c.id, c.body])).toEqual([[a, `${V8}\nhead 2`]]);
      expect(gh.violations).toEqual([]);
    } finally {
      await gh.close();
    }
  });
});
