import { describe, expect, it } from "vitest";
import { decideBench } from "../../runner/core/github/bench.ts";
import { parseCommand } from "../../runner/core/github/commands.ts";
import { toComparisonRecord } from "../../runner/core/github/record-check.ts";
import { compare } from "../../runner/core/stats/compare.ts";
import { decideRunnerClear } from "../../runner/core/github/runner-clear.ts";
import { dataPath } from "../../runner/core/layout.ts";
import { chooseRunner, decideSuspension, runnerStatus, suspendedHere } from "../../runner/core/runners.ts";
import { runnerViews } from "../../runner/core/site/model/runners.ts";
import type { RunnerStep } from "../../runner/core/schema/data.ts";
import type { RunRecord } from "../../runner/core/schema/run-record.ts";
import { handleIssueComment, publishResult, type FlowContext } from "../../runner/flows/bot/index.ts";
import {
  ALICE,
  challenge,
  commentEvent,
  NOW,
  openPull,
  ORGA,
  origin,
  participants,
  reservation,
  designOrder,
  runRecord,
  SHA,
  submissionFiles,
} from "../fakes/bot-fixtures.ts";
import { memoryGitHub } from "../fakes/memory-github.ts";
import { memoryStore } from "../fakes/memory-store.ts";

/** A run of q8 against itself on `runner`, finished on `day`, each block's arms `rel` apart (relative). */
function aaRun(id: string, day: string, runner: string, rel: readonly number[], tps = 42): RunRecord {
  const base = runRecord("tie", { id });
  // The seed and block order its run id gives, as publish requires.
  const order = designOrder([rel.length], id);
  const launches = rel.flatMap((r, block) => {
    const first = order[block] === "CI" ? 0 : 1;
    return [
      {
        ...base.launches[0]!,
        arm: "candidate" as const,
        slug: "q8",
        block,
        position: first,
        runs: [tps * (1 + r / 2), tps * (1 + r / 2)], // the challenge times 2 passes
      },
      {
        ...base.launches[1]!,
        arm: "incumbent" as const,
        slug: "q8",
        block,
        position: 1 - first,
        runs: [tps * (1 - r / 2), tps * (1 - r / 2)],
      },
    ];
  });
  const looks = [rel.length];
  const c = compare(
    launches.map((l) => ({ arm: l.arm, launch: `${l.block}-${l.arm}`, block: l.block, runs: l.runs })),
    {
      alpha: 0.05,
      minEffect: challenge().significance.min_effect,
      looks,
      seed: base.design.seed,
      bootstrapReps: 0,
    },
  );
  return {
    ...base,
    ...{ id, candidate: { slug: "q8" }, incumbent: { slug: "q8" } },
    runner: { ...base.runner, id: runner },
    design: { ...base.design, order, looks },
    launches,
    comparison: toComparisonRecord(c),
    finishedAt: `${day}T10:00:00.000Z`,
  };
}

/** Three calm days of A/A runs on runner-1 (relative noise about 0.01%). */
const calmDays = (runner = "runner-1") =>
  ["2026-01-12", "2026-01-13", "2026-01-14"].map((day, d) =>
    aaRun(
      `aa-${runner}-${d}`,
      day,
      runner,
      [1, -2, 1.5, -1, 0.5, -1.5, 2, -0.5, 1, -1].map((x) => x * 1e-4),
    ),
  );

/** A day whose blocks differ by about 5%: drift against the calm days. */
const noisyDay = (id = "aa-noisy", day = "2026-01-15") =>
  aaRun(id, day, "runner-1", [0.05, -0.06, 0.04, -0.05]);

const suspension = (runner: string, at: string): RunnerStep => ({
  version: 1,
  id: `${at.replace(/[:.]/g, "-")}-${runner}-suspended`,
  at,
  runner,
  status: "suspended",
  reason: "drift",
});

/** One suspension step, or undefined: the single-machine view of `decideSuspension`. */
const suspend1 = (...a: Parameters<typeof decideSuspension>) => {
  const d = decideSuspension(...a);
  expect(d.steps.length).toBeLessThanOrEqual(1);
  return d.steps[0];
};

/** Calm history on a second runner, so suspending runner-1 does not empty the pool. */
const pool = () => [...calmDays(), ...calmDays("runner-2")];

