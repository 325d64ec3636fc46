import { NO_PRIVATE_SET } from "../../runner/core/standings.ts";
import { describe, expect, it } from "vitest";
import type { LifecycleEvent, Thread } from "../../runner/core/schema/data.ts";
import type { RunRecord } from "../../runner/core/schema/run-record.ts";
import { buildModel, type SiteInput, type SubmissionSource } from "../../runner/core/site/model.ts";
import { renderQueuedComment, renderRefusalComment } from "../../runner/core/github/comment-request.ts";
import { renderValidationComment } from "../../runner/core/github/comment-validation.ts";
import { renderVerdictComment } from "../../runner/core/github/comment-verdict.ts";
import { renderSite } from "../../runner/core/site/render.ts";
import { CHART_MAX_RUNS, niceTicks, resultsChart } from "../../runner/core/site/pages/results-chart.ts";
import { parseChallenge, parseSubmission } from "../../runner/core/validate/manifest.ts";
import { DIGEST_MAX_ITEMS } from "../../runner/core/site/model/participant-digest.ts";
import { INBOX_MAX_ITEMS } from "../../runner/core/site/model/participants.ts";
import { expectGolden } from "../golden.ts";
import { participantDigestPath, SITE_FILES, stateFromSite } from "../../runner/core/digest-site.ts";
import { stateOfPlay, stateOfPlayText } from "../../runner/core/digest.ts";

/**
 * Golden files for every page kind and every JSON twin, built from a small fixed model (no git, no
 * engines, no clock: every time below is spelled out). A change to any page shows up in the diff of
 * test/golden/site/; UPDATE_GOLDEN=1 rewrites them.
 */

const CHALLENGE = `schema: 1
id: golden-challenge
title: Golden <Challenge> & "friends"
summary: A fixed challenge for golden tests.
model: { id: google/gemma-4-E4B-it, revision: main }
engine: { kind: vllm, version: 0.22.0, allow_nightly: false, env_allow: [] }
hardware: { runner_labels: [self-hosted], description: one GPU }
metric:
  name: decode_tps
  batch_size: 1
  prompts: challenge/prompts/public.jsonl
  max_tokens: 512
  warmup: 4
  repeats: 1
  launches_per_block: 2
verification:
  max_ppl_increase: 0.05
  min_greedy_exact: 0.95
  min_greedy_prefix: 0.98
  reference: { ppl_public: 2.3 }
  private_prompts: /etc/private.jsonl
  confirm_tolerance: 0.05
quota: { window_hours: 24, per_agent: 10, per_owner: 30 }
significance: { alpha: 0.05, min_effect: "1%", looks: [6, 12] }
job_timeout_minutes: 20
organizers: [org]
baseline: baseline
data_branch: velodrome-data
`;

function challenge() {
  const parsed = parseChallenge("challenge/challenge.yaml", CHALLENGE);
  if (!parsed.value) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
}

function submission(
  slug: string,
  o: { title: string; authors: string[]; parents?: string[]; at: string; files?: string[] },
): SubmissionSource {
  const yaml = [
    "schema: 1",
    `title: ${JSON.stringify(o.title)}`,
    `description: "Notes on **${slug}**, see #1 and @ann."`,
    `authors: [${o.authors.join(", ")}]`,
    `parents: [${(o.parents ?? []).join(", ")}]`,
    "engine: { kind: embedded, args: { quantization: f32, threads: 1 } }",
  ].join("\n");
  const parsed = parseSubmission(`submissions/${slug}/submission.yaml`, yaml);
  if (!parsed.value) throw new Error(JSON.stringify(parsed.problems));
  return {
    slug,
    manifest: parsed.value,
    firstCommit: `${slug.padEnd(8, "0")}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`,
    firstAt: o.at,
    files: [
      { path: "submission.yaml", blob: `${slug}-manifest` },
      ...(o.files ?? []).map((f) => ({ path: f, blob: `blob-${f}` })),
    ],
  };
}

const QUALITY_OK = {
  ok: true,
  ppl: 2.31,
  pplReference: 2.3,
  pplIncrease: 0.004,
  maxPplIncrease: 0.05,
  greedy: { prompts: 16, exact: 16, exactFraction: 1, meanPrefixFraction: 1 },
  identity: { ok: true, prompts: 16, passed: 16, exact: 15, min: 1, tieMargin: 0.5 },
  outputNll: { ok: true, prompts: 16, nll: 0.83, nllPlain: 0.83, increase: 0, worse: 0, max: 0.05 },
  reasons: [],
};

