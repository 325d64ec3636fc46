/**
 * A replay of a contest week against GitHub's limits: participants open pull requests, push, ask for
 * `/bench`, talk on the board and get rulings, over a simulated week with bursts. Every bot flow is
 * the real code (request → handleCommand and the reconciler, publish, the incremental mirror, the
 * validation comment) through the real Octokit layer, against the local GitHub stand-in with
 * GITHUB_TOKEN's limits applied (1,000 requests an hour, 80 / 500 content creations a minute / an
 * hour) on the replay's simulated clock. GitHub Actions is modelled from the shipped workflow files'
 * concurrency keys: one running and one pending run per group, a newer run replacing the pending
 * one (and cancelling the running one where `cancel-in-progress` is true). Modelled, not run: GPU
 * evaluation (a fixed duration), job start-up (a fixed duration per workflow), the site build, and
 * the Pages deployment's own requests (actions/deploy-pages: list the artifact, create the
 * deployment, poll its status every 5 s: about 10 requests).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { octokitApi } from "../../runner/adapters/github/api.ts";
import { GITHUB_TOKEN_LIMITS, type RateLimits } from "../../runner/adapters/github/local-github-limits.ts";
import { startFakeGitHub, type FakeGitHub } from "../../runner/adapters/github/local-github.ts";
import { seededRng, type Rng } from "../../runner/core/stats/rng.ts";
import type { CommandAnswer, Participants } from "../../runner/core/schema/data.ts";
import {
  handleCommand,
  mirrorChanges,
  postValidation,
  publishResult,
  reconcile,
  reconcileAfterCommand,
  refreshAfterWrite,
  type FlowContext,
  type Outcome,
} from "../../runner/flows/bot/index.ts";
import { isFinal } from "../../runner/core/github/ledger.ts";
import { requestWouldRun } from "../../runner/flows/bot/reconcile.ts";
import { challenge, runRecord } from "../fakes/bot-fixtures.ts";
import { replayStore } from "./replay-store.ts";

export interface ReplaySize {
  participants: number;
  prs: number;
  pushes: number;
  benches: number;
  boardComments: number;
  issues: number;
  rulings: number;
  days: number;
  /**
   * Agents that comment `/bench` on two of their PRs and then something else within a minute: under
   * a per-commenter workflow-level group, the chat comment's run replaces the pending second /bench.
   */
  triples: number;
}
/** The contest the issue names: 120 participants, 1,500 PRs, 700 /bench, 10,000 board comments in a week. */
export const CONTEST_WEEK: ReplaySize = {
  participants: 120,
  prs: 1500,
  pushes: 1000,
  benches: 700,
  boardComments: 10_000,
  issues: 150,
  rulings: 30,
  days: 7,
  triples: 40,
};
/** One day of a contest at k times its daily rate (participants as they are), same bursts. */
export function oneDayOf(week: ReplaySize, k: number): ReplaySize {
  const day = (n: number) => Math.round((n * k) / week.days);
  return {
    participants: week.participants,
    prs: day(week.prs),
    pushes: day(week.pushes),
    benches: day(week.benches),
    boardComments: day(week.boardComments),
    issues: day(week.issues),
    rulings: day(week.rulings),
    days: 1,
    triples: day(week.triples),
  };
}
/** The tests' version: a busy day of a small contest, same bursts. */
export const SHORT_DAY: ReplaySize = {
  participants: 12,
  prs: 60,
  pushes: 30,
  benches: 40,
  boardComments: 300,
  issues: 8,
  rulings: 3,
  days: 1,
  triples: 6,
};

export interface ReplayOptions {
  seed?: number;
  limits?: RateLimits;
  /** Override a workflow's workflow-level group (the old `request-${{ github.event.comment.user.id }}`). */
  groups?: Partial<Record<WorkflowName, string>>;
  /** Whether the reconciler runs (after each command and on its schedule). */
  reconciler?: boolean;
  /** The dispatches of pages.yml and board.yml after every bot write (the workflows branch adds them). */
  dispatchAfterWrites?: boolean;
  progress?(line: string): void;
  /** Responses of each operation checked against GitHub's description (requests: all). */
  responseChecks?: number;
}