describe("suspension on drift", () => {
  it("an A/A run that shows drift suspends its runner, with the evidence and the run", () => {
    const step = suspend1(pool(), [], noisyDay(), NOW);
    expect(step).toMatchObject({ runner: "runner-1", status: "suspended", run: "aa-noisy" });
    expect(step!.reason).toMatch(/2026-01-15/);
  });
  it("a calm A/A run, a non-A/A run, or an already suspended runner: no new step", () => {
    const calm = aaRun("aa-calm", "2026-01-15", "runner-1", [1e-4, -1e-4, 2e-4, -2e-4]);
    expect(suspend1(pool(), [], calm, NOW)).toBeUndefined();
    const notAA = { ...noisyDay(), incumbent: { slug: "baseline" } };
    expect(suspend1(pool(), [], notAA, NOW)).toBeUndefined();
    const already = [suspension("runner-1", "2026-01-15T08:00:00.000Z")];
    expect(suspend1(pool(), already, noisyDay(), NOW)).toBeUndefined();
  });
  it("a clear covers the day it was given for; the next noisy day suspends again", () => {
    const cleared: RunnerStep[] = [
      suspension("runner-1", "2026-01-15T08:00:00.000Z"),
      {
        ...suspension("runner-1", "2026-01-15T09:00:00.000Z"),
        id: "c",
        status: "cleared",
        by: ORGA,
        reason: "checked",
      },
    ];
    const sameDay = [...pool(), noisyDay("aa-n1")];
    expect(suspend1(sameDay, cleared, noisyDay("aa-n2"), NOW)).toBeUndefined();
    const nextDay = suspend1(sameDay, cleared, noisyDay("aa-n3", "2026-01-16"), NOW);
    expect(nextDay?.status).toBe("suspended");
  });
});

describe("dispatch skips suspended runners", () => {
  const runs = [...calmDays("runner-1"), ...calmDays("runner-2"), ...calmDays("runner-3")];
  it("the whole pool while every runner is in service", () => {
    expect(chooseRunner(runs, [])).toEqual({ kind: "any" });
  });
  it("pinned to the runner in service that waited longest, never a suspended one", () => {
    const steps = [suspension("runner-1", "2026-01-15T08:00:00.000Z")];
    const later = { ...runs[8]!, id: "late", finishedAt: "2026-01-15T11:00:00.000Z" }; // runner-3 ran last
    expect(chooseRunner([...runs, later], steps)).toEqual({ kind: "pinned", runner: "runner-2" });
  });
  it("none when every known runner is suspended", () => {
    const steps = ["runner-1", "runner-2", "runner-3"].map((r) => suspension(r, "2026-01-15T08:00:00.000Z"));
    expect(chooseRunner(runs, steps)).toMatchObject({ kind: "none", reason: /runner-1, runner-2, runner-3/ });
  });
  it("/bench records the pinned runner in the reservation and the dispatch inputs; refuses with none", () => {
    const input = {
      origin: origin(ALICE),
      command: { kind: "bench" as const },
      pull: openPull(),
      files: submissionFiles(),
      challenge: challenge(),
      participants: participants(),
      knownSlugs: ["baseline"],
      validation: { ok: true, problems: [] },
      now: NOW,
    };
    const state = {
      runs,
      reservations: [],
      rulings: [],
      runnerSteps: [suspension("runner-1", "2026-01-15T08:00:00.000Z")],
    };
    const d = decideBench({ ...input, state });
    expect(d).toMatchObject({
      kind: "dispatch",
      reservation: { runner: "runner-2" },
      inputs: { runner: "runner-2" },
    });
    const all = ["runner-1", "runner-2", "runner-3"].map((r) => suspension(r, "2026-01-15T08:00:00.000Z"));
    expect(decideBench({ ...input, state: { ...state, runnerSteps: all } })).toMatchObject({
      kind: "refuse",
      reason: /no runner can take this run now/,
    });
    const free = decideBench({ ...input, state: { ...state, runnerSteps: [] } });
    expect(free.kind === "dispatch" && "runner" in free.inputs).toBe(false);
  });
});