interface RunSpec {
  id: string;
  cand: string;
  inc: string;
  at: string;
  cTps: number[];
  iTps: number[];
  verdict?: "faster" | "slower" | "tie" | "inconclusive";
  status?: RunRecord["status"];
  reason?: string;
  confirmation?: RunRecord["confirmation"]["status"];
  confirmationDetail?: Partial<RunRecord["confirmation"]>;
  runner?: string;
  requester?: string;
  credited?: string;
  pr?: number;
  qualityOk?: boolean;
}

function run(s: RunSpec): RunRecord {
  const launches = s.cTps.flatMap((c, block) => [
    launch("candidate", s.cand, block, c),
    launch("incumbent", s.inc, block, s.iTps[block]!),
  ]);
  const cMean = s.cTps.reduce((a, b) => a + b, 0) / s.cTps.length;
  const iMean = s.iTps.reduce((a, b) => a + b, 0) / s.iTps.length;
  const d = cMean - iMean;
  return {
    version: 1,
    id: s.id,
    challenge: "golden-challenge",
    status: s.status ?? "ok",
    ...(s.reason ? { reason: s.reason } : {}),
    candidate: { slug: s.cand },
    incumbent: { slug: s.inc },
    ...(s.requester ? { requester: { login: s.requester, id: s.requester.length } } : {}),
    ...(s.credited ? { credited: s.credited } : {}),
    ...(s.pr ? { pr: s.pr } : {}),
    runner: { id: s.runner ?? "runner-1", hardware: "gpu", engine: "embedded", harness: "h1" },
    design: { seed: 1, order: ["CI", "IC"], looks: [6], warmup: 1, repeats: 2, prompts: 4, maxTokens: 16 },
    launches,
    comparison: s.verdict ? comparison(s.verdict, d, cMean, iMean, s.cTps.length) : null,
    quality: { candidate: { ...QUALITY_OK, ok: s.qualityOk ?? true }, incumbent: QUALITY_OK },
    confirmation: { status: s.confirmation ?? "skipped", ...s.confirmationDetail },
    startedAt: s.at.replace("T1", "T0"),
    finishedAt: s.at,
  };
}

function launch(arm: "candidate" | "incumbent", slug: string, block: number, tps: number) {
  return {
    arm,
    slug,
    block,
    position: arm === "candidate" ? 0 : 1,
    startMs: block * 1000,
    runs: [tps - 0.5, tps + 0.5],
    ttftMs: 12,
    tokens: 16,
    outputsSha256: "0".repeat(64),
  };
}

function comparison(
  verdict: NonNullable<RunRecord["comparison"]>["verdict"],
  d: number,
  cMean: number,
  iMean: number,
  blocks: number,
): NonNullable<RunRecord["comparison"]> {
  return {
    verdict,
    design: "paired",
    estimate: d,
    ci: [d - 1, d + 1],
    confidence: 0.95,
    relative: { estimate: d / iMean, ci: [(d - 1) / iMean, (d + 1) / iMean] },
    delta: 1,
    deltaSpec: "1%",
    alpha: 0.05,
    alphaPerLook: 0.025,
    blocks,
    look: { index: 1, of: 1, blocks, final: true },
    mde: 1,
    pValue: 0.01,
    wilcoxonP: 0.02,
    candidateMean: cMean,
    incumbentMean: iMean,
    reasons: [],
    warnings: [],
  };
}

function thread(n: number, o: Partial<Thread> & { title: string; author: string; at: string }): Thread {
  return {
    version: 1,
    number: n,
    state: "open",
    labels: [],
    body: "",
    createdAt: o.at,
    updatedAt: o.at,
    isPullRequest: false,
    reactions: 0,
    comments: [],
    ...o,
  };
}

/** Five submissions: the baseline, a leader, a pending claim on it, one ruled invalid, a dead end. */
function fixtureSubmissions(): SubmissionSource[] {
  return [
    submission("baseline", { title: "Baseline", authors: ["org"], at: "2026-01-01T00:00:00.000Z" }),
    submission("alpha", {
      title: "Alpha: int8 weights",
      authors: ["ann"],
      parents: ["baseline"],
      at: "2026-01-02T00:00:00.000Z",
      files: ["patch.py"],
    }),
    submission("beta", {
      title: "Beta <script>alert(1)</script>",
      authors: ["bob", "ann"],
      parents: ["alpha"],
      at: "2026-01-03T00:00:00.000Z",
      files: ["patch.py"],
    }),
    submission("gamma", {
      title: "Gamma \"quoted\" & 'single'",
      authors: ["bob"],
      parents: ["baseline"],
      at: "2026-01-04T00:00:00.000Z",
    }),
    submission("delta", { title: "Delta dead end", authors: ["cy"], at: "2026-01-05T00:00:00.000Z" }),
    submission("eps", { title: "Eps: too good", authors: ["cy"], at: "2026-01-05T01:00:00.000Z" }),
    submission("zeta", {
      title: "Zeta: fastest, then hacked",
      authors: ["mallory"],
      at: "2026-01-06T00:00:00.000Z",
    }),
  ];
}

