import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { parseHiddenJson } from "../../runner/core/github/comment.ts";
import { dataPath } from "../../runner/core/layout.ts";
import { findAct, startHarness, type Harness } from "./harness.ts";
import { ALICE, challengeFiles, writeReference } from "./challenge.ts";
import { removeDir, tempDir } from "../helpers.ts";

// Scenario (b): /bench → request.yml charges quota and dispatches evaluate.yml → the matrix's shares
// on the runner pool (the embedded engine under bubblewrap) → gather → verify with the runner's
// private set named in challenge.yaml → publish → the verdict comment, confirmed → board.yml →
// pages.yml → the deployed site names the new leader.
const act = findAct();
if (!act) console.log("workflows tier skipped: act is not installed (npm run setup:act)");

let h: Harness;

let runnerDir: string;

describe.skipIf(!act)("scenario b: /bench to a confirmed verdict and a new leader on the site", () => {
  beforeAll(async () => {
    // The runner host's private set, outside the repository, where challenge.yaml says it is.
    runnerDir = await tempDir("velodrome-wf-runner-");
    const privateSet = join(runnerDir, "private-prompts.jsonl");
    await mkdir(runnerDir, { recursive: true });
    await writeFile(
      privateSet,
      [
        { id: "private-0", text: "Name three rivers of Europe and the seas they flow into." },
        { id: "private-1", text: "Why does ice float on water? Answer in two sentences." },
      ]
        .map((p) => JSON.stringify(p))
        .join("\n") + "\n",
    );
    const files = challengeFiles((ch) => {
      ch.metric.max_tokens = 16;
      ch.significance.looks = [8]; // the t test and Wilcoxon must agree: 8 blocks bear one block of noise
      ch.runners = { count: 2, label: ch.hardware.runner_labels.at(-1) };
      ch.verification.private_prompts = privateSet;
    });
    // The runbook's reference step: the baseline's plain-decode outputs, made on a runner, committed.
    h = await startHarness({ files, prepare: (repo) => writeReference(repo, join(runnerDir, "work")) });
  });
  afterAll(async () => {
    await h?.close();
    await removeDir(runnerDir);
  });

  it("runs the loop on the shipped workflows", async () => {
    const manifest = stringify({
      schema: 1,
      title: "q8_0 weights",
      authors: ["alice"],
      parents: ["baseline"],
      engine: { kind: "embedded", args: { quantization: "q8_0", threads: 1 } },
    });
    await h.pushPr(1, ALICE, { "submissions/q8/submission.yaml": manifest });
    const request = await h.comment(1, ALICE, "/bench");
    expect(request.jobs, request.log).toEqual({ request: "success" });
    const evaluations = h.fake.dispatches.filter((d) => d.workflow === "evaluate.yml");
    expect(evaluations).toHaveLength(1);
    const inputs = evaluations[0]!.inputs;
    // The quota charge is on the data branch before any GPU time.
    expect(await h.dataFiles()).toContain(dataPath.reservation(inputs.run_id!));
    const after = await h.settle();
    const byWorkflow = Object.fromEntries(after.map((r) => [r.workflow, r]));
    const evaluate = byWorkflow["evaluate.yml"]!;
    expect(evaluate.jobs, evaluate.log).toEqual({
      shares: "success",
      "evaluate-1": "success",
      "evaluate-2": "success",
      gather: "success",
      verify: "success",
      publish: "success",
    });
    expect(after.map((r) => r.workflow)).toEqual(
      ["board.yml", "evaluate.yml", "board.yml", "pages.yml"].slice(-after.length),
    );
    // The verdict, confirmed on the runner's private set, on the PR and on the data branch.
    const verdict = h.fake.issues.get(1)!.comments.find((c) => c.body.includes(`verdict:${inputs.run_id}`));
    expect(
      verdict,
      JSON.stringify(h.fake.issues.get(1)!.comments.map((c) => c.body.slice(0, 200))),
    ).toBeDefined();
    const twin = parseHiddenJson(verdict!.body, "verdict") as { confirmation?: { status: string } };
    const record = JSON.parse(await h.dataFile(dataPath.run(inputs.run_id!)));
    expect(record.comparison.verdict, verdict!.body).toBe("faster");
    expect(record.confirmation.status, verdict!.body).toBe("confirmed");
    expect(twin).toBeDefined();
    // Every launch names the physical machine it ran on (the host's id, hashed), not the pool's label.
    const machines = [...JSON.stringify(record).matchAll(/"machine":"([^"]*)"/g)].map((m) => m[1]);
    expect(machines.length).toBeGreaterThan(0);
    for (const m of machines) expect(m).toMatch(/^machine-[0-9a-f]{12}$/);
    // The site, deployed after the publish, names q8 the leader.
    const index = await readFile(join(h.pages, "index.html"), "utf8");
    expect(index).toContain(`data-leader="q8"`);
    expect(h.fake.violations).toEqual([]);
  }, 900_000); // twelve block launches and the verification, on a shared 2-core machine
});