describe("/runner clear", () => {
  const suspended = [suspension("runner-1", "2026-01-15T08:00:00.000Z")];
  const command = {
    kind: "runner" as const,
    action: "clear" as const,
    runner: "runner-1",
    reason: "fan fixed",
  };
  const input = {
    command,
    challenge: challenge(),
    participants: participants(),
    steps: suspended,
    now: NOW,
  };
  it("parses strictly", () => {
    expect(parseCommand("/runner clear runner-1 fan fixed")).toEqual(command);
    expect(parseCommand("/runner clear")).toMatchObject({ kind: "error" });
    expect(parseCommand("/runner suspend runner-1")).toMatchObject({ kind: "error" });
  });
  it("organizers only: a participant is refused", () => {
    expect(decideRunnerClear({ ...input, origin: origin(ALICE, { association: "OWNER" }) }).kind).toBe(
      "refuse",
    );
  });
  it("records who and when, only for a suspended runner; a redelivered comment maps to the same step", () => {
    const by = origin(ORGA, { association: "OWNER", issue: 12, commentId: 77 });
    const d = decideRunnerClear({ ...input, origin: by });
    expect(d).toMatchObject({ kind: "record", step: { status: "cleared", by: ORGA, at: NOW.toISOString() } });
    if (d.kind !== "record") throw new Error("expected a record");
    expect(runnerStatus([...suspended, d.step], "runner-1").status).toBe("cleared");
    const again = decideRunnerClear({ ...input, origin: by, steps: [...suspended, d.step] });
    expect(again).toMatchObject({ kind: "redelivered", step: { id: d.step.id } });
    const other = decideRunnerClear({
      ...input,
      origin: { ...by, commentId: 78 },
      steps: [...suspended, d.step],
    });
    expect(other).toMatchObject({ kind: "refuse", reason: /not suspended/ });
  });
});

/** A bot context over in-memory ports, with the calm A/A history on the data branch. */
function setup() {
  const api = memoryGitHub();
  api.pulls.set(7, { number: 7, user: ALICE, headSha: SHA, state: "open", files: submissionFiles() });
  const files = Object.fromEntries(pool().map((r) => [dataPath.run(r.id), JSON.stringify(r)]));
  const store = memoryStore(files);
  const ctx: FlowContext = {
    api,
    store,
    challenge: challenge(),
    participants: participants(),
    now: () => NOW,
    ref: "main",
    evaluateWorkflow: "evaluate.yml",
    knownSlugs: ["baseline"],
  };
  return { ctx, api, store };
}

describe("the pool through the bot's flows", () => {
  it("publishing a drifting A/A run suspends the runner in the same commit; /runner clear puts it back", async () => {
    const { ctx, api, store } = setup();
    const runId = "2026-01-15-aa-runner-1";
    const res = reservation(runId, ORGA, 1, {
      against: "q8",
      aa: true,
      organizer: true,
      purpose: "calibration",
    });
    store.files.set(dataPath.reservation(runId), JSON.stringify(res));
    const result = { ...noisyDay(runId), candidate: { slug: "q8", commit: SHA } };
    const out = await publishResult(ctx, { runId, resultText: JSON.stringify(result) });
    if (out.kind === "refused") throw new Error(out.why);
    expect(out).toMatchObject({
      kind: "published",
      suspended: [{ runner: "runner-1", status: "suspended" }],
    });
    const commit = store.commits.at(-1)!;
    expect(commit.paths).toHaveLength(2);
    expect(commit.paths.some((p) => p.startsWith("runners/"))).toBe(true);
    expect(runnerStatus((await store.read()).runnerSteps, "runner-1").status).toBe("suspended");

    const refused = await handleIssueComment(
      ctx,
      commentEvent({ body: "/runner clear runner-1", isPr: false, issue: 12 }),
    );
    expect(refused.kind).toBe("refused");
    const body = "/runner clear runner-1 fan replaced";
    const event = commentEvent({
      body,
      user: ORGA,
      association: "OWNER",
      isPr: false,
      issue: 12,
      commentId: 4000,
    });
    const cleared = await handleIssueComment(ctx, event);
    expect(cleared).toMatchObject({
      kind: "runner",
      step: { status: "cleared", by: ORGA, reason: "fan replaced" },
    });
    const records = store.commits.filter((c) => !c.message.startsWith("bot comments:"));
    expect(records.at(-1)!.message).toBe("runner: clear runner-1 by orga");
    expect(runnerStatus((await store.read()).runnerSteps, "runner-1").status).toBe("cleared");
    expect(api.comments.get(12)!.at(-1)!.body).toMatch(
      /`runner-1` is \*\*cleared\*\*[\s\S]*suspended by the bot/,
    );
  });
});