type WorkflowName = "request" | "board" | "pages" | "evaluate" | "validate-comment";
/** Modelled durations (ms): job start-up before the bot's code runs, then the rest of the job. */
const SETUP = { request: 45_000, board: 45_000, pages: 60_000, evaluate: 60_000, "validate-comment": 45_000 };
const TAIL = { request: 5_000, board: 5_000, pages: 5 * 60_000, evaluate: 5_000, "validate-comment": 5_000 };
/** The site build and its deploy, after start-up: the site shows the data branch when it ends. */
const PAGES_BUILD_MS = 5 * 60_000;
/**
 * The waits the workflow files build in, read from them (a step `run: sleep "$WAIT_S"` with the
 * given id, its default from `WAIT_S: ${{ vars.NAME || 'N' }}`):
 * board.yml's debounce before the mirror reads the feeds (added to its start-up), pages.yml's
 * cooldown job after the deploy, which holds the group (added to its tail, with the job's start-up).
 */
function sleepOf(file: string, job: string, id: string): number {
  const wf = parse(readFileSync(join(import.meta.dirname, "../../.github/workflows", file), "utf8")) as {
    jobs: Record<string, { steps?: { id?: string; run?: string; env?: Record<string, string> }[] }>;
  };
  const step = wf.jobs[job]?.steps?.find((s) => s.id === id);
  if (step?.run?.trim() !== 'sleep "$WAIT_S"') return 0;
  // `${{ vars.NAME || 'N' }}`: the default, N seconds (what a repository without the variable waits).
  const m = /\|\|\s*'(\d+)'\s*\}\}$/.exec(step.env?.WAIT_S?.trim() ?? "");
  return m ? Number(m[1]) * 1000 : 0;
}
/** The minutes past each hour a workflow's first schedule fires (minute field: a step "every N", or a list "a,b"; every hour). */
function cronMinutes(file: string): number[] {
  const wf = parse(readFileSync(join(import.meta.dirname, "../../.github/workflows", file), "utf8")) as {
    on: { schedule?: { cron: string }[] };
  };
  const cron = wf.on.schedule?.[0]?.cron ?? "";
  const [minute, ...rest] = cron.trim().split(/\s+/);
  if (rest.join(" ") !== "* * * *")
    throw new Error(`${file}: the replay models hourly schedules, not \`${cron}\``);
  const every = /^\*\/(\d+)$/.exec(minute ?? "");
  if (every) return Array.from({ length: Math.ceil(60 / Number(every[1])) }, (_, k) => k * Number(every[1]));
  return (minute ?? "").split(",").map(Number);
}
const BOARD_DEBOUNCE = sleepOf("board.yml", "mirror", "debounce");
const PAGES_COOLDOWN = sleepOf("pages.yml", "cooldown", "cooldown");
const JOB_START = 45_000;
SETUP.board += BOARD_DEBOUNCE;
if (PAGES_COOLDOWN) TAIL.pages += JOB_START + PAGES_COOLDOWN;
/** A run whose only job its `if:` skips ends within seconds. */
const SKIPPED_MS = 5_000;
/** GPU evaluation, modelled: a fixed duration between the dispatch and the publish job. */
const GPU_MS = 25 * 60_000;
/** What a Pages deployment costs in REST requests (actions/deploy-pages), modelled. */
export const PAGES_DEPLOY_REQUESTS = 10;
const START = Date.parse("2026-03-02T00:00:00Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
const ORGA = { id: 1, login: "orga" };
const REGISTRATION = 1;

// ————— the workflows' concurrency, read from the shipped files —————

interface Concurrency {
  workflow?: string;
  job?: string;
  cancel: boolean;
}
function concurrencyOf(file: string, job: string, override?: string): Concurrency {
  const wf = parse(readFileSync(join(import.meta.dirname, "../../.github/workflows", file), "utf8")) as {
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    jobs: Record<string, { concurrency?: { group: string } }>;
  };
  return {
    workflow: override ?? wf.concurrency?.group,
    job: wf.jobs[job]?.concurrency?.group,
    cancel: wf.concurrency?.["cancel-in-progress"] === true,
  };
}
/** A concurrency key's `${{ a.b.c }}` paths resolved in the event's context (only paths: the files use only paths). */
function keyOf(template: string | undefined, ctx: Record<string, unknown>): string | undefined {
  if (!template) return undefined;
  return template.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_m, path: string) => {
    const v = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], ctx);
    return String(v ?? "");
  });
}

// ————— events and runs —————

interface Run {
  workflow: WorkflowName;
  group?: string;
  exec: () => Promise<void>;
  queuedAt: number;
  cancelled?: boolean;
  skipped?: boolean;
}
type Ev = { at: number; seq: number; fire: () => Promise<void> | void };

