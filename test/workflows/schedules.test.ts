import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { dataPath, DATA_RUNNERS_DIR } from "../../runner/core/layout.ts";
import type { LaunchRecord, RunRecord } from "../../runner/core/schema/run-record.ts";
import { runRecord } from "../fakes/bot-fixtures.ts";
import { removeDir, tempDir } from "../helpers.ts";
import { ALICE, challengeFiles, writeReference } from "./challenge.ts";
import { findAct, startHarness, webhook, type Harness } from "./harness.ts";

// Scenario (e): the daily `calibrate` and `reverify` schedules on the shipped workflows, over two
// executors with their own machine ids (harness.ts, executorShim). q8 leads (PR 1); the data branch
// holds two earlier days of A/A calibration on each machine: executor-a's noisy, executor-b's
// quieter than any real run on this host can be, so today's real A/A run shows drift on executor-b
// alone. calibrate dispatches one A/A run pinned to each machine; each publish judges its machine;
// executor-b is suspended, executor-a stays in service; the site's runners page says so; reverify
// then pins its run to executor-a, where it is accepted.
const act = findAct();
if (!act) console.log("workflows tier skipped: act is not installed (npm run setup:act)");

const A = "executor-a";
const B = "executor-b";
let h: Harness;
let refWork: string;

/** Launches of an A/A run on one machine: each block's log(candidate / incumbent) is `diffs[b]`. */
function aaLaunches(machine: string, diffs: readonly number[]): LaunchRecord[] {
  return diffs.flatMap((d, block) =>
    (["candidate", "incumbent"] as const).map((arm, position) => {
      const tps = arm === "candidate" ? 40 * Math.exp(d) : 40;
      return {
        arm,
        slug: "q8",
        block,
        position,
        startMs: 900,
        runs: [tps, tps],
        ttftMs: 10,
        tokens: 32,
        machine,
        outputsSha256: "0".repeat(64),
      };
    }),
  );
}

/** An earlier day's A/A calibration run of q8 at `commit` on `machine`. */
function aaRun(commit: string, machine: string, day: string, diffs: readonly number[]): RunRecord {
  const id = `${day}-calibrate-${machine}`;
  return runRecord("tie", {
    id,
    challenge: "embedded-demo",
    pr: 1,
    credited: "alice",
    candidate: { slug: "q8", commit },
    incumbent: { slug: "q8", commit },
    runner: { id: machine, hardware: "one CPU", engine: "embedded", harness: "velodrome" },
    launches: aaLaunches(machine, diffs),
    confirmation: { status: "skipped" },
    startedAt: `${day}T02:23:00.000Z`,
    finishedAt: `${day}T02:40:00.000Z`,
  });
}

/** Eight blocks of A/A differences of a size: ± `size`, a little spread. */
const diffs = (size: number) => [1, -1.2, 0.9, -1.1, 1.3, -0.8, 1.05, -0.95].map((x) => x * size);

