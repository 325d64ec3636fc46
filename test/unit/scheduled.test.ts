import { describe, expect, it } from "vitest";
import {
  planCalibration,
  planReverification,
  scheduledInputs,
  SCHEDULER,
  type ScheduleInput,
} from "../../runner/core/github/scheduled.ts";
import { dataPath } from "../../runner/core/layout.ts";
import type { RunnerStep } from "../../runner/core/schema/data.ts";
import type { RunRecord } from "../../runner/core/schema/run-record.ts";
import { submissionHistoryItems } from "../../runner/core/site/model/submissions.ts";
import { decideStandings } from "../../runner/core/standings.ts";
import {
  publishResult,
  runCalibration,
  runReverification,
  type FlowContext,
} from "../../runner/flows/bot/index.ts";
import { challenge, NOW, runRecord, SHA } from "../fakes/bot-fixtures.ts";
import { memoryGitHub } from "../fakes/memory-github.ts";
import { memoryStore } from "../fakes/memory-store.ts";

/** q8 took the lead from the baseline (PR 7, confirmed) on runner-1; a later run on runner-2. */
function history(): RunRecord[] {
  const lead = runRecord("faster", {
    id: "r-lead",
    pr: 7,
    credited: "alice",
    finishedAt: "2026-01-14T10:00:00.000Z",
  });
  const other = runRecord("tie", {
    id: "r-other",
    pr: 7,
    credited: "alice",
    runner: { ...lead.runner, id: "runner-2" },
    confirmation: { status: "skipped" },
    finishedAt: "2026-01-14T11:00:00.000Z",
  });
  return [lead, other];
}

const input = (runs: RunRecord[], o: Partial<ScheduleInput["state"]> = {}): ScheduleInput => ({
  challenge: challenge(),
  state: { runs, reservations: [], rulings: [], ...o },
  knownSlugs: ["baseline"],
  now: NOW,
});

describe("daily A/A calibration plan", () => {
  it("once per physical machine of a pool label, never the label itself (F5)", () => {
    const [lead, other] = history();
    const onMachines = (r: RunRecord, ms: string[]): RunRecord => ({
      ...r,
      runner: { ...r.runner, id: "gpu-pool" },
      launches: r.launches.map((l, k) => ({ ...l, machine: ms[k % ms.length]! })),
    });
    const runs = [onMachines(lead!, ["m1", "m2"]), onMachines(other!, ["m3"])];
    expect(planCalibration(input(runs)).runs.map((r) => r.runner)).toEqual(["m1", "m2", "m3"]);
  });
  it("the leader against itself at its pinned commit, once per runner, uncharged, by the bot", () => {
    const plan = planCalibration(input(history()), ["runner-9"]);
    expect(plan.runs.map((r) => r.id)).toEqual([
      "2026-01-15-calibrate-runner-1",
      "2026-01-15-calibrate-runner-2",
      "2026-01-15-calibrate-runner-9",
    ]);
    expect(plan.runs[0]).toMatchObject({
      slug: "q8",
      against: "q8",
      aa: true,
      purpose: "calibration",
      runner: "runner-1",
      organizer: true,
      requester: SCHEDULER,
      pr: 7,
      sha: SHA,
    });
    expect(scheduledInputs(plan.runs[0]!)).toMatchObject({ pr: "0", sha: SHA, runner: "runner-1" });
  });
  it("a second run the same day dispatches nothing new; a baseline leader is skipped with a reason", () => {
    const first = planCalibration(input(history()));
    const again = planCalibration(input(history(), { reservations: first.runs }));
    expect(again.runs).toEqual([]);
    expect(again.already).toHaveLength(2);
    const noLeader = planCalibration(input([]));
    expect(noLeader.runs).toEqual([]);
    expect(noLeader.skipped[0]).toMatchObject({ what: "baseline", why: /reference/ });
  });
});

describe("daily re-verification plan", () => {
  it("the top k of the standings against the baseline, the baseline itself aside", () => {
    const plan = planReverification(input(history()));
    expect(plan.runs).toHaveLength(1);
    expect(plan.runs[0]).toMatchObject({
      id: "2026-01-15-reverify-q8",
      slug: "q8",
      against: "baseline",
      purpose: "reverification",
      organizer: true,
    });
    expect(plan.runs[0]!.runner).toBeUndefined();
  });
  it("on one runner in service while another is suspended; none when all are", () => {
    const step = (runner: string): RunnerStep => ({
      version: 1,
      id: `s-${runner}`,
      at: "2026-01-15T08:00:00.000Z",
      runner,
      status: "suspended",
      reason: "drift",
    });
    expect(planReverification(input(history(), { runnerSteps: [step("runner-1")] })).runs[0]!.runner).toBe(
      "runner-2",
    );
    const none = planReverification(input(history(), { runnerSteps: [step("runner-1"), step("runner-2")] }));
    expect(none.runs).toEqual([]);
    expect(none.skipped[0]).toMatchObject({ what: "q8", why: /every known runner is suspended/ });
  });
  it("k = 0 turns it off", () => {
    const ch = challenge();
    ch.verification.reverify_top = 0;
    expect(planReverification({ ...input(history()), challenge: ch }).runs).toEqual([]);
  });
});