/** A binary heap of events by time (then by insertion). */
function eventQueue() {
  const heap: Ev[] = [];
  let seq = 0;
  const less = (a: Ev, b: Ev) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  return {
    push(at: number, fire: Ev["fire"]) {
      heap.push({ at, seq: seq++, fire });
      for (let i = heap.length - 1; i > 0;) {
        const p = (i - 1) >> 1;
        if (!less(heap[i]!, heap[p]!)) break;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    },
    pop(): Ev | undefined {
      const top = heap[0];
      const last = heap.pop();
      if (heap.length && last) {
        heap[0] = last;
        for (let i = 0; ;) {
          const [l, r] = [2 * i + 1, 2 * i + 2];
          let m = i;
          if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      return top;
    },
    get size() {
      return heap.length;
    },
  };
}

/** When things happen: most spread over the contest, a share in bursts (the start, evenings, the deadline). */
function clockOf(rng: Rng, days: number) {
  const span = days * 24 * HOUR;
  const bursts = [0, ...Array.from({ length: days }, (_, d) => d * 24 * HOUR + 19 * HOUR), span - 3 * HOUR];
  return (burstShare = 0.35, from = 0) => {
    const t =
      rng.uniform() < burstShare
        ? bursts[rng.int(bursts.length)]! + rng.uniform() * (bursts.length - 1 > 0 ? 2 * HOUR : HOUR)
        : rng.uniform() * span;
    return START + Math.min(span - MIN, Math.max(from - START, t));
  };
}

// ————— the report —————

export interface ReplayReport {
  size: ReplaySize;
  commands: number;
  commandsLost: number;
  answeredByReconciler: number;
  replacedRuns: Record<string, number>;
  boardComments: number;
  boardUpdatesLost: number;
  peakRequestsPerHour: number;
  /** The busiest hour's requests by endpoint (the stand-in's operation ids; Pages modelled). */
  peakHour: Record<string, number>;
  limit: number;
  refusedRequests: number;
  benchAckMaxMin: number;
  benchAckP95Min: number;
  verdictToSiteMaxMin: number;
  boardLagMaxMin: number;
  requestsPerEvent: Record<string, { events: number; requests: number; perEvent: number; max: number }>;
  outcomes: Record<string, number>;
  pagesBuilds: number;
  /** /bench runs dispatched to the GPU twice (a comment refused after its dispatch, then reconciled). */
  doubleDispatches: number;
  violations: string[];
  wallS: number;
}

const percentile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : 0;
};

/** The busiest hour (sliding): how many requests, and which, from the stand-in's log and the modelled Pages requests. */
function peakPerHour(log: { at: number; what: string }[]): { peak: number; by: Record<string, number> } {
  const s = [...log].sort((a, b) => a.at - b.at);
  let [peak, from] = [0, 0];
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]!.at - s[j]!.at >= HOUR) j++;
    if (i - j + 1 > peak) [peak, from] = [i - j + 1, j];
  }
  const by: Record<string, number> = {};
  for (const r of s.slice(from, from + peak)) by[r.what] = (by[r.what] ?? 0) + 1;
  return { peak, by };
}

// ————— the replay —————

export async function replay(size: ReplaySize, o: ReplayOptions = {}): Promise<ReplayReport> {
  const wall = performance.now();
  const rng = seededRng(o.seed ?? 23);
  const when = clockOf(rng, size.days);
  let now = START;
  const gh: FakeGitHub = await startFakeGitHub("velodrome-org", "challenge", {
    clock: () => now,
    limits: o.limits ?? GITHUB_TOKEN_LIMITS,
    responseChecks: o.responseChecks ?? 50,
  });
  try {
    const sim = simulation(size, o, gh, rng, when, {
      get: () => now,
      set: (t: number) => void (now = t),
    });
    await sim.run();
    return { ...sim.report(), wallS: +((performance.now() - wall) / 1000).toFixed(1) };
  } finally {
    await gh.close();
  }
}

function participantsOf(n: number): Participants {
  const list = Array.from({ length: n }, (_, k) => ({
    id: 5000 + k,
    login: `agent-${k}`,
    owner: { id: 8000 + (k >> 1), login: `owner-${k >> 1}` },
  }));
  return {
    schema: 1,
    participants: [...list, { id: ORGA.id, login: ORGA.login, owner: ORGA }],
    registration_issue: REGISTRATION,
  };
}