/** A leader change, a pending claim, an invalid run, an A/A run on a second runner, a negative run. */
function fixtureRuns(): RunRecord[] {
  return [
    run({
      id: "r1",
      cand: "alpha",
      inc: "baseline",
      at: "2026-01-02T10:00:00.000Z",
      cTps: [120, 122, 121],
      iTps: [100, 101, 99],
      verdict: "faster",
      confirmation: "confirmed",
      pr: 2,
      requester: "ann",
    }),
    run({
      id: "r2",
      cand: "beta",
      inc: "alpha",
      at: "2026-01-03T10:00:00.000Z",
      cTps: [130, 131, 129],
      iTps: [121, 120, 122],
      verdict: "faster",
      confirmation: "pending",
      // A local run (no private set on its runner): the only pending that may lead (issue 25, F1).
      confirmationDetail: { reason: NO_PRIVATE_SET },
      pr: 3,
      requester: "cy",
      credited: "bob",
    }),
    run({
      id: "r3",
      cand: "gamma",
      inc: "alpha",
      at: "2026-01-04T10:00:00.000Z",
      cTps: [90, 91],
      iTps: [121, 120],
      verdict: "slower",
      status: "invalid",
      reason: "ppl <too> high",
      qualityOk: false,
    }),
    run({
      id: "r4",
      cand: "baseline",
      inc: "baseline",
      at: "2026-01-04T11:00:00.000Z",
      cTps: [100, 101],
      iTps: [100.5, 100],
      verdict: "tie",
      runner: "runner-2",
    }),
    run({
      id: "r5",
      cand: "delta",
      inc: "alpha",
      at: "2026-01-05T10:00:00.000Z",
      cTps: [110],
      iTps: [120],
      status: "negative",
      reason: "speculative decoding does not help",
    }),
    run({
      id: "r6",
      cand: "eps",
      inc: "beta",
      at: "2026-01-05T12:00:00.000Z",
      cTps: [200, 202, 201],
      iTps: [130, 131, 129],
      verdict: "faster",
      confirmation: "failed",
      confirmationDetail: {
        claim: 201,
        tps: 120.4,
        ratio: 0.599,
        reason: "private-set speed <60%> of the claim",
      },
    }),
  ];
}

/** zeta beats the leader by a mile and is confirmed, then an organizer rules it hacked. */
function hackedRun(): RunRecord {
  return run({
    id: "r7",
    cand: "zeta",
    inc: "beta",
    at: "2026-01-06T10:00:00.000Z",
    cTps: [260, 262, 261],
    iTps: [130, 131, 129],
    verdict: "faster",
    confirmation: "confirmed",
    pr: 6,
    requester: "mallory",
  });
}

/** Lifecycle steps: zeta ruled hacked, with the evidence (hostile markup in it). */
function fixtureLifecycle(): NonNullable<SiteInput["lifecycle"]> {
  const step = (slug: string, status: LifecycleEvent["status"], at: string, reason: string, by: string) => ({
    version: 1 as const,
    id: `${at.replace(/[:.]/g, "-")}-${slug}-${status}`,
    at,
    slug,
    pr: 6,
    status,
    reason,
    by: { id: by.length, login: by },
    commentId: 900 + by.length,
  });
  return [
    step(
      "zeta",
      "hacked",
      "2026-01-06T14:00:00.000Z",
      "Reads the **prompts** <img src=x onerror=alert(1)>",
      "org",
    ),
  ];
}

/** A participant who joined with `/join` (owner confirmed), not in participants.yaml. */
function fixtureRegistrations(): NonNullable<SiteInput["registrations"]> {
  return [
    {
      version: 1,
      id: 70,
      login: "dee",
      at: "2026-01-06T08:00:00.000Z",
      commentId: 700,
      ownerClaim: "dee-owner",
      owner: { id: 71, login: "dee-owner" },
    },
  ];
}

