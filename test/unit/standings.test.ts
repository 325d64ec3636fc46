import { describe, expect, it } from "vitest";
import type { LifecycleEvent } from "../../runner/core/schema/data.ts";
import type { RunRecord } from "../../runner/core/schema/run-record.ts";
import { buildModel, type SiteInput, type SubmissionSource } from "../../runner/core/site/model.ts";
import { renderSite } from "../../runner/core/site/render.ts";
import {
  currentLeader,
  decideStandings,
  INCUMBENT_FAILURES_FLAG,
  incumbentFailures,
  NO_PRIVATE_SET,
} from "../../runner/core/standings.ts";
import { versusLeaderText } from "../../runner/core/versus.ts";
import { stateOfPlay, stateOfPlayText } from "../../runner/core/digest.ts";
import { parseSubmission } from "../../runner/core/validate/manifest.ts";
import { challenge } from "../fakes/bot-fixtures.ts";

/**
 * Adversarial record sets for the one function that decides standing and leadership: whatever the
 * records say, the home page, digest.leader, the frontier, both boards' `leader` and the strict
 * board's rank 1 must name the same submission, and a failed confirmation never leads or ranks.
 */

const QUALITY = {
  ok: true,
  ppl: 1.23,
  pplReference: 1.23,
  pplIncrease: 0,
  greedy: { prompts: 2, exact: 2, exactFraction: 1, meanPrefixFraction: 1 },
  reasons: [],
};

interface Spec {
  id: string;
  cand: string;
  inc: string;
  at: string; // day of January 2026
  c: number; // candidate tok/s (launches spread ±1)
  i: number; // incumbent tok/s
  verdict?: "faster" | "slower" | "tie" | "inconclusive";
  confirmation?: RunRecord["confirmation"];
}

function launches(arm: "candidate" | "incumbent", slug: string, tps: number) {
  return [-1, 0, 1].map((d, block) => ({
    arm,
    slug,
    block,
    position: arm === "candidate" ? 0 : 1,
    startMs: block * 1000,
    runs: [tps + d - 0.5, tps + d + 0.5],
    ttftMs: 10,
    tokens: 32,
    outputsSha256: "0".repeat(64),
  }));
}

function run(s: Spec): RunRecord {
  const d = s.c - s.i;
  return {
    version: 1,
    id: s.id,
    challenge: "demo",
    status: "ok",
    candidate: { slug: s.cand },
    incumbent: { slug: s.inc },
    runner: { id: "runner-1", hardware: "cpu", engine: "embedded 1", harness: "h" },
    design: { seed: 1, order: ["CI"], looks: [3], warmup: 1, repeats: 2, prompts: 2, maxTokens: 32 },
    launches: [...launches("candidate", s.cand, s.c), ...launches("incumbent", s.inc, s.i)],
    comparison: {
      verdict: s.verdict ?? "faster",
      design: "paired",
      estimate: d,
      ci: [d - 1, d + 1],
      confidence: 0.95,
      relative: { estimate: d / s.i, ci: [(d - 1) / s.i, (d + 1) / s.i] },
      delta: 1,
      deltaSpec: "2%",
      alpha: 0.05,
      alphaPerLook: 0.05,
      blocks: 3,
      look: { index: 1, of: 1, blocks: 3, final: true },
      mde: 1,
      pValue: 0.01,
      wilcoxonP: 0.02,
      candidateMean: s.c,
      incumbentMean: s.i,
      reasons: [],
      warnings: [],
    },
    quality: { candidate: QUALITY, incumbent: QUALITY },
    confirmation: s.confirmation ?? { status: "confirmed", ratio: 0.99 },
    startedAt: `2026-01-${s.at}T09:00:00.000Z`,
    finishedAt: `2026-01-${s.at}T10:00:00.000Z`,
  };
}

const FAILED = {
  status: "failed",
  claim: 156.5,
  tps: 98.2,
  ratio: 0.627,
  reason: "private-set speed 62.7%",
} as const;

/** The demo's story: spec takes the lead; q8 claims +56% over spec but fails its confirmation. */
function demoRuns(): RunRecord[] {
  return [
    run({ id: "r1", cand: "spec", inc: "baseline", at: "02", c: 100, i: 80 }),
    run({ id: "r2", cand: "q8", inc: "spec", at: "03", c: 156.5, i: 100, confirmation: FAILED }),
    run({
      id: "r3",
      cand: "slow",
      inc: "spec",
      at: "04",
      c: 60,
      i: 100,
      verdict: "slower",
      confirmation: { status: "skipped" },
    }),
  ];
}

