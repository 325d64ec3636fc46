import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { estimateNoise } from "../runner/core/plan/noise.ts";
import { lookCosts } from "../runner/core/plan/cost.ts";
import { designOf, fleetOf } from "../runner/core/plan/design.ts";
import { embeddedLauncher } from "../runner/adapters/engines/launch.ts";
import { silentProgress } from "../runner/adapters/progress.ts";
import { nodeBenchPorts } from "../runner/adapters/runner-ports.ts";
import { bubblewrap, bubblewrapAvailable } from "../runner/adapters/sandbox/sandbox.ts";
import { parsePrompts } from "../runner/core/prompts.ts";
import { ChallengeSchema } from "../runner/core/schema/challenge.ts";
import { SubmissionSchema } from "../runner/core/schema/submission.ts";
import { runBenchmark } from "../runner/flows/benchmark.ts";
import { makeReference } from "../runner/flows/reference.ts";
import { parse } from "yaml";
import { removeDir, runCli, tempDir } from "./helpers.ts";

const ROOT = resolve(import.meta.dirname, "..");
const NOISE_FILE = "test/fixtures/data/h200-graph-decode.jsonl";

interface PlanJson {
  design: { promptsPerGroup: number; looks: number[]; alpha: number };
  looks: { blocks: number; gpuMinutes: number; wallMinutes: number; fitsCap: boolean }[];
  expected: { gpuMinutes: number; wallMinutes: number };
  operating: { effect: number; pFaster: number; pSlower: number; pTie: number; pUnresolved: number }[];
  scenarios: { tps: number; looks: { fitsCap: boolean; jobMinutes: number }[] }[];
}

describe("velodrome plan on the shipped challenge", () => {
  it("meets issue 12's goal: ≤ 20 wall min and ≤ 60 GPU min per verdict at 247 tok/s on 8 runners", async () => {
    const reps = 300;
    const r = await runCli(
      ["plan", "--json", "--tps", "247,44", "--startup", "120", "--runners", "8", "--reps", String(reps)],
      ROOT,
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out) as PlanJson;
    expect(plan.design.promptsPerGroup).toBe(8);
    expect(plan.expected.wallMinutes).toBeLessThanOrEqual(20);
    expect(plan.expected.gpuMinutes).toBeLessThanOrEqual(60);
    expect(plan.looks.map((l) => l.blocks)).toEqual(plan.design.looks);
    const at = (e: number) => plan.operating.find((o) => o.effect === e)!;
    // Simulation error at reps = 300: SE ≈ 0.9% near α/2, so allow 2 SE above it.
    expect(at(1).pFaster).toBeLessThanOrEqual(plan.design.alpha / 2 + 2 * Math.sqrt((0.025 * 0.975) / reps));
    expect(at(2).pFaster).toBeGreaterThanOrEqual(0.8);
    // At 44 tok/s every matrix job still fits the 20-minute cap.
    const slow = plan.scenarios.find((s) => s.tps === 44)!;
    expect(slow.looks.every((l) => l.fitsCap && l.jobMinutes <= 20)).toBe(true);
  }, 120_000);

  it("prints a human table by default and refuses a missing --tps", async () => {
    const r = await runCli(["plan", "--tps", "247", "--startup", "120", "--reps", "50"], ROOT);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/design: 8 of 128 prompts per launch/);
    expect(r.out).toMatch(/look 2\s+12\s+57\.9/);
    expect(r.out).toMatch(/P\(unresolved\)/);
    const bad = await runCli(["plan", "--startup", "120"], ROOT);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--tps/);
  }, 60_000);

  it("--noise estimates the noise from samples JSONL (here the shipped H200 data)", async () => {
    const r = await runCli(
      ["plan", "--json", "--tps", "247", "--startup", "120", "--reps", "20", "--noise", NOISE_FILE],
      ROOT,
    );
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out) as { noise: { cvBetween: number; cvPrompt: number } };
    const direct = estimateNoise(readFileSync(join(ROOT, NOISE_FILE), "utf8"));
    expect(plan.noise).toEqual({ cvBetween: direct.cvBetween, cvPrompt: direct.cvPrompt });
    const bad = await runCli(["plan", "--tps", "247", "--startup", "120", "--cv", "x"], ROOT);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--cv/);
  }, 60_000);
});