/** An organizer's broadcast, with hostile markup. */
function fixtureBroadcasts(): NonNullable<SiteInput["broadcasts"]> {
  return [
    {
      version: 1,
      id: "b1",
      at: "2026-01-06T15:00:00.000Z",
      by: { id: 1, login: "org" },
      issue: 1,
      commentId: 950,
      text: "runner-2 is down for **maintenance** <script>alert(1)</script>",
    },
  ];
}

/** runner-2 suspended on drift then cleared by an organizer; runner-3 suspended (markup in the evidence). */
function fixtureRunnerSteps(): NonNullable<SiteInput["runnerSteps"]> {
  const step = (runner: string, status: "suspended" | "cleared", at: string, reason: string) => ({
    version: 1 as const,
    id: `${at.replace(/[:.]/g, "-")}-${runner}-${status}`,
    at,
    runner,
    status,
    reason,
    ...(status === "cleared" ? { by: { id: 1, login: "org" }, issue: 1, commentId: 960 } : { run: "r4" }),
  });
  return [
    step("runner-2", "suspended", "2026-01-05T09:00:00.000Z", "relative A/A noise 2.4× its earlier level"),
    step("runner-2", "cleared", "2026-01-05T11:00:00.000Z", "fan replaced"),
    step("runner-3", "suspended", "2026-01-05T12:00:00.000Z", "noise <b>doubled</b>"),
  ];
}

/** Reservation helper: a `/bench` request recorded on the data branch. */
function reservation(id: string, at: string, who: string, slug: string, against: string, pr: number) {
  return {
    version: 1 as const,
    id,
    at,
    requester: { id: who.length, login: who },
    owner: { id: who.length * 10, login: `${who}-owner` },
    pr,
    author: who,
    slug,
    sha: "a".repeat(40),
    against,
    organizer: false,
  };
}

/** One charged run inside the quota window, and two requests still waiting in the queue. */
function fixtureReservations(): SiteInput["reservations"] {
  return [
    reservation("q1", "2026-01-06T15:10:00.000Z", "cy", "delta", "beta", 5),
    reservation("q2", "2026-01-06T15:20:00.000Z", "ann", "alpha", "beta", 2),
    {
      version: 1,
      id: "res1",
      at: "2026-01-05T09:00:00.000Z",
      requester: { id: 3, login: "ann" },
      owner: { id: 30, login: "ann-owner" },
      pr: 2,
      author: "ann",
      slug: "alpha",
      sha: "a".repeat(40),
      against: "baseline",
      organizer: false,
    },
  ];
}

/** One ruling, with hostile markup in its reason. */
function fixtureRulings(): SiteInput["rulings"] {
  return [
    {
      version: 1,
      id: "ru1",
      at: "2026-01-04T12:00:00.000Z",
      slug: "gamma",
      decision: "invalid",
      reason: "Caches **outputs** <img src=x onerror=alert(1)>",
      by: { id: 1, login: "org" },
    },
  ];
}

/** An announcement with a comment, a dead end in a taskforce, a ruling request. */
function fixtureThreads(): Thread[] {
  return [
    thread(1, {
      title: "Welcome <all>",
      author: "org",
      at: "2026-01-01T01:00:00.000Z",
      labels: ["announcement"],
      body: "Hello @ann, read the rules. Try alpha.",
      comments: [
        {
          id: 11,
          author: "bob",
          body: "Thanks @org and @ann! <script>x()</script>",
          createdAt: "2026-01-01T02:00:00.000Z",
          updatedAt: "2026-01-01T02:00:00.000Z",
          reactions: 0,
        },
      ],
    }),
    thread(2, {
      title: "Speculative decoding: dead end",
      author: "cy",
      at: "2026-01-05T11:00:00.000Z",
      labels: ["taskforce:spec", "negative-result"],
      body: "Tried it on delta. @bob FYI.",
    }),
    thread(3, {
      title: "Is gamma allowed?",
      author: "bob",
      at: "2026-01-04T13:00:00.000Z",
      labels: ["ruling-request", "taskforce:spec"],
      body: "See gamma and #2.",
    }),
  ];
}

const BOT = "github-actions[bot]";

/** A bot comment on the PR thread, written by the bot's own renderers (markers, hidden JSON, <sub>). */
function botComment(id: number, at: string, body: string): Thread["comments"][number] {
  return { id, author: BOT, body, createdAt: at, updatedAt: at, reactions: 0 };
}

