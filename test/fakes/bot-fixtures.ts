/**
 * Deterministic fixtures for the bot's fast tests: a challenge, participants, pull requests,
 * issue_comment payloads and run records whose verdicts follow from their samples.
 */
import type { CommentOrigin } from "../../runner/core/github/event.ts";
import type { FlowContext } from "../../runner/flows/bot/index.ts";
import { ChallengeSchema, type Challenge } from "../../runner/core/schema/challenge.ts";
import type { Participants, Reservation } from "../../runner/core/schema/data.ts";
import type { LaunchRecord, RunRecord } from "../../runner/core/schema/run-record.ts";
import { compare } from "../../runner/core/stats/compare.ts";
import { blockOrder } from "../../runner/core/stats/design.ts";
import { seedFrom } from "../../runner/core/stats/rng.ts";
import { toComparisonRecord } from "../../runner/core/github/record-check.ts";

export const NOW = new Date("2026-01-15T12:00:00.000Z");
export const SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
export const ALICE = { id: 101, login: "alice" };
export const BOB = { id: 102, login: "bob" };
export const CAROL = { id: 103, login: "carol" };
export const MALLORY = { id: 666, login: "mallory" };
export const ORGA = { id: 1, login: "orga" };
const ALICE_OWNER = { id: 900, login: "alice-owner" };

export function challenge(): Challenge {
  return ChallengeSchema.parse({
    schema: 1,
    id: "demo",
    title: "Demo",
    summary: "A test challenge.",
    model: { id: "velodrome/target", revision: "v1" },
    engine: { kind: "embedded", version: "1" },
    hardware: { runner_labels: ["cpu"], description: "one CPU thread" },
    metric: {
      name: "decode_tps",
      batch_size: 1,
      prompts: "challenge/prompts/public.jsonl",
      max_tokens: 32,
      warmup: 1,
      repeats: 2,
    },
    verification: {
      max_ppl_increase: 0.05,
      min_greedy_exact: 0.8,
      min_greedy_prefix: 0.9,
      private_prompts: "/etc/velodrome/private.jsonl",
    },
    quota: { window_hours: 24, per_agent: 3, per_owner: 5 },
    significance: { alpha: 0.05, min_effect: "2%", looks: [4] },
    organizers: ["orga"],
    baseline: "baseline",
  } satisfies Record<string, unknown> as unknown);
}

export function participants(): Participants {
  return {
    schema: 1,
    participants: [
      { id: ALICE.id, login: "alice", owner: ALICE_OWNER },
      { id: BOB.id, login: "bob", owner: ALICE_OWNER },
      { id: CAROL.id, login: "carol", owner: { id: 901, login: "carol-owner" } },
      { id: ORGA.id, login: "orga", owner: ORGA },
    ],
  } as Participants;
}

/**
 * The bot's flow context over in-memory fakes: the fixture challenge and participants (Mallory
 * too, where `mallory`), the fixed clock, a validator that passes; `o` overrides any field.
 */
export function botContext(
  o: Pick<FlowContext, "api" | "store"> & Partial<FlowContext> & { mallory?: boolean },
): FlowContext {
  const { mallory, ...rest } = o;
  const p = participants();
  return {
    challenge: challenge(),
    participants: mallory
      ? { ...p, participants: [...p.participants, { id: MALLORY.id, login: MALLORY.login, owner: MALLORY }] }
      : p,
    now: () => NOW,
    ref: "main",
    evaluateWorkflow: "evaluate.yml",
    knownSlugs: ["baseline"],
    validator: { validate: async () => ({ ok: true, problems: [] }) },
    ...rest,
  };
}

/** A PR that adds one submission folder. */
export const submissionFiles = (slug = "q8") => [
  { filename: `submissions/${slug}/submission.yaml`, status: "added" },
  { filename: `submissions/${slug}/README.md`, status: "added" },
];

export const openPull = (n = 7, author = ALICE) => ({ number: n, state: "open", user: author, headSha: SHA });

export function origin(requester = ALICE, o: Partial<CommentOrigin> = {}): CommentOrigin {
  return { issue: 7, commentId: 3001, requester, association: "CONTRIBUTOR", ...o };
}

/** An issue_comment webhook payload with only the fields the bot reads (plus one it ignores). */
export function commentEvent(o: {
  body: string;
  user?: { id: number; login: string };
  issue?: number;
  commentId?: number;
  isPr?: boolean;
  association?: string;
  action?: string;
  type?: string;
}) {
  const user = o.user ?? ALICE;
  const issue = o.issue ?? 7;
  return {
    action: o.action ?? "created",
    issue: {
      number: issue,
      user: ALICE,
      ...(o.isPr === false ? {} : { pull_request: { url: `https://api.invalid/pulls/${issue}` } }),
    },
    comment: {
      id: o.commentId ?? 3001,
      body: o.body,
      user: { ...user, type: o.type ?? "User" },
      author_association: o.association ?? "CONTRIBUTOR",
    },
    repository: { full_name: "velodrome-org/challenge" },
  };
}