/** A bot context over in-memory ports with the history on the data branch; re-verification posts on #40. */
function setup() {
  const api = memoryGitHub();
  const files = Object.fromEntries(history().map((r) => [dataPath.run(r.id), JSON.stringify(r)]));
  const store = memoryStore(files);
  const ch = challenge();
  ch.verification.reverify_issue = 40;
  const ctx: FlowContext = {
    api,
    store,
    challenge: ch,
    participants: { schema: 1, participants: [] },
    now: () => NOW,
    ref: "main",
    evaluateWorkflow: "evaluate.yml",
    knownSlugs: ["baseline"],
  };
  return { ctx, api, store };
}

describe("scheduled runs through the bot's flows", () => {
  it("calibration writes the reservations in one commit and dispatches evaluate per runner", async () => {
    const { ctx, api, store } = setup();
    const out = await runCalibration(ctx);
    expect(out).toMatchObject({
      kind: "scheduled",
      dispatched: ["2026-01-15-calibrate-runner-1", "2026-01-15-calibrate-runner-2"],
    });
    expect(api.dispatches.map((d) => d.inputs.runner)).toEqual(["runner-1", "runner-2"]);
    expect(api.dispatches.every((d) => d.inputs.slug === "q8" && d.inputs.against === "q8")).toBe(true);
    expect(store.commits.at(-1)).toMatchObject({ message: "schedule: daily A/A calibration" });
    const again = await runCalibration(ctx);
    expect(again).toMatchObject({
      dispatched: [],
      already: ["2026-01-15-calibrate-runner-1", "2026-01-15-calibrate-runner-2"],
    });
    expect(api.dispatches).toHaveLength(2);
  });

  it("a failed re-verification is published, makes the result unconfirmed and is posted on the board", async () => {
    const { ctx, api, store } = setup();
    const out = await runReverification(ctx);
    expect(out).toMatchObject({ kind: "scheduled", dispatched: ["2026-01-15-reverify-q8"] });
    expect(api.dispatches[0]!.inputs).toMatchObject({ slug: "q8", against: "baseline", pr: "0" });
    const runId = "2026-01-15-reverify-q8";
    const failed = runRecord("faster", {
      id: runId,
      confirmation: { status: "failed", ratio: 0.6, quality: { ok: true, pplIncrease: 0, exactFraction: 1 } },
    });
    const published = await publishResult(ctx, { runId, resultText: JSON.stringify(failed) });
    expect(published.kind).toBe("published");
    const state = await store.read();
    const standings = decideStandings({
      challenge: ctx.challenge,
      runs: state.runs,
      rulings: [],
      slugs: ["baseline", "q8"],
    });
    expect(standings.entries.get("q8")!.standing).toBe("unconfirmed");
    expect(standings.ranking.map((r) => r.slug)).not.toContain("q8");
    expect(standings.leader.slug).toBe("baseline");
    const post = api.comments.get(40)!.at(-1)!.body;
    expect(post).toMatch(/Daily re-verification: `q8` failed its private-set re-run/);
    expect(state.broadcasts).toHaveLength(1);
    expect(state.broadcasts![0]).toMatchObject({ by: SCHEDULER, issue: 40, text: /unconfirmed/ });
    expect(api.comments.get(7)!.some((c) => c.body.includes(`velodrome:verdict:${runId}`))).toBe(true);
  });

  it("a calibration run is published without a comment on the leader's PR", async () => {
    const { ctx, api, store } = setup();
    await runCalibration(ctx);
    const runId = "2026-01-15-calibrate-runner-1";
    const aa = runRecord("tie", { id: runId, incumbent: { slug: "q8" } });
    aa.launches = aa.launches.map((l) => ({ ...l, slug: "q8" }));
    expect((await publishResult(ctx, { runId, resultText: JSON.stringify(aa) })).kind).toBe("published");
    expect(store.files.has(dataPath.run(runId))).toBe(true);
    expect(api.comments.get(7) ?? []).toEqual([]);
  });
});

describe("re-verification in a submission's history", () => {
  it("names the daily re-verification and what it did", () => {
    const failed = runRecord("faster", { id: "rv", confirmation: { status: "failed" } });
    const items = submissionHistoryItems([failed], [], [], new Set(["rv"]));
    expect(items[0]!.text).toBe(
      "daily re-verification rv: faster than baseline; private-set re-run failed: marked unconfirmed",
    );
    expect(submissionHistoryItems([failed], [], [])[0]!.text).toMatch(/^run rv: .*confirmation failed$/);
  });
});

describe("scheduled runs re-run the commit that holds the standing", () => {
  it("a later run at another commit (honest and slower, or failed) is not what is calibrated or re-verified", () => {
    // q8 leads with commit SHA; its author later benches an honest, slower commit and a broken one.
    const later = (id: string, commit: string, o: Partial<RunRecord>, hour: number) =>
      runRecord("slower", {
        id,
        pr: 7,
        credited: "alice",
        candidate: { slug: "q8", commit: commit.repeat(40) },
        finishedAt: `2026-01-14T${hour}:00:00.000Z`,
        ...o,
      });
    const runs = [
      ...history(),
      later("r-honest", "b", {}, 12),
      later("r-broken", "c", { status: "error", comparison: null }, 13),
    ];
    expect(planReverification(input(runs)).runs[0]).toMatchObject({ slug: "q8", sha: SHA });
    expect(planCalibration(input(runs)).runs[0]).toMatchObject({ slug: "q8", sha: SHA });
  });
});