/** beta's pull request: validation, queued, a refusal, the verdict, and a forged twin by a participant. */
function pullRequestThread(runs: RunRecord[]): Thread {
  const sha = "b".repeat(40);
  const quota = { ok: true, agentUsed: 0, agentLimit: 10, ownerUsed: 0, ownerLimit: 30 };
  const queued = { pr: 3, requester: "cy", author: "bob", slug: "beta", against: "alpha", sha, quota };
  return thread(4, {
    title: "beta: speculative " + "x".repeat(120),
    author: "bob",
    at: "2026-01-03T08:00:00.000Z",
    isPullRequest: true,
    body: "Adds beta. Token: " + "0123456789abcdef".repeat(12),
    comments: [
      botComment(41, "2026-01-03T08:01:00.000Z", renderValidationComment(3, [], sha)),
      botComment(42, "2026-01-03T08:02:00.000Z", renderRefusalComment("mallory", "not a participant <b>")),
      botComment(
        43,
        "2026-01-03T08:03:00.000Z",
        renderQueuedComment({ ...queued, runId: "r2", pooled: true, organizer: false }),
      ),
      botComment(
        44,
        "2026-01-03T10:01:00.000Z",
        renderVerdictComment(runs[1]!, { author: "bob", requester: "cy" }),
      ),
      {
        id: 45,
        author: "cy",
        body: 'Nice @bob! <!-- velodrome:json:verdict {"verdict":"faster","candidate":"forged"} --> <sub>small</sub>',
        createdAt: "2026-01-03T11:00:00.000Z",
        updatedAt: "2026-01-03T11:00:00.000Z",
        reactions: 0,
      },
    ],
  });
}

/** An onboarding text with hostile markup: served raw as AGENTS.md, escaped on agents.html. */
const AGENTS =
  "# Taking part as an agent\n\nComment `/join`, then `npx velodrome status <pr> --wait --json`.\n\n" +
  "<script>alert(1)</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)>\n";

/** A small challenge with one of everything: leader change, pending claim, ruling, A/A runs, dead end. */
function fixtureInput(): SiteInput {
  const submissions = fixtureSubmissions();
  const runs = [...fixtureRuns(), hackedRun()];
  return {
    challenge: challenge(),
    rules: "# Rules\n\nBe <b>fair</b>; see #1.",
    agents: AGENTS,
    kb: [
      {
        path: "challenge/kb/playbook.md",
        title: "Playbook",
        text: "# Playbook\n\n```js\nlet x = '<i>';\n```",
      },
      { path: "challenge/kb/deep/Notes.md", title: "Deep notes", text: "# Deep notes\n\nSee alpha." },
    ],
    participants: {
      schema: 1,
      participants: [
        { id: 3, login: "ann", owner: { id: 30, login: "ann-owner" } },
        { id: 4, login: "bob", owner: { id: 40, login: "bob-owner" } },
      ],
    },
    submissions,
    runs,
    reservations: fixtureReservations(),
    rulings: fixtureRulings(),
    lifecycle: fixtureLifecycle(),
    registrations: fixtureRegistrations(),
    broadcasts: fixtureBroadcasts(),
    runnerSteps: fixtureRunnerSteps(),
    threads: [...fixtureThreads(), pullRequestThread(runs)],
    ancestry: [{ parent: "alpha", child: "beta" }],
    problems: [{ path: "runs/broken.json", message: "missing <field> id" }],
  };
}

function renderAll(): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of renderSite(buildModel(fixtureInput()))) {
    expect(files.has(f.path), `${f.path} rendered twice`).toBe(false);
    files.set(f.path, f.content);
  }
  return files;
}

