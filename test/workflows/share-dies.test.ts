import { afterAll, describe, expect, it } from "vitest";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { dataPath } from "../../runner/core/layout.ts";
import { findAct, startHarness, type ActRun, type Harness, type HarnessOptions } from "./harness.ts";
import { ALICE, challengeFiles, writeReference } from "./challenge.ts";
import { removeDir, tempDir } from "../helpers.ts";

// Scenario (c): a share job that dies, and one whose engine floods the client. The run is recorded
// `error` on the data branch, charged to the requester (the reservation stays; no failedArm), and
// never dispatched again. Three ways a look loses its shares:
// - the candidate's engine floods the trusted client on every runner: each share fails and uploads
//   its `{run, error}` file (evaluate.yml's `if: always()`), so the record says why;
// - one runner dies mid-job without a result while the other share and the gather succeed: the
//   look bound (the gather's `--look`) ends the run in error instead of dispatching the same look
//   again, as it would forever, for free, if the bound were removed;
// - the PR's head moved after /bench: every share and the gather refuse the move (the publish job
//   refuses a result with no record, and says so on the PR).
const act = findAct();
if (!act) console.log("workflows tier skipped: act is not installed (npm run setup:act)");

const manifest = (quantization: string) =>
  stringify({
    schema: 1,
    title: quantization,
    authors: ["alice"],
    parents: ["baseline"],
    engine: { kind: "embedded", args: { quantization } },
  });

/**
 * The engine a hostile submission would bring. On vLLM a submission's own code (plugins, kernels)
 * runs inside the engine; the embedded engine here is main's, so the executors' engine program is
 * replaced by one that, serving the candidate's q8_0 weights, appends 16,384 tokens to every
 * piece of every answer (the incumbent's f32 engine is the real one). The trusted client, the runner, the sandbox
 * and the workflows are the shipped ones.
 */
const FLOODING_ENGINE = `// A hostile engine (test/workflows/share-dies.test.ts): floods the client when serving q8_0.
import { skipBinaryTest } from "./skip-binary-test.ts";

skipBinaryTest();
const { serverMain } = await import("./server.ts");
const argv = process.argv.slice(2);
const flood = /-q8_0-/.test(argv[argv.indexOf("--model") + 1] ?? "");
await serverMain(argv, flood ? { transform: (_p, tokens) => [...tokens, ...new Array(1 << 14).fill(7)] } : {});
`;

let h: Harness;
let refWork: string | undefined;
let reference: { path: string; text: string } | undefined;
afterAll(async () => {
  if (refWork) await removeDir(refWork);
});

/** The pool of two runners, a PR by Alice at q8_0 and her `/bench`; the dispatched inputs. */
async function bench(o: Partial<HarnessOptions> = {}) {
  const pool = challengeFiles((ch) => {
    ch.runners = { count: 2, label: ch.hardware.runner_labels.at(-1) };
  });
  const work = (refWork ??= await tempDir("velodrome-wf-ref-"));
  h = await startHarness({
    ...o,
    files: { ...pool, ...o.files },
    prepare: async (repo) => {
      // The same challenge and prompts in every harness here: the reference is made once.
      if (!reference) reference = await writeReference(repo, work);
      else {
        await mkdir(join(repo, reference.path, ".."), { recursive: true });
        await writeFile(join(repo, reference.path), reference.text);
      }
    },
  });
  await h.pushPr(1, ALICE, { "submissions/q8/submission.yaml": manifest("q8_0") });
  const request = await h.comment(1, ALICE, "/bench");
  expect(request.jobs, request.log).toEqual({ request: "success" });
  const dispatched = h.fake.dispatches.filter((d) => d.workflow === "evaluate.yml");
  expect(dispatched).toHaveLength(1);
  return dispatched[0]!.inputs as Record<string, string>;
}

/** The run is on the data branch as `error`, charged to Alice, and was dispatched once. */
async function recordedError(runId: string, after: ActRun[], reason: string) {
  const evaluate = after.find((r) => r.workflow === "evaluate.yml")!;
  expect(h.fake.dispatches.filter((d) => d.workflow === "evaluate.yml")).toHaveLength(1);
  expect(
    after.filter((r) => r.workflow === "evaluate.yml"),
    evaluate.log,
  ).toHaveLength(1);
  const data = await h.dataFiles();
  expect(data).toContain(dataPath.reservation(runId)); // charged at /bench, never refunded
  expect(data, evaluate.log).toContain(dataPath.run(runId));
  const record = JSON.parse(await h.dataFile(dataPath.run(runId)));
  expect(record).toMatchObject({ status: "error", reason, requester: { login: ALICE.login } });
  expect(record.failedArm).toBeUndefined(); // the candidate's side: charged to the requester
  const verdict = h.fake.issues.get(1)!.comments.find((c) => c.body.includes(`verdict:${runId}`));
  expect(verdict?.body).toContain("Run failed");
  expect(h.fake.violations).toEqual([]);
  return evaluate;
}