function simulation(
  size: ReplaySize,
  o: ReplayOptions,
  gh: FakeGitHub,
  rng: Rng,
  when: ReturnType<typeof clockOf>,
  clock: { get(): number; set(t: number): void },
) {
  const store = replayStore();
  const q = eventQueue();
  const people = participantsOf(size.participants).participants.slice(0, size.participants);
  const ch = { ...challenge(), quota: { window_hours: 24, per_agent: 4, per_owner: 8 } };
  const reconcilerOn = o.reconciler !== false;
  const dispatchOn = o.dispatchAfterWrites !== false;
  // Concurrency of each workflow, from the files (request's workflow-level group may be overridden).
  const conc = {
    request: concurrencyOf("request.yml", "request", o.groups?.request),
    reconcile: concurrencyOf("request.yml", "reconcile", o.groups?.request),
    board: concurrencyOf("board.yml", "mirror", o.groups?.board),
    pages: concurrencyOf("pages.yml", "build", o.groups?.pages),
  };
  // Measurements.
  const perEvent = new Map<string, number[]>();
  const outcomes: Record<string, number> = {};
  const replaced: Record<string, number> = {};
  const commandAt = new Map<number, { at: number; bench: boolean }>();
  const verdicts: number[] = [];
  const boardRuns: number[] = [];
  const siteShown: { startedAt: number; endedAt: number }[] = [];
  const pagesRequests: number[] = [];
  /** Runs dispatched to the GPU, and how many of them were dispatched a second time. */
  const evaluated = new Set<string>();
  let doubleDispatches = 0;

  const ctxOf = (): FlowContext => ({
    api: octokitApi({
      token: "replay",
      owner: "velodrome-org",
      repo: "challenge",
      baseUrl: gh.url,
      pace: false,
    }),
    store,
    challenge: ch,
    participants: participantsOf(size.participants),
    now: () => new Date(clock.get()),
    ref: "main",
    evaluateWorkflow: "evaluate.yml",
    knownSlugs: ["baseline"],
    validator: { validate: async () => ({ ok: true, problems: [] }) },
  });
  /**
   * Runs a flow as one job's process: its own Octokit, its requests (the flow's, then what the job
   * does after it: `after`) counted under an event type.
   */
  const job = async (
    type: string,
    flow: (ctx: FlowContext) => Promise<Outcome>,
    after?: (out: Outcome | undefined, ctx: FlowContext) => Promise<void>,
  ) => {
    const ctx = ctxOf();
    let out: Outcome | undefined = undefined;
    try {
      out = await flow(ctx);
    } catch (e) {
      outcomes[`${type}: error`] = (outcomes[`${type}: error`] ?? 0) + 1;
      o.progress?.(`${type} failed: ${(e as Error).message.slice(0, 200)}`);
    }
    if (out?.kind === "mirrored" && out.repair) type = "repair resync";
    if (out) outcomes[`${type}: ${out.kind}`] = (outcomes[`${type}: ${out.kind}`] ?? 0) + 1;
    await after?.(out, ctx);
    perEvent.set(type, [...(perEvent.get(type) ?? []), ctx.api.budget!().requests]);
  };
  /** A Pages run: the build reads the data branch when it starts; the site shows it when the deploy ends. */
  const queuePages = () => {
    const run: Run = {
      workflow: "pages",
      queuedAt: clock.get(),
      exec: async () => {
        const startedAt = clock.get();
        q.push(startedAt + PAGES_BUILD_MS - 1, () => {
          if (run.cancelled) return;
          siteShown.push({ startedAt, endedAt: clock.get() });
          for (let k = 0; k < PAGES_DEPLOY_REQUESTS; k++) pagesRequests.push(clock.get() - k * 5000);
        });
      },
    };
    queueRun(run, conc.pages, {});
  };
  /**
   * The dispatch after a bot write (GITHUB_TOKEN pushes start no workflow), the jobs' own
   * (refreshAfterWrite, with board.yml's debounce as the jobs pass it): board.yml, unless one was
   * dispatched within the debounce (that run reads this write), whose mirror dispatches pages.yml
   * when it changed a thread (every bot write here also comments).
   */
  const afterWrite = async (ctx: FlowContext) => {
    if (!dispatchOn) return;
    const sent = await refreshAfterWrite(ctx, "comment", { boardDebounceMs: BOARD_DEBOUNCE }).catch(
      () => "failed",
    );
    if (sent === undefined) return;
    queueRun({ workflow: "board", exec: boardRun("board comment"), queuedAt: clock.get() }, conc.board, {});
  };

  // ————— GitHub Actions' concurrency groups —————
  const running = new Map<string, Run>();
  const pending = new Map<string, Run>();
  const start = (run: Run) => {
    if (run.group) running.set(run.group, run);
    q.push(clock.get() + (run.skipped ? SKIPPED_MS : SETUP[run.workflow]), async () => {
      if (!run.cancelled) await run.exec();
      q.push(clock.get() + (run.skipped ? 0 : TAIL[run.workflow]), () => finish(run));
    });
  };
  const finish = (run: Run) => {
    if (!run.group || running.get(run.group) !== run) return;
    running.delete(run.group);
    const next = pending.get(run.group);
    if (next) {
      pending.delete(run.group);
      start(next);
    }
  };
  /** A run queued in its group: it starts, waits as the one pending run, or replaces the pending one. */
  function queueRun(run: Run, c: Concurrency, event: Record<string, unknown>, jobRuns = true) {
    const ctx = { github: { event, event_name: event.__name } };
    const wfKey = keyOf(c.workflow, ctx);
    const jobKey = jobRuns ? keyOf(c.job, ctx) : undefined;
    const group = wfKey ?? jobKey;
    if (!jobRuns) {
      // A run whose job is skipped by its `if:` still holds a workflow-level group, for seconds.
      run.exec = async () => undefined;
      run.skipped = true;
    }
    run.group = group ? `${run.workflow}:${group}` : undefined;
    if (!run.group || !running.has(run.group)) return start(run);
    const held = running.get(run.group)!;
    if (c.cancel) {
      held.cancelled = true;
      running.delete(run.group);
      replaced[`${run.workflow} (cancelled running)`] =
        (replaced[`${run.workflow} (cancelled running)`] ?? 0) + 1;
      return start(run);
    }
    const old = pending.get(run.group);
    if (old) {
      old.cancelled = true;
      replaced[run.workflow] = (replaced[run.workflow] ?? 0) + 1;
    }
    pending.set(run.group, run);
  }

  // ————— the runs —————
  const boardRun = (type: string) => async () => {
    boardRuns.push(clock.get());
    await job(
      type,
      (c) => mirrorChanges(c),
      async (out, ctx) => {
        if (out?.kind !== "mirrored" || !out.threads.length || !dispatchOn) return;
        await ctx.api.dispatch("pages.yml", "main", {}).catch(() => undefined);
        queuePages();
      },
    );
  };
  const commandRun = (type: string, event: Record<string, unknown>) => async () => {
    await job(
      type,
      async (c) => {
        const r = await handleCommand(c, event);
        if (r.kind === "dispatched" && !r.resumed) scheduleEvaluation(r.reservation);
        if (reconcilerOn && r.kind !== "ignored") {
          const out = await reconcileAfterCommand(c);
          if (out) await reconciled(out);
        }
        return r;
      },
      async (out, ctx) => {
        if (out && out.kind !== "ignored" && out.kind !== "deferred") await afterWrite(ctx);
      },
    );
  };
  /** Runs the reconciler dispatched are evaluated like any other (found by comment id). */
  const reconciled = async (out: Outcome) => {
    if (out.kind !== "reconciled") return;
    const state = await store.read();
    for (const h of out.handled) {
      const r = state.reservations.find((x) => x.id.endsWith(`-c${h.commentId}`));
      if (h.outcome === "dispatched" && !h.resumed && r) scheduleEvaluation(r);
    }
  };
  const reconcileRun = async () => {
    await job(
      "reconcile (scheduled)",
      async (c) => {
        const out = await reconcile(c);
        await reconciled(out);
        return out;
      },
      async (out, ctx) => {
        if (out?.kind === "reconciled" && out.handled.length) await afterWrite(ctx);
      },
    );
  };
  /** The runner's result, modelled: a record whose verdict follows from its samples (the bot recomputes it). */
  const scheduleEvaluation = (r: { id: string; slug: string; sha: string; against: string }) => {
    if (evaluated.has(r.id)) doubleDispatches++;
    evaluated.add(r.id);
    const record = () => {
      const rec = runRecord("faster", {
        id: r.id,
        candidate: { slug: r.slug, commit: r.sha },
        incumbent: { slug: r.against },
      });
      rec.launches = rec.launches.map((l) => ({ ...l, slug: l.arm === "candidate" ? r.slug : r.against }));
      return rec;
    };
    const publish: Run = {
      workflow: "evaluate",
      queuedAt: clock.get(),
      exec: () =>
        job(
          "verdict",
          (c) => publishResult(c, { runId: r.id, resultText: JSON.stringify(record()) }),
          async (out, ctx) => {
            if (out) verdicts.push(clock.get());
            await afterWrite(ctx);
          },
        ),
    };
    q.push(clock.get() + GPU_MS, () => queueRun(publish, { cancel: false, job: `evaluate-${r.id}` }, {}));
  };
  const validation = (pr: number, type: string) => async () => {
    const sha = gh.issues.get(pr)!.headSha!;
    const report = JSON.stringify({ version: 1, ok: true, checked: [`submissions/s-${pr}`], problems: [] });
    await job(type, (c) => postValidation(c, { sha, reportText: report }));
  };

  // ————— what participants do —————
  const comment = (n: number, user: { id: number; login: string }, body: string, assoc = "CONTRIBUTOR") => {
    const issue = gh.issues.get(n);
    if (!issue) return;
    const c = gh.addComment(n, user, body);
    const event = {
      __name: "issue_comment",
      action: "created",
      issue: { number: n, user: issue.user, ...(issue.isPr ? { pull_request: { url: `pulls/${n}` } } : {}) },
      comment: { id: c.id, body, user: { ...user, type: "User" }, author_association: assoc },
    };
    const isCommand = requestWouldRun(body, issue.isPr);
    if (isCommand) commandAt.set(c.id, { at: clock.get(), bench: body.startsWith("/bench") });
    const type = body.startsWith("/bench")
      ? "/bench"
      : body.startsWith("/rule")
        ? "ruling"
        : body.split(" ")[0]!;
    queueRun(
      { workflow: "request", exec: commandRun(isCommand ? type : "chat", event), queuedAt: clock.get() },
      conc.request,
      event,
      isCommand,
    );
    queueRun(
      { workflow: "board", exec: boardRun("board comment"), queuedAt: clock.get() },
      conc.board,
      event,
    );
  };
  const openIssue = (n: number, user: { id: number; login: string }, pr: boolean) => {
    const at = new Date(clock.get()).toISOString().replace(/\.\d+Z$/, "Z");
    gh.issues.set(n, {
      number: n,
      title: pr ? `submission s-${n}` : `discussion ${n}`,
      body: pr ? "A submission." : "Let us talk.",
      user,
      labels: [],
      state: "open",
      isPr: pr,
      ...(pr ? { headSha: sha(n, 0), files: [`submissions/s-${n}/submission.yaml`] } : {}),
      comments: [],
      created_at: at,
      updated_at: at,
    });
    const event = { __name: pr ? "pull_request" : "issues", action: "opened" };
    if (pr) {
      q.push(clock.get() + 2 * MIN, () =>
        queueRun(
          { workflow: "validate-comment", exec: validation(n, "PR opened"), queuedAt: clock.get() },
          { cancel: false },
          {},
        ),
      );
    }
    queueRun(
      { workflow: "board", exec: boardRun("board (issue event)"), queuedAt: clock.get() },
      conc.board,
      event,
    );
  };
  const sha = (n: number, k: number) => (n.toString(16) + "f" + k.toString(16)).padStart(40, "0").slice(-40);

  function plan() {
    const at = (t: number, f: () => void) => q.push(t, () => (clock.set(t), f()));
    at(START, () => openIssue(REGISTRATION, ORGA, false));
    for (const [k, p] of people.entries())
      at(START + MIN + k * 20_000 + rng.int(60_000), () => comment(REGISTRATION, p, "/join"));
    const prs: { n: number; author: (typeof people)[number]; open: number; close: number }[] = [];
    for (let i = 0; i < size.prs; i++) {
      const n = 2 + i;
      const author = people[i % people.length]!;
      const open = when(0.35, START + 30 * MIN);
      const close = rng.uniform() < 0.7 ? open + (12 + rng.uniform() * 60) * HOUR : Infinity;
      prs.push({ n, author, open, close });
      at(open, () => openIssue(n, author, true));
      if (close < START + size.days * 24 * HOUR)
        at(close, () => {
          gh.issues.get(n)!.state = "closed";
          gh.issues.get(n)!.updated_at = new Date(clock.get()).toISOString().replace(/\.\d+Z$/, "Z");
        });
    }
    const inside = (p: (typeof prs)[number], lo: number) =>
      p.open +
      lo +
      rng.uniform() * Math.max(MIN, Math.min(p.close, START + size.days * 24 * HOUR) - p.open - lo - MIN);
    for (let k = 0; k < size.pushes; k++) {
      const p = prs[rng.int(prs.length)]!;
      at(inside(p, 10 * MIN), () => {
        const issue = gh.issues.get(p.n)!;
        if (issue.state !== "open") return;
        issue.headSha = sha(p.n, k + 1);
        issue.updated_at = new Date(clock.get()).toISOString().replace(/\.\d+Z$/, "Z"); // as GitHub does on a push
        queueRun(
          { workflow: "validate-comment", exec: validation(p.n, "push"), queuedAt: clock.get() },
          { cancel: false },
          {},
        );
      });
    }
    for (let k = 0; k < size.benches; k++) {
      const p = prs[rng.int(prs.length)]!;
      // A share of the /bench come in the final hours' rush.
      const t =
        rng.uniform() < 0.2
          ? Math.max(p.open + 5 * MIN, START + size.days * 24 * HOUR - 3 * HOUR + rng.uniform() * 2.5 * HOUR)
          : inside(p, 5 * MIN);
      at(t, () => comment(p.n, p.author, "/bench"));
    }
    const discussions = Array.from({ length: size.issues }, (_, k) => 2 + size.prs + k);
    for (const n of discussions)
      at(when(0.35, START + 10 * MIN), () => openIssue(n, people[rng.int(people.length)]!, false));
    for (let k = 0; k < size.boardComments; k++) {
      const onPr = rng.uniform() < 0.7;
      const n = onPr ? prs[rng.int(prs.length)]!.n : discussions[rng.int(discussions.length)]!;
      const who = people[rng.int(people.length)]!;
      at(
        when(0.35, START + 20 * MIN),
        () => gh.issues.has(n) && comment(n, who, `comment ${k}: ${onPr ? "nice speed-up" : "an idea"}`),
      );
    }
    // The pattern that lost commands under `request-<commenter id>`: /bench, /bench, chat, within a minute.
    const byAuthor = new Map<number, (typeof prs)[number][]>();
    for (const p of prs) byAuthor.set(p.author.id, [...(byAuthor.get(p.author.id) ?? []), p]);
    const pairs = [...byAuthor.values()].filter((ps) => ps.length >= 2);
    for (let k = 0; k < size.triples && pairs.length; k++) {
      const [a, b] = pairs[k % pairs.length]!.slice(-2) as [(typeof prs)[number], (typeof prs)[number]];
      const t = Math.max(a.open, b.open) + 10 * MIN + rng.uniform() * 6 * HOUR;
      if (t > Math.min(a.close, b.close, START + size.days * 24 * HOUR - HOUR)) continue;
      at(t, () => comment(a.n, a.author, "/bench"));
      at(t + 20_000, () => comment(b.n, b.author, "/bench"));
      at(t + 40_000, () => comment(a.n, a.author, "thanks, waiting for the verdict"));
    }
    for (let k = 0; k < size.rulings; k++) {
      const p = prs[rng.int(prs.length)]!;
      at(inside(p, 30 * MIN), () => comment(p.n, ORGA, "/rule valid looks fine", "OWNER"));
    }
    // The schedules, at the workflow files' minutes: the reconciler and the mirror.
    const end = START + size.days * 24 * HOUR;
    for (let h = START; h < end + 2 * HOUR; h += HOUR) {
      for (const t of cronMinutes("request.yml").map((m) => h + m * MIN))
        if (reconcilerOn && t > START)
          at(t, () =>
            queueRun({ workflow: "request", exec: reconcileRun, queuedAt: t }, conc.reconcile, {
              __name: "schedule",
            }),
          );
      for (const t of cronMinutes("board.yml").map((m) => h + m * MIN))
        if (t > START)
          at(t, () =>
            queueRun({ workflow: "board", exec: boardRun("board (scheduled)"), queuedAt: t }, conc.board, {
              __name: "schedule",
            }),
          );
    }
    // No schedule of its own for the weekly repair: the first board run after its slot is the repair
    // (a week from the replay's Monday start reaches Sunday's slot; counted as "repair resync").
  }

  async function run() {
    plan();
    let steps = 0;
    for (let ev = q.pop(); ev; ev = q.pop()) {
      clock.set(Math.max(clock.get(), ev.at));
      await ev.fire();
      if (++steps % 2000 === 0)
        o.progress?.(
          `${new Date(clock.get()).toISOString()}: ${steps} events, ${gh.requests.length} requests`,
        );
    }
  }

  function report(): Omit<ReplayReport, "wallS"> {
    const answers = new Map((store as unknown as { files: Map<string, string> }).files);
    const answered = new Map<number, { at: string; by: string }>();
    for (const [path, text] of answers)
      if (path.startsWith("commands/")) {
        const a = JSON.parse(text) as CommandAnswer;
        if (isFinal(a)) answered.set(a.commentId, a); // not a claim (handling, or dispatched and not yet acknowledged)
      }
    const benchWaits: number[] = [];
    for (const [id, c] of commandAt) {
      const a = answered.get(id);
      if (a && c.bench) benchWaits.push((Date.parse(a.at) - c.at) / MIN);
    }
    const lostIds = [...commandAt.keys()].filter((id) => !answered.has(id));
    const lost = lostIds.length;
    for (const id of lostIds)
      o.progress?.(`lost command: comment ${id} at ${new Date(commandAt.get(id)!.at).toISOString()}`);
    // Every comment GitHub holds must be in its mirrored thread, as it reads now.
    const threads = new Map<number, { comments: { id: number; body: string }[] }>();
    for (const [path, text] of answers)
      if (path.startsWith("board/threads/")) {
        const t = JSON.parse(text) as { number: number; comments: { id: number; body: string }[] };
        threads.set(t.number, t);
      }
    let boardLost = 0;
    let boardComments = 0;
    const lag: number[] = [];
    const runs = [...boardRuns].sort((a, b) => a - b);
    for (const issue of gh.issues.values())
      for (const c of issue.comments) {
        boardComments++;
        const have = threads.get(issue.number)?.comments.find((x) => x.id === c.id);
        if (!have || have.body !== c.body) boardLost++;
        const t = Date.parse(c.created_at);
        const next = runs.find((r) => r >= t);
        if (next !== undefined) lag.push((next - t) / MIN);
      }
    const shown = verdicts.map((v) => {
      const build = siteShown.find((s) => s.startedAt >= v);
      return build ? (build.endedAt - v) / MIN : Infinity;
    });
    const busiest = peakPerHour([
      ...gh.requests.filter((r) => !r.limited).map((r) => ({ at: r.at, what: r.operation })),
      ...pagesRequests.map((at) => ({ at, what: "pages deployment (modelled)" })),
    ]);
    const stats = Object.fromEntries(
      [...perEvent].map(([type, ns]) => [
        type,
        {
          events: ns.length,
          requests: ns.reduce((a, b) => a + b, 0),
          perEvent: +(ns.reduce((a, b) => a + b, 0) / ns.length).toFixed(1),
          max: Math.max(...ns),
        },
      ]),
    );
    stats["Pages build (modelled)"] = {
      events: siteShown.length,
      requests: pagesRequests.length,
      perEvent: PAGES_DEPLOY_REQUESTS,
      max: PAGES_DEPLOY_REQUESTS,
    };
    return {
      size,
      commands: commandAt.size,
      commandsLost: lost,
      answeredByReconciler: [...answered.values()].filter((a) => a.by === "reconciler").length,
      replacedRuns: replaced,
      boardComments,
      boardUpdatesLost: boardLost,
      peakRequestsPerHour: busiest.peak,
      peakHour: busiest.by,
      limit: (o.limits ?? GITHUB_TOKEN_LIMITS).perHour,
      refusedRequests: gh.requests.filter((r) => r.limited).length,
      benchAckMaxMin: +Math.max(0, ...benchWaits).toFixed(1),
      benchAckP95Min: +percentile(benchWaits, 0.95).toFixed(1),
      verdictToSiteMaxMin: +Math.max(0, ...shown).toFixed(1),
      boardLagMaxMin: +Math.max(0, ...lag).toFixed(1),
      requestsPerEvent: stats,
      outcomes,
      pagesBuilds: siteShown.length,
      doubleDispatches,
      violations: [...new Set(gh.violations)].slice(0, 20),
    };
  }
  return { run, report };
}