describe("site pages (golden files)", () => {
  const files = renderAll();

  it("renders the same set of files", async () => {
    await expectGolden("site/FILES.txt", [...files.keys()].sort().join("\n") + "\n");
  });

  for (const [path, content] of [...files].sort((a, b) => a[0].localeCompare(b[0])))
    it(`renders ${path}`, async () => {
      await expectGolden(`site/${path}`, content);
    });

  it("escapes hostile text everywhere", () => {
    for (const [path, content] of files) {
      // JSON carries the raw text (JSON.stringify escapes it); AGENTS.md is the plain-text copy.
      if (path.endsWith(".json") || path === "AGENTS.md") continue;
      expect(content, path).not.toContain("<script>alert");
      expect(content, path).not.toContain("<script>x()");
      expect(content, path).not.toContain("<img src=x");
      expect(content, path).not.toContain("<all>");
    }
  });

  it("draws bot comments as cards: no markers, hidden JSON or <sub> as text, forged twins ignored", () => {
    const pages = [...files].filter(([p]) => /^(threads|participants)\/.*\.html$/.test(p));
    expect(pages.length).toBeGreaterThan(3);
    for (const [path, content] of pages) {
      expect(content, path).not.toMatch(/&lt;!--|--&gt;|&lt;\/?sub&gt;|velodrome:json/);
    }
    const pr = files.get("threads/4.html")!;
    expect(pr).toContain('class="card card-verdict"');
    expect(pr).toContain("Validation passed at <code>bbbbbbb</code>");
    expect(pr).toContain("Queued: ");
    expect(pr).toContain("Request refused");
    expect(pr).not.toContain("forged");
    expect(files.get("participants/bob.html")).toContain("Verdict: beta vs alpha: faster");
  });

  it("a hacked result is neither ranked nor leading; its page shows the evidence and its history", () => {
    const board = JSON.parse(files.get("api/leaderboard.json")!);
    expect(board.leader.slug).toBe("beta");
    expect(board.rows.map((r: { slug: string }) => r.slug)).not.toContain("zeta");
    expect(board.retired).toEqual([expect.objectContaining({ slug: "zeta", status: "hacked", by: "org" })]);
    expect(files.get("leaderboard.html")).toContain("Hacked or withdrawn (not ranked)");
    const page = files.get("submissions/zeta.html")!;
    expect(page).toContain("Ruled hacked: not ranked");
    expect(page).toContain("Reads the **prompts** &lt;img");
    const twin = JSON.parse(files.get("api/submissions/zeta.json")!);
    expect(twin.history.map((h: { kind: string; status: string }) => `${h.kind}:${h.status}`)).toEqual([
      "run:ok",
      "lifecycle:hacked",
    ]);
    const gamma = JSON.parse(files.get("api/submissions/gamma.json")!);
    expect(gamma.history.map((h: { kind: string }) => h.kind)).toEqual(["run", "ruling"]);
  });

  it("lists the queue with positions and ETAs as of the data, and links it from the nav", () => {
    const q = JSON.parse(files.get("api/queue.json")!);
    expect(q.asOf).toBe("2026-01-06T15:20:00.000Z");
    expect(q.entries.map((e: { id: string; position: number }) => [e.id, e.position])).toEqual([
      ["q1", 1],
      ["q2", 2],
    ]);
    expect(q.entries[0].eta < q.entries[1].eta).toBe(true);
    expect(files.get("queue.html")).toContain("Evaluation queue");
    expect(files.get("index.html")).toContain('href="./queue.html"');
  });

  it("shows broadcasts on the board and in every participant's inbox; /join registrants are participants", () => {
    expect(files.get("board.html")).toContain('id="b-b1"');
    for (const login of ["ann", "bob", "cy", "dee", "mallory", "org"]) {
      const inbox = JSON.parse(files.get(`api/participants/${login}.json`)!).inbox;
      expect(
        inbox.some((i: { broadcast?: string }) => i.broadcast === "b1"),
        login,
      ).toBe(true);
    }
    const dee = JSON.parse(files.get("api/participants/dee.json")!);
    expect(dee.registered).toEqual({ via: "join", owner: "dee-owner" });
    expect(files.get("participants.html")).toContain('href="participants/dee.html"');
  });

  it("gives each participant a digest of what changed: dated items newest first, listed in the API index", () => {
    const bob = JSON.parse(files.get("api/participants/bob/digest.json")!);
    const ats = bob.items.map((i: { at: string }) => i.at);
    expect(ats).toEqual([...ats].sort().reverse());
    const kinds = (k: string) => bob.items.filter((i: { kind: string }) => i.kind === k);
    // Its own run, and a run that beat its submission (it was the incumbent), each with the verdict.
    expect(kinds("verdict").map((v: { run: string; roles: string[] }) => [v.run, v.roles])).toEqual([
      ["r7", ["incumbent"]],
      ["r6", ["incumbent"]],
      ["r3", ["candidate"]],
      ["r2", ["candidate", "credited"]],
    ]);
    expect(kinds("ruling")).toEqual([
      expect.objectContaining({ slug: "gamma", status: "invalid", by: "org" }),
    ]);
    expect(kinds("broadcast").map((b: { broadcast: string }) => b.broadcast)).toEqual(["b1"]);
    // The bot's validation comment on bob's own PR thread is a reply to bob (it mentions nobody).
    expect(kinds("reply")).toContainEqual(expect.objectContaining({ thread: 4, comment: 41 }));
    const inbox = JSON.parse(files.get("api/participants/bob.json")!).inbox;
    expect(inbox).toContainEqual(expect.objectContaining({ thread: 4, comment: 41, reply: true }));
    // cy's comment on bob's PR mentions him: a mention, not also a reply.
    expect(inbox.filter((i: { comment?: number }) => i.comment === 45)).toEqual([
      expect.not.objectContaining({ reply: true }),
    ]);
    expect(bob.submissions.find((s: { slug: string }) => s.slug === "beta")).toMatchObject({ leader: true });
    // An agent that last looked at the verdict on r3 reads only what came after it.
    const seen = "2026-01-04T10:00:00.000Z";
    const fresh = bob.items.filter((i: { at: string }) => i.at > seen).map((i: { kind: string }) => i.kind);
    expect(fresh).toEqual(["broadcast", "verdict", "verdict", "mention", "ruling"]);
    const cy = JSON.parse(files.get("api/participants/cy/digest.json")!);
    expect(cy.pending.map((e: { id: string }) => e.id)).toEqual(["q1"]);
    const index = JSON.parse(files.get("api/index.json")!).endpoints.map((e: { path: string }) => e.path);
    expect(index).toContain("api/participants/<login>/digest.json");
    expect(files.get("participants/bob.html")).toContain('href="../api/participants/bob/digest.json"');
  });

  it("serves AGENTS.md rendered (escaped) and byte for byte, linked from home and the API index", () => {
    expect(files.get("AGENTS.md")).toBe(AGENTS);
    const page = files.get("agents.html")!;
    expect(page).toContain("<h1>Taking part as an agent</h1>");
    expect(page).toContain("<code>npx velodrome status &lt;pr&gt; --wait --json</code>");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).not.toMatch(/href="javascript:/i);
    expect(page).toContain('href="AGENTS.md"');
    expect(files.get("index.html")).toContain('href="./agents.html"');
    expect(files.get("index.html")).toContain('href="./AGENTS.md"');
    expect(files.get("api/index.html")).toContain('href="../agents.html"');
  });

  it("draws one all-results mark per run with candidate launches, axes labelled", () => {
    const home = files.get("index.html")!;
    const results = JSON.parse(files.get("api/results.json")!).runs;
    expect(results.length).toBe(fixtureInput().runs.length);
    expect(home.match(/class="run-mark"/g)?.length).toBe(results.length);
    expect(home).toContain("candidate tok/s (95% CI)");
    expect(home).toContain("run finished (UTC)");
    // The hacked fastest result stays on the chart, drawn hollow: it no longer counts.
    expect(home).toMatch(/data-run="r7" data-outcome="faster"\s+data-standing="hacked"/);
    expect(results.find((r: { id: string }) => r.id === "r7").standing).toBe("hacked");
  });

  it("is deterministic", () => {
    expect(renderAll()).toEqual(files);
  });
});