/** The error a run is recorded with when a share of its look left no result (both dying scenarios). */
const SHARE_LEFT_NOTHING =
  "a share of the look left no result (its job died, or its engine stopped the client)";

describe.skipIf(!act)("scenario c: the candidate's engine floods the client on every runner", () => {
  afterAll(async () => h?.close());

  it("each share uploads its error; the run is recorded error, charged, not run again", async () => {
    const inputs = await bench({ files: { "runner/adapters/engines/embedded/main.ts": FLOODING_ENGINE } });
    // The evaluate run alone: the board and site refresh after a publish are scenarios b's and d's.
    const after = await h.settle({ maxRuns: 1 });
    const evaluate = await recordedError(
      inputs.run_id!,
      after,
      "the engine's response passed its size cap (it flooded the client)",
    );
    expect(evaluate.jobs, evaluate.log).toMatchObject({
      shares: "success",
      "evaluate-1": "failure",
      "evaluate-2": "failure",
      gather: "success",
      publish: "success",
    });
    expect(evaluate.log).toMatch(/upload-artifact: look-1-share-0 /);
    expect(evaluate.log).toMatch(/upload-artifact: look-1-share-1 /);
  }, 900_000);
});

describe.skipIf(!act)(
  "scenario c: one runner dies mid-job while the other share and the gather succeed",
  () => {
    afterAll(async () => h?.close());

    it("the look bound: the run is recorded error, charged, and the look is not dispatched again", async () => {
      const inputs = await bench({
        executors: [{ machine: "executor-a" }, { machine: "executor-b", dies: true }],
      });
      // Bounded: without the look bound the gather would dispatch look 1 again, and again.
      const after = await h.settle({ maxRuns: 3 });
      const evaluate = await recordedError(inputs.run_id!, after, SHARE_LEFT_NOTHING);
      // act reports every job of a matrix failed when one is; the first share's steps all passed.
      expect(evaluate.jobs, evaluate.log).toMatchObject({
        shares: "success",
        "evaluate-2": "failure",
        gather: "success",
        publish: "success",
      });
      expect(evaluate.log).toMatch(/\[evaluate\/evaluate-1\] +\| share 1\/2 of look 1: 2 launches/);
      expect(evaluate.log).toMatch(/\[evaluate\/evaluate-2\] +signal: killed/);
      expect(evaluate.log).toMatch(/upload-artifact: look-1-share-0 /);
      expect(evaluate.log).not.toMatch(/upload-artifact: look-1-share-1 /);
    }, 900_000);
  },
);

describe.skipIf(!act)("scenario c: every runner dies mid-job, so no share leaves anything", () => {
  afterAll(async () => h?.close());

  it("the look is incomplete with nothing gathered: still recorded error, charged, not run again", async () => {
    const inputs = await bench({
      executors: [
        { machine: "executor-a", dies: true },
        { machine: "executor-b", dies: true },
      ],
    });
    const after = await h.settle({ maxRuns: 3 });
    const evaluate = await recordedError(inputs.run_id!, after, SHARE_LEFT_NOTHING);
    expect(evaluate.jobs, evaluate.log).toMatchObject({
      gather: "success",
      verify: "success",
      publish: "success",
    });
    expect(evaluate.log).not.toMatch(/upload-artifact: look-1-share-/);
  }, 900_000);
});

describe.skipIf(!act)("scenario c: every share refuses a PR head that moved after /bench", () => {
  afterAll(async () => h?.close());

  it("fails the look, keeps the charge, dispatches nothing more", async () => {
    const inputs = await bench();
    // Alice moves her PR's head after the pinned SHA was dispatched.
    const moved = await h.pushPr(1, ALICE, { "submissions/q8/submission.yaml": manifest("q4_0") });
    expect(moved.head).not.toBe(inputs.sha);
    const after = await h.settle({ maxRuns: 1 });
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
    expect(data).toContain(dataPath.reservation(inputs.run_id!)); // charged
    // No record: a run stopped before any launch has nothing to record; the PR is told why.
    expect(data).not.toContain(dataPath.run(inputs.run_id!));
    const verdict = h.fake.issues.get(1)!.comments.find((c) => c.body.includes(`verdict:${inputs.run_id}`));
    expect(verdict?.body).toMatch(/pull request moved/);
    expect(h.fake.violations).toEqual([]);
  }, 900_000);
});