const SLUG_LIST = ["baseline", "spec", "q8", "slow"];
const decide = (runs: RunRecord[], slugs = ["baseline", "spec", "q8", "slow"]) => ({
  challenge: challenge(),
  runs,
  rulings: [],
  slugs,
});

function source(slug: string, day: string): SubmissionSource {
  const yaml =
    `schema: 1\ntitle: ${slug}\ndescription: d\nauthors: [alice]\nparents: []\n` +
    "engine: { kind: embedded, args: { quantization: f32, threads: 1 } }";
  const parsed = parseSubmission(`submissions/${slug}/submission.yaml`, yaml);
  if (!parsed.value) throw new Error(JSON.stringify(parsed.problems));
  const firstAt = `2026-01-${day}T00:00:00.000Z`;
  return { slug, manifest: parsed.value, firstCommit: "c".repeat(40), firstAt, files: [] };
}

function siteInput(runs: RunRecord[]): SiteInput {
  const days: Record<string, string> = { baseline: "01", spec: "02", q8: "03", slow: "04", tied: "05" };
  return {
    challenge: challenge(),
    rules: "",
    kb: [],
    participants: { schema: 1, participants: [] },
    submissions: Object.entries(days).map(([s, d]) => source(s, d)),
    runs,
    reservations: [],
    rulings: [],
    threads: [],
    ancestry: [],
    problems: [],
  };
}

/** Who every surface of the built site names as the leader. */
function leadersEverywhere(runs: RunRecord[]) {
  const model = buildModel(siteInput(runs));
  const files = new Map([...renderSite(model)].map((f) => [f.path, f.content]));
  const json = (p: string) => JSON.parse(files.get(p)!);
  const home = /data-leader="([^"]+)"/.exec(files.get("index.html")!)?.[1];
  return {
    model,
    names: {
      home,
      digest: json("api/digest.json").leader.slug,
      frontier: model.frontier.at(-1)?.slug,
      board: json("api/leaderboard.json").leader.slug,
      boardRank1: json("api/leaderboard.json").rows[0].slug,
      strict: json("api/leaderboard-strict.json").leader.slug,
      strictRank1: json("api/leaderboard-strict.json").rows[0].slug,
    },
    files,
  };
}