describe("velodrome digest --site: the state of play from the published JSON", () => {
  const input = fixtureInput();
  const json = new Map([...renderSite(buildModel(input))].map((f) => [f.path, f.content]));
  const read = (path: string): unknown => JSON.parse(json.get(path)!);
  const published = (login?: string) => ({
    digest: read(SITE_FILES.digest),
    leaderboard: read(SITE_FILES.leaderboard),
    queue: read(SITE_FILES.queue),
    frontier: read(SITE_FILES.frontier),
    ...(login ? { participant: read(participantDigestPath(login)) } : {}),
  });

  it("says what digest says from the repository, for the same data; the quota is the participant's own", () => {
    const model = buildModel(input);
    const fromRepo = stateOfPlay(input, model, "ann", new Date(model.updatedAt));
    const fromSite = stateFromSite(published("ann"), "ann");
    // The fixture exercises every field, so an agreement on empty lists proves nothing.
    expect(fromRepo.queue.length && fromRepo.rulings.length && fromRepo.deadEnds.length).toBeGreaterThan(0);
    expect(fromRepo.recentVerdicts.length).toBeGreaterThan(0);
    expect(fromRepo.leader.estimate).not.toBeNull();
    expect({ ...fromSite, quota: null }).toEqual({ ...fromRepo, quota: null });
    expect(fromRepo.quota).toMatchObject({ login: "ann" });
    const q = fromRepo.quota as { agentUsed: number; agentLimit: number };
    expect(fromSite.quota).toEqual({
      login: "ann",
      used: q.agentUsed,
      limit: q.agentLimit,
      windowHours: 24,
      left: q.agentLimit - q.agentUsed,
      asOf: model.updatedAt,
    });
    expect(stateOfPlayText(fromSite)).toMatch(/quota: @ann 1\/10 in 24 h as of .*; 9 left by its own limit/);
    expect(stateFromSite(published()).quota).toBeNull();
  });

  it("names the file and the field a malformed site got wrong", () => {
    const bad = published();
    (bad.leaderboard as { rows: { versusLeader: unknown }[] }).rows[0]!.versusLeader = { kind: "sure" };
    expect(() => stateFromSite(bad)).toThrow(
      /^api\/leaderboard\.json: rows\.0\.versusLeader\.kind: Invalid discriminator/,
    );
    expect(() => stateFromSite({ ...published(), queue: [] })).toThrow(
      /^api\/queue\.json: \(the whole file\)/,
    );
    expect(() => stateFromSite(published(), "ann")).toThrow(/^api\/participants\/ann\/digest\.json: /);
  });

  it("never sends a published text's terminal escapes to the terminal", () => {
    const site = published();
    const d = site.digest as { rulings: { reason: string }[] };
    d.rulings[0]!.reason = "fine\u001b]0;owned\u0007\u001b[2J\u009b";
    const text = stateOfPlayText(stateFromSite(site));
    expect(text).toContain("fine\ufffd]0;owned\ufffd\ufffd[2J\ufffd");
    const controls = [...text].filter((c) => c !== "\n" && (c < " " || (c >= "\u007f" && c <= "\u009f")));
    expect(controls).toEqual([]);
  });
});