describe.skipIf(!act)("scenario e: the calibrate and reverify schedules over two machines", () => {
  let head: string;
  beforeAll(async () => {
    refWork = await tempDir("velodrome-wf-ref-");
    h = await startHarness({
      files: challengeFiles((ch) => {
        ch.runners = { count: 2, label: ch.hardware.runner_labels.at(-1) };
        ch.significance.looks = [4]; // four A/A blocks a day: enough for the drift test's p < 1%
        ch.verification.reverify_top = 1;
      }),
      prepare: (repo) => writeReference(repo, refWork),
      executors: [{ machine: A }, { machine: B }],
    });
    const manifest = stringify({
      schema: 1,
      title: "q8",
      authors: ["alice"],
      parents: ["baseline"],
      engine: { kind: "embedded", args: { quantization: "q8_0" } },
    });
    head = (await h.pushPr(1, ALICE, { "submissions/q8/submission.yaml": manifest })).head;
    // Earlier days: q8 took the lead (its blocks on both machines), then two days of calibration.
    const lead = runRecord("faster", {
      id: "2026-01-10-pr1-c100",
      challenge: "embedded-demo",
      pr: 1,
      credited: "alice",
      requester: { login: ALICE.login, id: ALICE.id },
      candidate: { slug: "q8", commit: head },
      startedAt: "2026-01-10T10:00:00.000Z",
      finishedAt: "2026-01-10T10:20:00.000Z",
    });
    lead.launches = lead.launches.map((l) => ({ ...l, machine: l.block % 2 ? B : A }));
    const runs = [
      lead,
      aaRun(head, A, "2026-01-11", diffs(0.6)), // a noisy machine: ±60% between two launches
      aaRun(head, A, "2026-01-12", diffs(0.6)),
      aaRun(head, B, "2026-01-11", diffs(0.0004)), // a very quiet one: ±0.04%
      aaRun(head, B, "2026-01-12", diffs(0.0004)),
    ];
    await h.seedData(
      Object.fromEntries(runs.map((r) => [dataPath.run(r.id), JSON.stringify(r, null, 2) + "\n"])),
    );
  });
  afterAll(async () => {
    await h?.close();
    await removeDir(refWork);
  });

  /** A schedule's event (no webhook example exists for `schedule`): the cron and the repository. */
  const scheduled = (cron: string) => {
    const p = webhook("workflow_dispatch");
    delete p.inputs;
    delete p.ref;
    delete p.workflow;
    return { ...p, schedule: cron };
  };
  const record = async (id: string) => JSON.parse(await h.dataFile(dataPath.run(id))) as RunRecord;
  const machines = (r: RunRecord) => [...new Set(r.launches.map((l) => l.machine))];

  it("calibrate: one A/A run pinned to each machine; only the drifting one is suspended", async () => {
    const calibrate = await h.act("calibrate.yml", "schedule", scheduled("23 2 * * *"));
    expect(calibrate.jobs, calibrate.log).toEqual({ dispatch: "success" });
    const dispatched = h.fake.dispatches.filter((d) => d.workflow === "evaluate.yml");
    expect(dispatched.map((d) => d.inputs.runner)).toEqual([A, B]);
    const after = await h.settle({ maxRuns: 10 });
    const evaluations = after.filter((r) => r.workflow === "evaluate.yml");
    expect(evaluations, after.map((r) => r.workflow).join(" ")).toHaveLength(2);
    for (const e of evaluations) expect(e.jobs.publish, e.log).toBe("success");
    const [onA, onB] = await Promise.all(dispatched.map((d) => record(d.inputs.run_id!)));
    // Every launch of each A/A run ran on the machine it was pinned to (the host's own id).
    expect(machines(onA!)).toEqual([A]);
    expect(machines(onB!)).toEqual([B]);
    // The drift is recorded for executor-b alone: one suspension step, naming its A/A run.
    const steps = (await h.dataFiles()).filter((f) => f.startsWith(`${DATA_RUNNERS_DIR}/`));
    expect(steps, evaluations[1]!.log).toHaveLength(1);
    const step = JSON.parse(await h.dataFile(steps[0]!));
    expect(step).toMatchObject({ runner: B, status: "suspended", run: onB!.id });
    expect(step.reason).toMatch(/relative A\/A noise in \d{4}-\d{2}-\d{2} is [\d.]+× its earlier level/);
    // The site, rebuilt after the publish, shows executor-b suspended and executor-a in the pool.
    const site = JSON.parse(await readFile(join(h.pages, "api/runners.json"), "utf8")) as {
      runners: { id: string; status: string }[];
    };
    const status = Object.fromEntries(site.runners.map((r) => [r.id, r.status]));
    expect(status).toMatchObject({ [A]: "ok", [B]: "suspended" });
    expect(await readFile(join(h.pages, "runners.html"), "utf8")).toMatch(
      /executor-b<\/h2><p class="runner-status suspended">/,
    );
    expect(h.fake.violations).toEqual([]);
  }, 1_500_000);

  it("reverify: the leader's re-run is pinned to the machine in service, and accepted there", async () => {
    const before = h.fake.dispatches.length;
    const reverify = await h.act("reverify.yml", "schedule", scheduled("41 3 * * *"));
    expect(reverify.jobs, reverify.log).toEqual({ dispatch: "success" });
    const dispatched = h.fake.dispatches.slice(before).filter((d) => d.workflow === "evaluate.yml");
    expect(dispatched).toHaveLength(1);
    expect(dispatched[0]!.inputs).toMatchObject({ slug: "q8", against: "baseline", runner: A });
    const after = await h.settle({ maxRuns: 6 });
    const evaluate = after.find((r) => r.workflow === "evaluate.yml")!;
    expect(evaluate.jobs.publish, evaluate.log).toBe("success");
    const rerun = await record(dispatched[0]!.inputs.run_id!);
    expect(rerun.status, evaluate.log).not.toBe("error");
    expect(machines(rerun)).toEqual([A]);
    // Still one suspension: the re-run on executor-a changed nothing for either machine.
    expect((await h.dataFiles()).filter((f) => f.startsWith(`${DATA_RUNNERS_DIR}/`))).toHaveLength(1);
    expect(h.fake.violations).toEqual([]);
  }, 900_000);
});