describe("decideStandings", () => {
  it("a failed confirmation 56% faster than the leader neither leads nor ranks", () => {
    for (const strict of [false, true]) {
      const s = decideStandings(decide(demoRuns()), { strict });
      expect(s.leader.slug).toBe("spec");
      expect(s.ranking.map((r) => r.slug)).not.toContain("q8");
      expect(s.ranking[0]).toMatchObject({ slug: "spec", rank: 1 });
      expect(s.leader.tieGroup).toEqual(["spec"]);
    }
    const s = decideStandings(decide(demoRuns()));
    expect(s.entries.get("q8")!.standing).toBe("unconfirmed");
    expect(s.unconfirmed).toEqual([
      expect.objectContaining({ slug: "q8", run: "r2", claim: 156.5, ratio: 0.627, check: FAILED.reason }),
    ]);
  });

  it("home, digest.leader, the frontier and both boards' leader and rank 1 agree", () => {
    const { names, files } = leadersEverywhere(demoRuns());
    expect(new Set(Object.values(names))).toEqual(new Set(["spec"]));
    const q8 = files.get("submissions/q8.html")!;
    expect(q8).toContain("Unconfirmed: not ranked");
    expect(q8).toContain("62.7% of the claim");
    expect(q8).not.toMatch(/class="standing s-(valid|leader)"/);
    expect(files.get("leaderboard.html")).toContain("Unconfirmed (not ranked)");
  });

  it("the strict board holds confirmed results and the baseline only, and has a leader", () => {
    const runs = [
      ...demoRuns(),
      run({ id: "r4", cand: "tied", inc: "spec", at: "05", c: 100.5, i: 100, verdict: "tie" }),
      run({
        id: "r5",
        cand: "slow",
        inc: "spec",
        at: "06",
        c: 99,
        i: 100,
        verdict: "tie",
        confirmation: { status: "skipped" },
      }),
    ];
    const strict = decideStandings(decide(runs, ["baseline", "spec", "q8", "slow", "tied"]), {
      strict: true,
    });
    expect(strict.ranking.map((r) => r.slug).sort()).toEqual(["baseline", "spec", "tied"]);
    expect(strict.leader.slug).toBe("spec");
    const { names } = leadersEverywhere(runs);
    expect(new Set(Object.values(names))).toEqual(new Set(["spec"]));
  });

  it("the tie group holds the leader and the entries statistically tied with it", () => {
    const runs = [
      ...demoRuns(),
      run({ id: "r4", cand: "tied", inc: "spec", at: "05", c: 100.5, i: 100, verdict: "tie" }),
    ];
    const s = decideStandings(decide(runs, ["baseline", "spec", "q8", "slow", "tied"]));
    expect(s.leader.tieGroup).toEqual(["spec", "tied"]);
    expect(s.ranking.slice(0, 2).map((r) => [r.slug, r.label])).toEqual([
      ["spec", "=1"],
      ["tied", "=1"],
    ]);
    expect(s.ranking.find((r) => r.slug === "slow")!.rank).toBeGreaterThan(1);
  });

  it("a faster entry that never beat the leader head to head does not take rank 1", () => {
    // fast beat the baseline after spec had already taken the lead: it never ran against spec.
    const runs = [...demoRuns(), run({ id: "r4", cand: "fast", inc: "baseline", at: "05", c: 140, i: 80 })];
    const s = decideStandings(decide(runs, ["baseline", "spec", "q8", "slow", "fast"]));
    expect(s.leader.slug).toBe("spec");
    expect(s.ranking[0]!.slug).toBe("spec");
    expect(s.ranking.find((r) => r.slug === "fast")!.rank).toBe(2);
  });

  it("a leader whose re-verification later fails loses the lead; a later confirmed run restores it", () => {
    const recheck = run({
      id: "r9",
      cand: "spec",
      inc: "baseline",
      at: "09",
      c: 100,
      i: 80,
      confirmation: FAILED,
    });
    const fallen = decideStandings(decide([...demoRuns(), recheck]));
    expect(fallen.leader.slug).toBe("baseline");
    expect(fallen.entries.get("spec")!.standing).toBe("unconfirmed");
    expect(fallen.ranking.map((r) => r.slug)).not.toContain("spec");
    const again = run({ id: "r10", cand: "spec", inc: "baseline", at: "10", c: 100, i: 80 });
    expect(decideStandings(decide([...demoRuns(), recheck, again])).leader.slug).toBe("spec");
  });

  it("the bot's default opponent is the same leader", () => {
    for (const runs of [
      demoRuns(),
      [
        ...demoRuns(),
        run({ id: "r9", cand: "spec", inc: "baseline", at: "09", c: 100, i: 80, confirmation: FAILED }),
      ],
    ]) {
      expect(currentLeader(challenge(), runs, []).slug).toBe(decideStandings(decide(runs)).leader.slug);
    }
  });
});

describe("F1: a lead needs `confirmed` wherever a private set exists", () => {
  // A 2x engine on the public prompts that crawls on unseen ones: its private re-run hit the job
  // cap and came back `pending`. It must lead no board and be nobody's default opponent.
  const stalled = {
    status: "pending",
    reason: "the private re-run did not fit the job's time; the lead is provisional",
  } as const;
  const runs = () => [
    ...demoRuns(),
    run({ id: "r5", cand: "crawl", inc: "spec", at: "05", c: 200, i: 100, confirmation: stalled }),
  ];

  it("a pending run leads neither board and is not the default opponent; its standing says pending", () => {
    const d = decideStandings(decide(runs(), [...SLUG_LIST, "crawl"]));
    expect(d.leader.slug).toBe("spec");
    expect(currentLeader(challenge(), runs(), []).slug).toBe("spec");
    expect(currentLeader(challenge(), runs(), [], true).slug).toBe("spec");
    expect(d.entries.get("crawl")?.standing).toBe("pending");
  });

  it("only a run made where no private set exists (a local run) may lead provisionally", () => {
    const local = { status: "pending", reason: NO_PRIVATE_SET } as const;
    const r = [
      ...demoRuns(),
      run({ id: "r5", cand: "crawl", inc: "spec", at: "05", c: 200, i: 100, confirmation: local }),
    ];
    expect(currentLeader(challenge(), r, []).slug).toBe("crawl");
    expect(currentLeader(challenge(), r, [], true).slug).toBe("spec");
  });
});