/**
 * The cost model against a real run of the same design on the embedded engine: the plan's GPU
 * minutes become this machine's CPU seconds. The run's own measured decode speed and engine start
 * are the plan's inputs, so what is checked is the cost arithmetic (launches × (start-up + warm-up
 * and timed tokens of a group)), not how fast this machine is.
 */
describe("plan's cost prediction against a real run", () => {
  it("predicts the wall seconds of an embedded-engine run of the design within 30%", async () => {
    const dir = await tempDir("velodrome-plan-");
    try {
      const template = join(ROOT, "runner/demo/template/challenge");
      const raw = parse(readFileSync(join(template, "challenge.yaml"), "utf8"));
      raw.significance.prompts_per_group = 2;
      raw.significance.looks = [2];
      const challenge = ChallengeSchema.parse(raw);
      const text = readFileSync(join(template, "prompts/public.jsonl"), "utf8");
      const { prompts } = parsePrompts("public.jsonl", text, "embedded");
      const launcher = embeddedLauncher({
        repoRoot: ROOT,
        modelsDir: join(ROOT, ".velodrome/models"),
        ...(bubblewrapAvailable() ? { sandbox: bubblewrap() } : {}),
      });
      const manifest = SubmissionSchema.parse({
        schema: 1,
        title: "baseline",
        authors: ["orga"],
        engine: { kind: "embedded", args: { quantization: "f32" } },
      });
      const baseline = { slug: "baseline", manifest };
      const ports = nodeBenchPorts(launcher, silentProgress);
      const ref = await makeReference(ports, challenge, baseline, prompts, dir);
      const pub = { prompts, reference: new Map(ref.lines.map((l) => [l.id, l])), referencePpl: ref.ppl };
      const t0 = performance.now();
      const { record } = await runBenchmark(ports, {
        id: "plan-check",
        challenge,
        candidate: { slug: "same", manifest },
        incumbent: baseline,
        public: pub,
        workDir: dir,
        seed: 3,
        runner: { id: "test", hardware: "ci" },
        startTimeoutMs: 120_000,
        requestTimeoutMs: 120_000,
      });
      const measured = (performance.now() - t0) / 1000;
      expect(record.status, record.reason).toBe("ok");
      const ls = record.launches;
      expect(ls).toHaveLength(4);
      expect(ls.every((l) => l.perPrompt!.length === 2)).toBe(true); // the design's groups of two
      // The plan's inputs, from the run itself: decode speed and engine start-up.
      const tps = ls.flatMap((l) => l.runs).reduce((a, b) => a + b, 0) / ls.length;
      const startup = ls.reduce((a, l) => a + l.startMs, 0) / ls.length / 1000;
      const design = designOf(challenge, prompts.length, tps);
      expect(design.promptsPerGroup).toBe(2);
      const [look] = lookCosts(design, fleetOf(challenge, tps, startup, 1));
      // Before the blocks, each arm's plain-decode reference (no cache here, no private set): one
      // launch decoding every public prompt; no scorer was named, so none runs after them.
      const plain = 2 * (startup + (prompts.length * challenge.metric.max_tokens) / tps);
      const predicted = look!.gpuMinutes * 60 + plain;
      expect(
        predicted / measured,
        `predicted ${predicted.toFixed(1)} s, measured ${measured.toFixed(1)} s`,
      ).toBeGreaterThan(0.7);
      expect(predicted / measured).toBeLessThan(1.3);
    } finally {
      await removeDir(dir);
    }
  }, 600_000);
});