/** An A/A record of the pool label `gpu-pool` whose block b ran on machine `m${b % 3 + 1}` (a matrix run). */
function matrixAA(id: string, day: string, rel: (block: number) => number, blocks = 12): RunRecord {
  const r = aaRun(
    id,
    day,
    "gpu-pool",
    Array.from({ length: blocks }, (_, b) => rel(b)),
  );
  return { ...r, launches: r.launches.map((l) => ({ ...l, machine: `m${(l.block % 3) + 1}` })) };
}
const calmRel = (b: number) => [1, -2, 1.5, -1, 0.5, -1.5][b % 6]! * 1e-4;
const calmMatrix = () =>
  ["2026-01-12", "2026-01-13", "2026-01-14"].map((day, d) => matrixAA(`mx-${d}`, day, calmRel));

describe("drift per physical machine (F5): a pool label names several machines", () => {
  const noisyOn =
    (machines: readonly number[], scale = 1) =>
    (b: number) =>
      machines.includes((b % 3) + 1) ? (b % 2 ? -0.05 : 0.05) * scale : calmRel(b);
  it("one noisy machine of three is suspended alone, and /bench is still dispatched", () => {
    const d = decideSuspension(calmMatrix(), [], matrixAA("mx-noisy", "2026-01-15", noisyOn([1])), NOW);
    expect(d.steps.map((s) => s.runner)).toEqual(["m1"]);
    expect(d.flag).toBeUndefined();
    const bench = decideBench({
      origin: origin(ALICE),
      command: { kind: "bench" as const },
      pull: openPull(),
      files: submissionFiles(),
      challenge: challenge(),
      participants: participants(),
      knownSlugs: ["baseline"],
      validation: { ok: true, problems: [] },
      now: NOW,
      state: { runs: calmMatrix(), reservations: [], rulings: [], runnerSteps: d.steps },
    });
    expect(bench.kind).toBe("dispatch");
    expect(bench.kind === "dispatch" && bench.inputs.runner).toMatch(/^m[23]$/);
  });
  it("the runners page model lists the machines, not the pool label", () => {
    const views = runnerViews(calmMatrix(), [suspension("m1", "2026-01-15T08:00:00.000Z")]);
    expect(views.map((v) => [v.id, v.status])).toEqual([
      ["m1", "suspended"],
      ["m2", "ok"],
      ["m3", "ok"],
    ]);
  });
  it("never the whole pool: when every machine drifts, the least drifted stays and organizers are flagged", () => {
    const all = (b: number) => noisyOn([1, 2], 1)(b) || 0;
    const run = matrixAA("mx-all", "2026-01-15", (b) =>
      (b % 3) + 1 === 3 ? (b % 2 ? -0.02 : 0.02) : all(b),
    );
    const d = decideSuspension(calmMatrix(), [], run, NOW);
    expect(d.steps.map((s) => s.runner)).toEqual(["m1", "m2"]);
    expect(d.flag).toMatch(/`m3`.*stays in service/);
    // A pool of one machine is never emptied either.
    const alone = decideSuspension(calmDays(), [], noisyDay(), NOW);
    expect(alone.steps).toEqual([]);
    expect(alone.flag).toMatch(/`runner-1`/);
  });
});

describe("a share job on a suspended machine refuses to run (the pool addressed by label)", () => {
  const steps = [suspension("m1", "2026-01-15T08:00:00.000Z")];
  it("refuses on the suspended machine with how to fix it; runs elsewhere, after a clear, and for A/A", () => {
    expect(suspendedHere(steps, "m1", false)).toMatch(/\(m1\) is suspended.*`\/runner clear m1`/);
    expect(suspendedHere(steps, "m2", false)).toBeUndefined();
    expect(suspendedHere(steps, "m1", true)).toBeUndefined();
    const cleared = [
      ...steps,
      { ...steps[0]!, id: "c", at: "2026-01-15T09:00:00.000Z", status: "cleared" as const },
    ];
    expect(suspendedHere(cleared, "m1", false)).toBeUndefined();
  });
});