describe("F6: errors the incumbent causes count against it", () => {
  it("after INCUMBENT_FAILURES_FLAG such errors the leader is flagged for a ruling", () => {
    const broke = (id: string, at: string): RunRecord => ({
      ...run({ id, cand: "late", inc: "spec", at, c: 0, i: 100 }),
      status: "error",
      reason: "incumbent spec ended a turn early",
      failedArm: "incumbent",
      comparison: null,
    });
    const two = [...demoRuns(), broke("e1", "06"), broke("e2", "07")];
    expect(incumbentFailures(challenge(), two, [])).toMatchObject({ leader: "spec", flagged: false });
    const three = [...two, broke("e3", "08")];
    const f = incumbentFailures(challenge(), three, []);
    expect(f).toMatchObject({ leader: "spec", flagged: true });
    expect(f.counts.get("spec")).toBe(INCUMBENT_FAILURES_FLAG);
  });
});

/** One lifecycle step as the bot records it on the data branch. */
function step(slug: string, status: LifecycleEvent["status"], day: string, reason: string): LifecycleEvent {
  const organizer = status === "hacked" || status === "reinstated";
  return {
    version: 1,
    id: `2026-01-${day}-${slug}-${status}`,
    at: `2026-01-${day}T12:00:00.000Z`,
    slug,
    pr: 7,
    status,
    reason,
    by: organizer ? { id: 1, login: "org" } : { id: 2, login: "mallory" },
    commentId: Number(day),
  };
}

/** spec leads; cheat then beats spec by a mile (the fastest result), and later beats cheat. */
function cheatRuns(): RunRecord[] {
  return [
    ...demoRuns(),
    run({ id: "r5", cand: "cheat", inc: "spec", at: "05", c: 300, i: 100 }),
    run({ id: "r6", cand: "later", inc: "cheat", at: "06", c: 310, i: 300 }),
  ];
}

const SLUGS = ["baseline", "spec", "q8", "slow", "cheat", "later"];
const HACKED = step("cheat", "hacked", "07", "served cached outputs: see thread #12");

describe("decideStandings honours the result lifecycle", () => {
  it("a hacked result that was the fastest leads nowhere; the lead passes back to the one before", () => {
    expect(decideStandings(decide(cheatRuns(), SLUGS)).leader.slug).toBe("later");
    for (const strict of [false, true]) {
      const s = decideStandings({ ...decide(cheatRuns(), SLUGS), lifecycle: [HACKED] }, { strict });
      expect(s.leader.slug).toBe("spec");
      expect(s.leader.tieGroup).not.toContain("cheat");
      expect(s.leader.history.map((h) => h.slug)).not.toContain("cheat");
      // later only ever beat cheat: a win against a hacked result is not a win against the leader.
      expect(s.ranking.map((r) => r.slug)).not.toContain("cheat");
      expect(s.ranking[0]!.slug).toBe("spec");
    }
    const s = decideStandings({ ...decide(cheatRuns(), SLUGS), lifecycle: [HACKED] });
    expect(s.entries.get("cheat")).toMatchObject({
      standing: "hacked",
      lifecycle: { status: "hacked", reason: HACKED.reason, by: "org" },
    });
    expect(s.retired.map((m) => m.slug)).toEqual(["cheat"]);
  });

  it("the bot's default opponent agrees once a result is ruled hacked", () => {
    const lead = currentLeader(challenge(), cheatRuns(), [], false, [HACKED]);
    expect(lead.slug).toBe(
      decideStandings({ ...decide(cheatRuns(), SLUGS), lifecycle: [HACKED] }).leader.slug,
    );
  });

  it("withdrawing or relabelling does not hide a hacked ruling; only reinstate restores", () => {
    const withdrawAfter = [HACKED, step("cheat", "withdrawn", "08", "never mind")];
    // Out-of-order files on the data branch are replayed by time: the later step decides.
    const s = decideStandings({ ...decide(cheatRuns(), SLUGS), lifecycle: [...withdrawAfter].reverse() });
    expect(s.entries.get("cheat")!.standing).toBe("withdrawn");
    expect(s.leader.slug).toBe("spec");
    const back = [HACKED, step("cheat", "reinstated", "08", "cache was the harness's")];
    const restored = decideStandings({ ...decide(cheatRuns(), SLUGS), lifecycle: back });
    expect(restored.leader.slug).toBe("later");
    expect(restored.entries.get("cheat")!.standing).not.toBe("hacked");
    expect(restored.retired).toEqual([]);
  });

  it("a withdrawn leader stops leading and is listed as withdrawn; a negative is a logged dead end", () => {
    const s = decideStandings({
      ...decide(demoRuns(), [...SLUGS, "idea"]),
      lifecycle: [
        step("spec", "withdrawn", "05", "licence problem"),
        step("idea", "negative", "05", "no gain"),
      ],
    });
    expect(s.leader.slug).toBe("baseline");
    expect(s.entries.get("spec")).toMatchObject({
      standing: "withdrawn",
      lifecycle: { reason: "licence problem" },
    });
    expect(s.entries.get("idea")!.standing).toBe("negative");
    expect(s.ranking.map((r) => r.slug)).not.toContain("spec");
    expect(s.ranking.map((r) => r.slug)).not.toContain("idea");
  });

  it("every page names the previous leader once the fastest result is ruled hacked", () => {
    const input = { ...siteInput(cheatRuns()), lifecycle: [HACKED] };
    input.submissions.push(source("cheat", "05"), source("later", "06"));
    const model = buildModel(input);
    const files = new Map([...renderSite(model)].map((f) => [f.path, f.content]));
    const json = (p: string) => JSON.parse(files.get(p)!);
    expect(/data-leader="([^"]+)"/.exec(files.get("index.html")!)?.[1]).toBe("spec");
    expect(json("api/digest.json").leader.slug).toBe("spec");
    expect(model.frontier.at(-1)?.slug).toBe("spec");
    for (const board of ["api/leaderboard.json", "api/leaderboard-strict.json"]) {
      expect(json(board).leader.slug).toBe("spec");
      expect(json(board).rows.map((r: { slug: string }) => r.slug)).not.toContain("cheat");
    }
    const page = files.get("submissions/cheat.html")!;
    expect(page).toContain("served cached outputs");
    expect(page).not.toMatch(/class="standing s-(valid|leader)"/);
    const twin = json("api/submissions/cheat.json");
    expect(twin.standing).toBe("hacked");
    expect(twin.history.map((h: { kind: string }) => h.kind)).toEqual(["run", "lifecycle"]);
  });
});

