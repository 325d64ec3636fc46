import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { dataPath } from "../../runner/core/layout.ts";
import { findAct, startHarness, type Harness } from "./harness.ts";
import { ALICE, challengeFiles } from "./challenge.ts";

// Scenario (c), in part: every share of a look dies before leaving a result (here: the PR's head
// moved after /bench, which each share refuses before any launch). The share jobs fail (no
// `|| true`); the gather reads the same move and ends the run in error, so nothing is dispatched
// again and nothing is published; the reservation stays charged. (A gather that finds its own look
// incomplete fails instead of re-dispatching it: evaluate.yml's look bound, checked by
// test/workflows.test.ts; no scenario here yet makes a share die while the gather succeeds.)
const act = findAct();
if (!act) console.log("workflows tier skipped: act is not installed (npm run setup:act)");

let h: Harness;

describe.skipIf(!act)("scenario c (part): a look whose shares die is not run again", () => {
  beforeAll(async () => {
    h = await startHarness({
      files: challengeFiles((ch) => {
        ch.runners = { count: 2, label: ch.hardware.runner_labels.at(-1) };
      }),
    });
  });
  afterAll(async () => h?.close());

  it("fails the look, keeps the charge, dispatches nothing more", async () => {
    const manifest = (quantization: string) =>
      stringify({
        schema: 1,
        title: "q8",
        authors: ["alice"],
        parents: ["baseline"],
        engine: { kind: "embedded", args: { quantization } },
      });
    await h.pushPr(1, ALICE, { "submissions/q8/submission.yaml": manifest("q8_0") });
    const request = await h.comment(1, ALICE, "/bench");
    expect(request.jobs, request.log).toEqual({ request: "success" });
    const [dispatched] = h.fake.dispatches.filter((d) => d.workflow === "evaluate.yml");
    expect(dispatched).toBeDefined();
    // Alice moves her PR's head after the pinned SHA was dispatched.
    const moved = await h.pushPr(1, ALICE, { "submissions/q8/submission.yaml": manifest("q4_0") });
    expect(moved.head).not.toBe(dispatched!.inputs.sha);
    const after = await h.settle();
    const evaluate = after.find((r) => r.workflow === "evaluate.yml")!;
    expect(evaluate.jobs, evaluate.log).toMatchObject({
      shares: "success",
      "evaluate-1": "failure",
      "evaluate-2": "failure",
      gather: "success",
    });
    expect(evaluate.log).toMatch(/PR #1 moved from \w+ to \w+ after the run was requested/);
    expect(evaluate.log).not.toMatch(/"kind":"published"/);
    expect(h.fake.dispatches.filter((d) => d.workflow === "evaluate.yml")).toHaveLength(1);
    expect(after.filter((r) => r.workflow === "evaluate.yml")).toHaveLength(1);
    const data = await h.dataFiles();
    expect(data).toContain(dataPath.reservation(dispatched!.inputs.run_id!)); // charged
    expect(data).not.toContain(dataPath.run(dispatched!.inputs.run_id!));
    expect(h.fake.violations).toEqual([]);
  });
});