/** A charged reservation by someone, `hoursAgo` before NOW. */
export function reservation(id: string, requester = ALICE, hoursAgo = 1, o: Partial<Reservation> = {}) {
  const owner = requester.id === CAROL.id ? { id: 901, login: "carol-owner" } : ALICE_OWNER;
  return {
    version: 1,
    id,
    at: new Date(NOW.getTime() - hoursAgo * 3600_000).toISOString(),
    requester,
    owner,
    pr: 7,
    author: "alice",
    slug: "q8",
    sha: SHA,
    against: "baseline",
    organizer: false,
    ...o,
  } satisfies Reservation;
}

/** Per-block tok/s of each arm: the candidate as a multiple of the incumbent, with a fixed wiggle. */
const WIGGLE = [0.3, -0.2, 0.1, -0.4, 0.2, 0, -0.1, 0.4];

/** The record's honest design: the seed its run id gives, the block order that seed gives. */
const RUN_ID = "2026-01-15-pr7-c3001";
export const designOrder = (looks: readonly number[], runId = RUN_ID) =>
  blockOrder(looks[looks.length - 1]!, seedFrom(runId)).map((b) => (b[0] === "candidate" ? "CI" : "IC"));

function launches(
  candidate: number,
  incumbent: number,
  s: (typeof SCENARIOS)[Scenario],
  runId: string,
): LaunchRecord[] {
  const { blocks, noise } = s;
  const order = designOrder(s.looks, runId);
  const out: LaunchRecord[] = [];
  for (let b = 0; b < blocks; b++) {
    const w = WIGGLE[b % WIGGLE.length]! * noise;
    const arms: [LaunchRecord["arm"], string, number][] = [
      ["candidate", "q8", candidate + w],
      ["incumbent", "baseline", incumbent - w * 0.5],
    ];
    arms.forEach(([arm, slug, tps], position) =>
      out.push({
        arm,
        slug,
        block: b,
        position: order[b] === "CI" ? position : 1 - position,
        startMs: 1000 * (2 * b + position),
        runs: [tps, tps + 0.05 * noise],
        ttftMs: 12,
        tokens: 2 * 32 * 2, // prompts × max_tokens × repeats
        outputsSha256: "0".repeat(64),
      }),
    );
  }
  return out;
}

/** Speeds (candidate, incumbent), blocks and noise that give each verdict under `challenge()`. */
export const SCENARIOS = {
  faster: { candidate: 50, incumbent: 42, blocks: 4, noise: 1, looks: [4] },
  slower: { candidate: 38, incumbent: 42, blocks: 4, noise: 1, looks: [4] },
  tie: { candidate: 42, incumbent: 42, blocks: 4, noise: 0.02, looks: [4] },
  inconclusive: { candidate: 43, incumbent: 42, blocks: 4, noise: 12, looks: [4, 8] },
  stoppedEarly: { candidate: 60, incumbent: 42, blocks: 4, noise: 0.5, looks: [4, 8] },
} as const;
export type Scenario = keyof typeof SCENARIOS;

/** A complete, schema-valid run record for a scenario, its comparison computed by the stats core. */
export function runRecord(scenario: Scenario, o: Partial<RunRecord> = {}): RunRecord {
  const s = SCENARIOS[scenario];
  // A record's seed and block order are those its run id gives (publish checks it), whatever the id.
  const id = o.id ?? RUN_ID;
  const ls = launches(s.candidate, s.incumbent, s, id);
  const c = compare(
    ls.map((l) => ({ arm: l.arm, launch: `${l.block}-${l.arm}`, block: l.block, runs: l.runs })),
    {
      alpha: 0.05,
      minEffect: challenge().significance.min_effect,
      looks: s.looks,
      seed: seedFrom(id),
      bootstrapReps: 0,
    },
  );
  return {
    version: 1,
    id,
    challenge: "demo",
    status: "ok",
    candidate: { slug: "q8", commit: SHA },
    incumbent: { slug: "baseline" },
    runner: { id: "runner-1", hardware: "1× CPU thread", engine: "embedded 1", harness: "velodrome 0.1" },
    design: {
      seed: seedFrom(id),
      order: designOrder(s.looks, id),
      looks: [...s.looks],
      warmup: 1,
      repeats: 2,
      prompts: 2,
      maxTokens: 32,
    },
    launches: ls,
    comparison: toComparisonRecord(c),
    quality: {
      candidate: {
        ok: true,
        ppl: 1.2345,
        pplReference: 1.23,
        pplIncrease: 0.0036,
        maxPplIncrease: 0.05,
        greedy: { prompts: 2, exact: 2, exactFraction: 1, meanPrefixFraction: 1 },
        identity: { ok: true, prompts: 2, passed: 2, exact: 1, min: 0.8, tieMargin: 0.5 },
        outputNll: {
          ok: true,
          prompts: 2,
          nll: 0.51,
          nllPlain: 0.5,
          increase: 0.01,
          worse: 0,
          max: 0.05,
          worst: 0.02,
          maxPrompt: 1,
        },
        reasons: [],
      },
      incumbent: null,
    },
    confirmation: { status: "confirmed", ratio: 0.98 },
    startedAt: "2026-01-15T12:05:00Z",
    finishedAt: "2026-01-15T12:20:00Z",
    ...o,
  };
}