/**
 * The demo's record set as the issue found it (main at 07aebe8): q8 leads; spec (36.4 tok/s) was
 * unresolved against baseline and never compared with q8; q8-spec was compared with spec only;
 * q8-tuned measured 73.3 tok/s in a run against q8-spec but was slower than q8 head to head; a lossy
 * candidate failed identity against the leader.
 */
function demoLikeRuns(): RunRecord[] {
  const skipped = { confirmation: { status: "skipped" } } as const;
  const failedIdentity = {
    ...run({ id: "d6", cand: "q8-lossy", inc: "q8", at: "16", c: 90, i: 61, ...skipped }),
    status: "invalid" as const,
    reason: "identity failed",
    quality: { candidate: { ...QUALITY, ok: false }, incumbent: QUALITY },
  };
  return [
    run({ id: "d1", cand: "q8", inc: "baseline", at: "10", c: 61.2, i: 35.2 }),
    run({
      id: "d2",
      cand: "spec",
      inc: "baseline",
      at: "11",
      c: 36.4,
      i: 35.9,
      verdict: "inconclusive",
      ...skipped,
    }),
    run({ id: "d3", cand: "q8-spec", inc: "spec", at: "12", c: 60.5, i: 36.1, ...skipped }),
    run({ id: "d4", cand: "q8-tuned", inc: "q8-spec", at: "13", c: 73.3, i: 60, ...skipped }),
    run({ id: "d5", cand: "q8-tuned", inc: "q8", at: "14", c: 34.1, i: 61.2, verdict: "slower", ...skipped }),
    failedIdentity,
    run({ id: "d7", cand: "twin", inc: "q8", at: "17", c: 61.0, i: 61.2, verdict: "tie", ...skipped }),
  ];
}