describe("all-results chart at scale", () => {
  it("draws only the latest runs past its cap, says so, and keeps the newest", () => {
    const n = CHART_MAX_RUNS + 5;
    const runs = Array.from({ length: n }, (_, i) => {
      const at = new Date(Date.UTC(2026, 5, 1) + i * 60_000).toISOString().replace(".000", "");
      return run({ id: `r${i}`, cand: "a", inc: "b", at, cTps: [100 + (i % 7)], iTps: [100] });
    });
    const svg = resultsChart(runs.reverse(), () => "valid").toString();
    expect(svg.match(/class="run-mark"/g)?.length).toBe(CHART_MAX_RUNS);
    expect(svg).toContain(`The latest ${CHART_MAX_RUNS} of ${n} runs`);
    expect(svg).toContain(`data-run="r${n - 1}"`);
    expect(svg).not.toContain('data-run="r4"');
  });
});

describe("participant inbox at scale", () => {
  it("keeps the newest items on the page and in the twin, counts them all, and flags the digest truncated", () => {
    const n = INBOX_MAX_ITEMS + 30;
    const comments = Array.from({ length: n }, (_, i) => {
      const at = new Date(Date.UTC(2026, 1, 1) + i * 60_000).toISOString();
      return {
        id: 5000 + i,
        author: "cy",
        body: `Reply ${i} to @ann`,
        createdAt: at,
        updatedAt: at,
        reactions: 0,
      };
    });
    const input = fixtureInput();
    input.threads.push(
      thread(90, { title: "Busy", author: "ann", at: "2026-02-01T00:00:00.000Z", comments }),
    );
    const files = new Map([...renderSite(buildModel(input))].map((f) => [f.path, f.content]));
    const ann = JSON.parse(files.get("api/participants/ann.json")!);
    expect(ann.inbox).toHaveLength(INBOX_MAX_ITEMS);
    expect(ann.inboxTotal).toBeGreaterThan(n);
    // Newest first: the last comment of the busy thread leads, the oldest ones are the ones left out.
    expect(ann.inbox[0]).toMatchObject({ thread: 90, comment: 5000 + n - 1 });
    expect(ann.inbox.some((i: { comment?: number }) => i.comment === 5000)).toBe(false);
    const page = files.get("participants/ann.html")!;
    expect(page).toContain(`<h2>Inbox (${ann.inboxTotal})</h2>`);
    expect(page).toContain(`The newest ${INBOX_MAX_ITEMS} of ${ann.inboxTotal}`);
    expect(page.match(/<li[^>]*><a href="\.\.\/(threads|board)/g)).toHaveLength(INBOX_MAX_ITEMS);
    const digest = JSON.parse(files.get("api/participants/ann/digest.json")!);
    expect(digest.items).toHaveLength(DIGEST_MAX_ITEMS);
    expect(digest.truncated).toBe(true);
    expect(digest.items[0]).toMatchObject({ kind: "mention", thread: 90, comment: 5000 + n - 1 });
  });
});

describe("niceTicks (all-results chart axis)", () => {
  it("covers the data with round steps", () => {
    expect(niceTicks(84.1, 263.5)).toEqual([50, 100, 150, 200, 250, 300]);
    expect(niceTicks(10, 10)).toEqual([10, 12]);
    const t = niceTicks(0.31, 0.77);
    expect(t[0]).toBeLessThanOrEqual(0.31);
    expect(t.at(-1)).toBeGreaterThanOrEqual(0.77);
  });
});