/** The report as the table `npm run bench replay` prints. */
export function replayTable(r: ReplayReport): string {
  const rows: [string, string][] = [
    [
      "size",
      `${r.size.participants} participants, ${r.size.prs} PRs, ${r.size.benches} /bench, ${r.size.boardComments} board comments, ${r.size.days} day(s)`,
    ],
    ["commands (answered by the reconciler)", `${r.commands} (${r.answeredByReconciler})`],
    ["commands lost", String(r.commandsLost)],
    ["board comments / updates lost", `${r.boardComments} / ${r.boardUpdatesLost}`],
    [
      "peak requests in any hour",
      `${r.peakRequestsPerHour} of ${r.limit} (headroom ${Math.round(100 * (1 - r.peakRequestsPerHour / r.limit))}%)`,
    ],
    ["requests refused by a rate limit", String(r.refusedRequests)],
    ["/bench → acknowledgement (p95 / max)", `${r.benchAckP95Min} / ${r.benchAckMaxMin} min`],
    ["verdict → on the site (max)", `${r.verdictToSiteMaxMin} min`],
    ["comment → mirror run (max)", `${r.boardLagMaxMin} min`],
    ["runs replaced in a concurrency group", JSON.stringify(r.replacedRuns)],
    ["Pages builds", String(r.pagesBuilds)],
    ["runs dispatched twice", String(r.doubleDispatches)],
    ["stand-in violations", String(r.violations.length)],
    ["wall time", `${r.wallS} s`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const perEvent = Object.entries(r.requestsPerEvent)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([k, v]) =>
        `  ${k.padEnd(26)} ${String(v.events).padStart(6)} events  ${String(v.perEvent).padStart(6)} requests each (max ${v.max})`,
    );
  const peak = Object.entries(r.peakHour)
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `  ${k.padEnd(50)} ${v}`);
  return [
    ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`),
    "requests per event type:",
    ...perEvent,
    "the busiest hour, by endpoint:",
    ...peak,
  ].join("\n");
}