describe("one meaning of rank (core/versus.ts)", () => {
  const slugs = ["baseline", "q8", "spec", "q8-spec", "q8-tuned", "q8-lossy", "twin"];

  it('on demo-like data no entry shares rank 1 ("=1") without a tie verdict against the leader', () => {
    const s = decideStandings({ challenge: challenge(), runs: demoLikeRuns(), rulings: [], slugs });
    expect(s.leader.slug).toBe("q8");
    const rank1 = s.ranking.filter((r) => r.rank === 1).map((r) => r.slug);
    expect(rank1.sort()).toEqual(["q8", "twin"]);
    expect(s.leader.tieGroup).toEqual(["q8", "twin"]);
    for (const r of s.ranking) {
      if (r.label !== "=1" && r.label !== "1") continue;
      if (r.slug === "q8") continue;
      expect(r.versusLeader, r.slug).toMatchObject({ kind: "compared", verdict: "tie" });
    }
    const of = (slug: string) => s.ranking.find((r) => r.slug === slug)!;
    expect(versusLeaderText(of("spec").versusLeader)).toBe("not yet compared with the leader");
    expect(of("spec").rank).toBeGreaterThan(1);
    expect(of("q8-spec").versusLeader.kind).toBe("not-compared");
    expect(of("q8-tuned").versusLeader).toMatchObject({ kind: "compared", verdict: "slower", run: "d5" });
    expect(of("baseline").versusLeader).toMatchObject({ kind: "compared", verdict: "slower", estimate: -26 });
  });

  it("every page of the site agrees: no '=1' or 'tied with the leader' without the tie verdict", () => {
    const input = { ...siteInput(demoLikeRuns()) };
    input.submissions = slugs.map((s, i) => source(s, String(10 + i)));
    const files = new Map([...renderSite(buildModel(input))].map((f) => [f.path, f.content]));
    const board = JSON.parse(files.get("api/leaderboard.json")!) as {
      rows: { slug: string; label: string; versusLeader: { kind: string; verdict?: string } }[];
    };
    for (const row of board.rows.filter((r) => r.label === "=1"))
      expect(row.slug === "q8" || row.versusLeader.verdict === "tie", row.slug).toBe(true);
    const home = files.get("index.html")!;
    expect(home).toMatch(
      /Tied with the leader by a head-to-head verdict[^<]*<a href="submissions\/twin.html">/,
    );
    expect(home).not.toMatch(/submissions\/spec.html">spec<\/a>[^<]*<\/p>\s*<p>Tied/);
    const html = files.get("leaderboard.html")!;
    const specRow = /<tr data-slug="spec">.*?<\/tr>/s.exec(html)![0];
    expect(specRow).toContain("not yet compared with the leader");
    expect(specRow).not.toMatch(/>=1</);
  });

  it("a submission's page shows every run from its own side", () => {
    const input = { ...siteInput(demoLikeRuns()) };
    input.submissions = slugs.map((s, i) => source(s, String(10 + i)));
    const files = new Map([...renderSite(buildModel(input))].map((f) => [f.path, f.content]));
    const leader = JSON.parse(files.get("api/submissions/q8.json")!) as {
      runs: { id: string; role: string; verdict: string | null; estimate: number | null; status: string }[];
    };
    // The lossy challenger's failed run is its own failure, not the leader's.
    expect(leader.runs.map((r) => r.id)).not.toContain("d6");
    expect(leader.runs.every((r) => r.status === "ok")).toBe(true);
    // Defending against q8-tuned: q8 was faster, by +27.1 tok/s from its side.
    expect(leader.runs.find((r) => r.id === "d5")).toMatchObject({ role: "incumbent", verdict: "faster" });
    expect(leader.runs.find((r) => r.id === "d5")!.estimate).toBeCloseTo(27.1, 5);
    expect(files.get("submissions/q8.html")).not.toMatch(/failed|identity failed/);
    const tuned = files.get("submissions/q8-tuned.html")!;
    expect(tuned).toContain("slower than the leader");
  });
});

describe("velodrome digest (core/digest.ts)", () => {
  it("names the leader, its margin over the runner-up from a head-to-head run, and the tie group", () => {
    const input = { ...siteInput(demoLikeRuns()) };
    input.submissions = ["baseline", "q8", "spec", "q8-spec", "q8-tuned", "q8-lossy", "twin"].map((s, i) =>
      source(s, String(10 + i)),
    );
    const state = stateOfPlay(input, buildModel(input), undefined, new Date("2026-01-20T00:00:00Z"));
    expect(state.leader.slug).toBe("q8");
    expect(state.tieGroup).toEqual(["q8", "twin"]);
    // The runner-up is the tied entry, compared head to head: the margin is that run's, turned to q8's side.
    expect(state.margin).toMatchObject({ runnerUp: "twin", verdict: "tie", run: "d7" });
    expect(state.margin!.estimate).toBeCloseTo(0.2, 5);
    expect(state.quota).toBeNull();
    expect(stateOfPlayText(state)).toMatch(/leader: q8 at [\d.]+ tok\/s .*runner-up twin: \+0\.2 tok\/s/);
    // The leader is not "tied with" itself: with no tie verdict the line says none.
    expect(stateOfPlayText(state)).toContain("tied with the leader (a head-to-head tie verdict): twin\n");
    const alone = stateOfPlayText({ ...state, tieGroup: ["q8"] });
    expect(alone).toContain("tied with the leader (a head-to-head tie verdict): none\n");
  });
});
