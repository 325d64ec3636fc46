import { describe, expect, it } from "vitest";
import { ChallengeSchema } from "../../runner/core/schema/challenge.ts";
import { RunRecord } from "../../runner/core/schema/run-record.ts";
import { runBenchmark, runShare, type BenchPorts } from "../../runner/flows/run/index.ts";
import { lookShare } from "../../runner/flows/evaluate.ts";
import { decodeResults, encodeResults, gatheredShares } from "../../runner/adapters/block-workers.ts";
import { corpusPerplexity } from "../../runner/core/verify.ts";
import type { EngineLauncher, LaunchSpec } from "../../runner/ports.ts";
import { decidePublish } from "../../runner/core/github/publish.ts";
import { releasableRecord } from "../../runner/core/github/record-check.ts";
import { seedFrom } from "../../runner/core/stats/rng.ts";
import { launchSeconds } from "../../runner/core/plan/cost.ts";
import { designOf } from "../../runner/core/plan/design.ts";
import { ALICE, reservation } from "../fakes/bot-fixtures.ts";
import {
  challenge,
  fakeWorld,
  manifest,
  options,
  promptSet,
  raw,
  withDraft,
  type Behaviour,
} from "../fakes/bench-world.ts";

// The benchmark flow on the in-memory fakes of its ports (test/fakes/bench-world.ts).

describe("the benchmark flow on fake ports", () => {
  it("never sends a reference continuation before the timing is done, nor warms up on a timed prompt", async () => {
    const { ports, log } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
    await runBenchmark(ports, await options());
    const launches = log
      .join("\n")
      .split(/^launch /m)
      .slice(1);
    // The timed launches: not the plain-decode references (first) nor the scorer (last), which time nothing.
    for (const l of launches.slice(2, -1)) {
      const lines = l.split("\n");
      const lastTimed = lines.map((x) => x.startsWith("stream")).lastIndexOf(true);
      const firstScore = lines.findIndex((x) => x.startsWith("score"));
      if (firstScore >= 0) expect(firstScore).toBeGreaterThan(lastTimed);
    }
    // Warm-ups use prompts the launch never times (reversed token ids).
    expect(log).toContain("stream 11,10");
  });

  it("an engine that buffers its stream and sends a burst gains nothing: speed is timed from the send", async () => {
    const { ports } = fakeWorld({ fast: { tps: 100, burst: true }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(ports, await options());
    const c = record.launches.filter((l) => l.arm === "candidate");
    const i = record.launches.filter((l) => l.arm === "incumbent");
    const mean = (ls: typeof c) => ls.reduce((a, l) => a + l.runs[0]!, 0) / ls.length;
    expect(mean(c) / mean(i)).toBeCloseTo(1, 2); // same speed, however the tokens were released
    expect(record.comparison!.verdict).not.toBe("faster");
    // …and the burst is visible in the inter-token distribution recorded beside the speed.
    expect(c[0]!.interTokenMs).toEqual({ p50: 3, p90: 3, max: 3 });
    expect(i[0]!.interTokenMs!.p50).toBeGreaterThan(9); // ~10 ms a token at 100 tok/s (with launch noise)
  });

  it("runs every block in the seeded order, scores the first launch of each arm, and records it", async () => {
    const { ports, log } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(ports, await options());
    expect(RunRecord.parse(record)).toEqual(record);
    expect(record.status).toBe("ok");
    expect(record.launches).toHaveLength(8);
    for (const [b, o] of record.design.order.entries()) {
      const arms = record.launches.filter((l) => l.block === b).map((l) => l.arm);
      expect(arms).toEqual(o === "CI" ? ["candidate", "incumbent"] : ["incumbent", "candidate"]);
    }
    // The fake engine runs at its speed, give or take its small per-launch wiggle.
    for (const l of record.launches.filter((x) => x.arm === "candidate"))
      expect(l.runs.map((x) => Math.abs(x / 200 - 1) < 0.01)).toEqual([true]);
    expect(record.comparison!.verdict).toBe("faster");
    expect(record.quality.candidate!.ok).toBe(true);
    expect(record.quality.candidate!.pplIncrease).toBeCloseTo(0, 9);
    expect(record.confirmation.status).toBe("pending"); // a claim, but no private set here
    expect(record.runner.engine).toBe("fake-engine 1");
    expect(record.startedAt).toBe(new Date(1_000_000).toISOString());
    // 8 timed launches, a plain-decode reference per arm, one trusted scorer; every engine is
    // stopped and every scratch folder removed.
    expect(log.filter((l) => l.startsWith("launch"))).toHaveLength(11);
    expect(log.filter((l) => l.startsWith("stop"))).toHaveLength(11);
    expect(log.filter((l) => l.startsWith("remove"))).toHaveLength(11);
    expect(record.quality.candidate!.identity).toMatchObject({ ok: true, prompts: 3, passed: 3, exact: 3 });
    expect(record.quality.candidate!.outputNll).toMatchObject({ ok: true, increase: 0, worse: 0 });
  });

  it("a submission that honestly differs from the baseline is held to its own decode in every launch", async () => {
    // Its plain decode and first block are right (its own continuation); from its third launch on it
    // decodes garbage. The first launch's outputs differ from the baseline's, which must not make
    // them the ones kept: the later launches are checked against its own plain decode.
    const honest = fakeWorld({ fast: { tps: 200, own: true }, baseline: { tps: 100 } });
    const ok = await runBenchmark(honest.ports, await options());
    expect(ok.record.quality.candidate!.identity!.ok).toBe(true);
    const lossyLater = fakeWorld({ fast: { tps: 200, own: true, wrongAfter: 2 }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(lossyLater.ports, await options());
    expect(record.status).toBe("invalid");
    expect(record.quality.candidate!.identity!.ok).toBe(false);
  });

  it("every timed pass is verified: a lossy first pass is not hidden by an exact repeat, nor the reverse", async () => {
    const twoPasses = ChallengeSchema.parse({ ...raw, metric: { ...raw.metric, repeats: 2 } });
    const run = async (b: Behaviour) =>
      (
        await runBenchmark(
          fakeWorld({ fast: b, baseline: { tps: 100 } }).ports,
          await options({ challenge: twoPasses }),
        )
      ).record;
    const honest = await run({ tps: 200 });
    expect(honest.status, honest.reason).toBe("ok");
    expect(honest.quality.candidate!.identity).toMatchObject({ ok: true, exact: 3 });
    for (const wrongPass of ["first", "repeats"] as const) {
      const record = await run({ tps: 200, wrongPass });
      expect(record.status, wrongPass).toBe("invalid");
      expect(record.quality.candidate!.identity, wrongPass).toMatchObject({ ok: false, passed: 0 });
      // The launch's hash covers the differing pass too, so the record shows the passes disagreed.
      const hash = (r: RunRecord) => r.launches.find((l) => l.arm === "candidate")!.outputsSha256;
      expect(hash(record)).not.toBe(hash(honest));
    }
  });

  it("a lossy first pass is kept through the worker pool's JSON as well", async () => {
    const twoPasses = ChallengeSchema.parse({ ...raw, metric: { ...raw.metric, repeats: 2 } });
    const o = await options({ challenge: twoPasses });
    const { ports } = fakeWorld({ fast: { tps: 200, wrongPass: "first" }, baseline: { tps: 100 } });
    // The fake is exact in its first launch (a run's plain decode): spend it, as a run would.
    await ports.launcher.launch({
      slug: "fast",
      manifest,
      challenge,
      scratch: "/w/p",
      logFile: "/w/l",
      startTimeoutMs: 1,
    });
    const results = await runShare(ports, o, { machine: "w", blocks: [0], maxBlocks: 4, deadline: 2e6 });
    const first = results.find((r) => r.record.arm === "candidate");
    const decoded = decodeResults(encodeResults([first!]))[0]!;
    expect(decoded.outputs).toEqual(first!.outputs);
    expect(decoded.variants).toEqual(first!.variants);
    expect([...decoded.variants!.values()].flat()).not.toContainEqual([7, 7, 7, 7]); // the repeats were right
    expect([...decoded.outputs.values()]).toContainEqual([7, 7, 7, 7]); // …and the first pass was not
  });

  it("a claimed lead is confirmed on the private set when it holds there", async () => {
    const { ports } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
    const priv = await promptSet([
      [40, 41],
      [50, 51],
    ]);
    const { record } = await runBenchmark(ports, await options({ private: priv }));
    expect(record.status, record.reason).toBe("ok");
    expect(record.comparison!.verdict).toBe("faster");
    expect(record.confirmation).toMatchObject({ status: "confirmed" });
    expect(record.confirmation.ratio).toBeCloseTo(1, 1);
    expect(record.launches).toHaveLength(8); // the private re-run is not a timed launch of the design
  });

  it("a confirmation that runs out of the job's time leaves the lead provisional, not failed", async () => {
    const priv = await promptSet([
      [40, 41],
      [50, 51],
    ]);
    // A minute per launch: two plain-decode references and eight block launches (10 minutes), the
    // scorer (11); the cap falls before the confirmation's second launch.
    const ports = minutePerLaunch(fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } }).ports);
    const { record } = await runBenchmark(ports, await options({ private: priv, deadlineMs: 11.5 * 60_000 }));
    expect(record.comparison!.verdict).toBe("faster");
    expect(record.confirmation).toMatchObject({ status: "pending", reason: /did not fit the job's time/ });
    expect(decidePublish(publishInput(record, challenge))).toMatchObject({
      record: { confirmation: { status: "pending" } },
    });
  });

  it("the trusted scorer reads the private re-run too: a decode lossy only on unseen prompts is caught", async () => {
    // Exact on the public prompts; on the private ones it diverges at once (its plain decode is
    // nearly tied everywhere, so identity excuses that) and decodes carelessly from there.
    const priv = await promptSet([
      [40, 41],
      [50, 51],
    ]);
    const lossyUnseen: Behaviour = {
      tps: 200,
      wrongTokens: "with-draft",
      ties: true,
      wrongOn: (prompt) => prompt[0]! >= 40 && prompt[0]! < 60,
    };
    const { ports, log } = fakeWorld({ fast: lossyUnseen, baseline: { tps: 100 } });
    const candidate = { slug: "fast", manifest: withDraft };
    const { record } = await runBenchmark(ports, await options({ candidate, private: priv }));
    expect(record.status, record.reason).toBe("ok"); // the public blocks are clean…
    expect(record.quality.candidate!.outputNll).toMatchObject({ ok: true, increase: 0 });
    expect(record.comparison!.verdict).toBe("faster");
    expect(record.confirmation).toMatchObject({
      status: "failed",
      reason: "quality failed on the private set",
    });
    expect(record.confirmation.quality!.ok).toBe(false);
    // …because the confirmation's gauge (the baseline, the trusted scorer) scored the private outputs
    // after its timed requests: the careless 7s and the plain decode's own continuation.
    const gaugeLaunch = log.slice(log.findLastIndex((l) => l.startsWith("launch baseline ")));
    expect(gaugeLaunch).toContain("score 40,41,7,7,7,7");
    expect(gaugeLaunch).toContain("score 40,41,40,41,42,43");
    expect(gaugeLaunch.findIndex((l) => l.startsWith("score"))).toBeGreaterThan(
      gaugeLaunch.findLastIndex((l) => l.startsWith("stream")),
    );
  });

  it("timed outputs that differ from the submission's own plain decode at clear decisions are invalid", async () => {
    const { ports } = fakeWorld({ fast: { tps: 200, wrongTokens: "with-draft" }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(
      ports,
      await options({ candidate: { slug: "fast", manifest: withDraft } }),
    );
    expect(record.status).toBe("invalid");
    expect(record.reason).toMatch(
      /^verification failed: timed outputs are identical to the submission's own plain decode on 0 of 3/,
    );
    expect(record.quality.candidate!.identity).toMatchObject({ ok: false, passed: 0 });
    expect(record.confirmation.status).toBe("skipped");
  });

  it("a lossy checkpoint decoded faithfully passes identity; baseline agreement is information", async () => {
    const { ports } = fakeWorld({ fast: { tps: 200, wrongTokens: true }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(ports, await options());
    const q = record.quality.candidate!;
    expect(q.identity).toMatchObject({ ok: true, passed: 3 });
    expect(q.greedy.exact).toBe(0); // reported, not a gate
    expect(q.outputNll!.increase).toBe(0); // its plain decode is the same
  });

  it("a divergence at a near-tie passes identity; a careless decode after it is caught by the scorer", async () => {
    const { ports } = fakeWorld({
      fast: { tps: 200, wrongTokens: "with-draft", ties: true },
      baseline: { tps: 100 },
    });
    const { record } = await runBenchmark(
      ports,
      await options({ candidate: { slug: "fast", manifest: withDraft } }),
    );
    const q = record.quality.candidate!;
    expect(q.identity).toMatchObject({ ok: true, passed: 3, exact: 0 });
    expect(q.outputNll).toMatchObject({
      ok: false,
      worse: 3,
      max: 0.05,
      maxPrompt: 1,
    });
    expect(q.outputNll!.worst).toBeCloseTo(2.5, 9); // the worst prompt, over the per-prompt bound too
    expect(q.verifiedBy).toBe("plain-decode+scorer");
    expect(q.outputNll!.increase).toBeCloseTo(2.5, 9); // 7s score -3 where the plain tokens score -0.5
    expect(record.status).toBe("invalid");
    expect(record.reason).toMatch(/the reference scores the timed outputs 2\.500 nats\/token worse/);
  });

  it("a second run of the same commit reuses the plain-decode references from the cache", async () => {
    const disk = new Map<string, string>();
    const world = () => fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } }, 1_000_000, disk);
    const committed = { slug: "fast", manifest, commit: "a".repeat(40) };
    const first = world();
    await runBenchmark(first.ports, await options({ candidate: committed }));
    const second = world();
    const { record } = await runBenchmark(second.ports, await options({ candidate: committed }));
    const launches = (log: string[]) => log.filter((l) => l.startsWith("launch")).length;
    expect(launches(first.log)).toBe(11);
    expect(launches(second.log)).toBe(9); // the timed launches and the scorer only
    expect(record.quality.candidate!.identity!.ok).toBe(true);
    expect([...disk.keys()].filter((k) => k.startsWith(`/cache/${"a".repeat(40)}-`))).toHaveLength(1);
  });

  it("an engine that fails to start ends the run as an error record, never a throw", async () => {
    const { ports } = fakeWorld({ fast: { tps: 200, crashAtStart: true }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(ports, await options());
    expect(record.status).toBe("error");
    expect(record.reason).toMatch(/exited with code 3/);
    expect(record.comparison).toBeNull();
  });

  it("a run past its deadline stops with the cap in its reason", async () => {
    let t = 0;
    const { ports } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(
      { ...ports, clock: () => (t += 1000) },
      await options({ deadlineMs: 5000 }),
    );
    expect(record.status).toBe("error");
    expect(record.reason).toMatch(/passed its 20-minute cap/);
  });
});

// Prompt groups (issue 12): six prompts in groups of two, so three groups rotate over the blocks.
const grouped = ChallengeSchema.parse({
  ...raw,
  significance: { ...raw.significance, prompts_per_group: 2 },
});
const sixPrompts = () => promptSet([10, 20, 30, 40, 50, 60].map((t) => [t, t + 1]));
const reservationFor = (id: string, blocks?: number) =>
  reservation(id, ALICE, 1, { slug: "fast", against: "baseline", ...(blocks ? { blocks } : {}) });
const publishInput = (record: RunRecord, ch: typeof challenge) => ({
  runId: "run-1",
  resultText: JSON.stringify(record),
  // A fixed block count (`/bench --blocks N`) is the reservation's; the challenge's looks otherwise.
  reservation: reservationFor("run-1", record.design.looks.length === 1 ? record.design.looks[0] : undefined),
  challenge: ch,
  now: "2026-01-15T12:31:00.000Z",
});

describe("prompt groups in the benchmark flow", () => {
  it("both arms of a block decode the same group, groups rotate, and every prompt is verified per arm", async () => {
    const { ports, log } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(
      ports,
      await options({ challenge: grouped, public: await sixPrompts(), blocks: 4 }),
    );
    expect(record.status, record.reason).toBe("ok");
    expect(record.design.promptsPerGroup).toBe(2);
    for (const l of record.launches) {
      expect(l.group).toBe(l.block % 3);
      expect(l.perPrompt).toHaveLength(2); // one pass over its group of two
      expect(l.tokens).toBe(2 * 4);
    }
    const promptsOf = (b: number, arm: string) =>
      record.launches.find((l) => l.block === b && l.arm === arm)!.perPrompt!.map((p) => p[0]);
    for (let b = 0; b < 4; b++) expect(promptsOf(b, "candidate")).toEqual(promptsOf(b, "incumbent"));
    const covered = new Set(
      record.launches.filter((l) => l.arm === "candidate").flatMap((l) => l.perPrompt!),
    );
    expect(new Set([...covered].map((p) => p[0]))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect(record.quality.candidate!.greedy.prompts).toBe(6); // verified on every prompt it decoded
    // A block's launch streams its warm-up and its group only: 3 requests, not 7. (Before the blocks,
    // each arm's plain-decode reference decodes all 6 prompts; after them the scorer streams none.)
    const streams = log
      .join("\n")
      .split(/^launch /m)
      .slice(1)
      .map((l) => l.split("stream").length - 1);
    expect(streams.slice(0, 2)).toEqual([6, 6]);
    expect(streams.slice(2, 10)).toEqual(Array(8).fill(3));
    expect(streams.slice(10)).toEqual([0]);
    // The plan's cost model prices exactly these launches: at 1 tok/s and no start-up, a launch's
    // seconds are its decoded tokens, and a block is one launch per arm.
    const design = designOf(grouped, 6, 1);
    const tokensPerLaunch = launchSeconds(design, {
      tps: 1,
      startupSeconds: 0,
      runners: 1,
      jobCapMinutes: 20,
    });
    expect(streams.slice(2, 10).map((n) => n * 4)).toEqual(Array(8).fill(tokensPerLaunch));
    expect(streams.slice(2, 10)).toHaveLength(4 * design.launchesPerBlock);
    // Per-prompt speeds are what the launch's tok/s was computed from: 4 tokens in 20 ms at 200 tok/s.
    expect(record.launches.find((l) => l.arm === "candidate")!.perPrompt![0]![2]).toBeGreaterThan(0.0199);
  });

  it("publish accepts a grouped record and refuses one whose groups or timings were altered", async () => {
    const { ports } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(
      ports,
      await options({ challenge: grouped, public: await sixPrompts(), blocks: 4 }),
    );
    const ok = decidePublish(publishInput(record, grouped));
    expect(ok.kind, JSON.stringify(ok)).toBe("record");
    if (ok.kind === "record") expect(ok.record.launches[0]!.perPrompt).toEqual(record.launches[0]!.perPrompt);
    const moved = structuredClone(record);
    moved.launches[0]!.group = (moved.launches[0]!.group! + 1) % 3;
    expect(decidePublish(publishInput(moved, grouped))).toMatchObject({ reason: /prompt group/ });
    const faster = structuredClone(record);
    faster.launches[0]!.perPrompt![0]![2] /= 2; // claims one request took half the time
    expect(decidePublish(publishInput(faster, grouped))).toMatchObject({ reason: /per-prompt timings/ });
    // A challenge with groups refuses a run that decoded every prompt in every launch.
    expect(decidePublish(publishInput(record, challenge))).toMatchObject({ reason: /grouped its prompts/ });
  });
});

/** The ports with a fake clock that moves one minute at every engine launch. */
function minutePerLaunch(ports: BenchPorts): BenchPorts {
  let now = 1_000_000;
  const launch = (s: LaunchSpec) => ((now += 60_000), ports.launcher.launch(s));
  return { ...ports, launcher: { ...ports.launcher, launch }, clock: () => now };
}

describe("the job cap", () => {
  it("a run cut during look 2 publishes look 1's comparison as final, with the cap as its reason", async () => {
    // A gain just past δ (2%): look 1 (4 blocks) is inconclusive, so the run goes on to look 2 (8 blocks).
    // Each launch takes a minute of the fake clock: the two plain-decode references, then look 1's
    // eight launches; the cap (12 minutes) falls in look 2's blocks.
    const { record } = await runBenchmark(
      minutePerLaunch(fakeWorld({ fast: { tps: 102.3 }, baseline: { tps: 100 } }).ports),
      await options({ blocks: undefined, deadlineMs: 12 * 60_000 }),
    );
    expect(challenge.significance.looks).toEqual([4, 8]);
    expect(record.status, record.reason).toBe("ok");
    expect(record.reason).toMatch(
      /passed its 20-minute cap during the next look; look 1 of 2 \(4 blocks\) is final/,
    );
    expect(new Set(record.launches.map((l) => l.block)).size).toBe(4); // the part-run look is left out
    expect(record.comparison).toMatchObject({ blocks: 4, look: { index: 1, final: true } });
    expect(record.comparison!.verdict).toBe("unresolved");
    const d = decidePublish(publishInput(record, challenge));
    expect(d.kind, JSON.stringify(d)).toBe("record");
    if (d.kind !== "record") return;
    expect(d.record.comparison).toMatchObject({ verdict: "unresolved", look: { final: true } });
    expect(d.record.reason).toBe("the job cap cut the run; look 1 (4 blocks) is final");
  });

  it("a cut grouped run over some prompts is pinned to the committed reference of what it decoded", async () => {
    // Six groups of one prompt: look 1's four blocks cover four prompts, and the cap falls after
    // block 4 of look 2, whose outputs still count against the arms (a fifth prompt).
    const single = ChallengeSchema.parse({
      ...raw,
      significance: { ...raw.significance, prompts_per_group: 1 },
    });
    // Each prompt's reference a little harder than the last, so every subset has its own perplexity.
    const six = await sixPrompts();
    const lines = six.prompts.map((p, i) => ({
      ...six.reference.get(p.id)!,
      nll: six.reference.get(p.id)!.nll * (1 + (i * i) / 100),
    }));
    const pub = {
      ...six,
      reference: new Map(lines.map((l) => [l.id, l])),
      referencePpl: corpusPerplexity(lines),
    };
    const { record } = await runBenchmark(
      minutePerLaunch(fakeWorld({ fast: { tps: 102.3 }, baseline: { tps: 100 } }).ports),
      await options({ challenge: single, public: pub, blocks: undefined, deadlineMs: 12 * 60_000 }),
    );
    expect(record.reason).toMatch(/look 1 of 2 \(4 blocks\) is final/);
    expect(record.quality.candidate!.greedy.prompts).toBe(5);
    expect(record.quality.candidate!.pplReference).not.toBeCloseTo(pub.referencePpl, 6);
    const referenceTerms = pub.prompts.map((p) => pub.reference.get(p.id)!);
    const pins = { prompts: 6, referenceTerms };
    const d = decidePublish({ ...publishInput(record, single), pins });
    expect(d.kind, JSON.stringify(d)).toBe("record");
    // A runner that reports an easier reference (here, the whole set's) is refused.
    const forged = structuredClone(record);
    forged.quality.candidate!.pplReference = pub.referencePpl * 0.9;
    expect(decidePublish({ ...publishInput(forged, single), pins })).toMatchObject({
      kind: "reject",
      reason: /reference perplexity of/,
    });
  });
});

describe("a look fanned out over runners (evaluate.yml's matrix) and gathered", () => {
  const untimed = (r: RunRecord) =>
    r.launches.map((l) => [l.arm, l.block, l.position, l.tokens, l.outputsSha256].join(" "));
  const shareResults = async (
    o: Awaited<ReturnType<typeof options>>,
    looks: number[],
    look: number,
    run?: { id: string; commit: string },
  ) => {
    const texts: string[] = [];
    for (const k of [0, 1]) {
      const { ports } = fakeWorld({ fast: { tps: 102 }, baseline: { tps: 100 } });
      const share = {
        machine: `gpu-${k + 1}`,
        blocks: lookShare(looks, look, k, 2),
        maxBlocks: looks.at(-1)!,
        deadline: 2e6,
      };
      texts.push(encodeResults(await runShare(ports, o, share), run));
    }
    return texts;
  };
  const gather = (
    texts: string[],
    o: { enginesHere?: boolean; run?: { id: string; commit: string } } = {},
  ) => ({
    kind: "gather" as const,
    shares: gatheredShares(texts, o.run),
    enginesHere: o.enginesHere ?? false,
  });
  const refusing: EngineLauncher = {
    kind: "embedded",
    version: async () => "gathered",
    launch: async () => {
      throw new Error("the gather job must start no engine");
    },
  };

  it("deals each look's new blocks round-robin, every block to one runner", () => {
    expect(lookShare([6, 12], 1, 0, 4)).toEqual([0, 4]);
    expect(lookShare([6, 12], 2, 3, 4)).toEqual([9]);
    expect([0, 1, 2, 3].flatMap((k) => lookShare([6, 12], 2, k, 4)).sort()).toEqual([10, 11, 6, 7, 8, 9]);
  });

  it("the gathered shares give the record one process gives, each block with its runner", async () => {
    const o = await options({ challenge: grouped, public: await sixPrompts() });
    const single = (await runBenchmark(fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } }).ports, o))
      .record;
    const texts = await shareResults(o, [4], 1);
    const { ports } = fakeWorld({});
    const { record } = await runBenchmark({ ...ports, launcher: refusing }, o, gather(texts));
    expect(record.status, record.reason).toBe("ok");
    expect(untimed(record)).toEqual(untimed(single));
    // The gathering job starts no engine, so it has no plain-decode reference and no trusted scorer:
    // its quality is the legacy check against the baseline's outputs, and the record says so.
    const { identity: _i, outputNll: _n, verifiedBy: _v, ...legacy } = single.quality.candidate!;
    expect(single.quality.candidate!.verifiedBy).toBe("plain-decode+scorer");
    expect(record.quality.candidate).toMatchObject({
      ...legacy,
      reasons: [],
      verifiedBy: "baseline-agreement",
    });
    expect(record.quality.candidate!.identity).toBeUndefined();
    for (const l of record.launches) expect(l.machine).toBe(`gpu-${(l.block % 2) + 1}`);
    // Publish keeps the record but does not rank it: unverified by the rule's checks.
    const d = decidePublish(publishInput(record, grouped));
    expect(d.kind).toBe("record");
    if (d.kind !== "record") return;
    expect(d.record.status).toBe("invalid");
    expect(d.record.quality.candidate).toMatchObject({ ok: false, verifiedBy: "baseline-agreement" });
    expect(d.record.reason).toMatch(/not verified against its own plain decode and the trusted scorer/);
    expect(decidePublish(publishInput(single, grouped))).toMatchObject({ record: { status: "ok" } });
  });

  it("on a runner of the pool (the verify job) the gathered blocks are verified and ranked", async () => {
    const o = await options({ challenge: grouped, public: await sixPrompts() });
    const single = (await runBenchmark(fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } }).ports, o))
      .record;
    const texts = await shareResults(o, [4], 1);
    const { ports, log } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(ports, o, gather(texts, { enginesHere: true }));
    expect(record.status, record.reason).toBe("ok");
    expect(untimed(record)).toEqual(untimed(single)); // the blocks are the shares', none re-run here
    expect(record.quality.candidate).toMatchObject({ ok: true, verifiedBy: "plain-decode+scorer" });
    expect(record.quality.candidate!.identity).toMatchObject({ ok: true });
    // The launches here: each arm's plain-decode reference (all six prompts) and the scorer (no
    // streams); no timed block starts an engine on this machine.
    const streams = log
      .join("\n")
      .split(/^launch /m)
      .slice(1)
      .map((l) => l.split("stream").length - 1);
    expect(streams).toEqual([6, 6, 0]);
    expect(decidePublish(publishInput(record, grouped))).toMatchObject({ record: { status: "ok" } });
    // Publish holds the verify runner's result to the gather job's own analysis of the shares: the
    // same launches, so one runner cannot rewrite the others' timings.
    const gatherJob = { ...fakeWorld({}).ports, launcher: refusing };
    const gatheredText = JSON.stringify((await runBenchmark(gatherJob, o, gather(texts))).record);
    const held = { ...publishInput(record, grouped), gatheredText };
    expect(decidePublish(held)).toMatchObject({ kind: "record", record: { status: "ok" } });
    const forged = structuredClone(record);
    forged.launches[0]!.runs = forged.launches[0]!.runs.map((r) => r * 1.5);
    const rewritten = { ...held, resultText: JSON.stringify(forged) };
    expect(decidePublish(rewritten)).toMatchObject({ kind: "reject", reason: /differ from the shares/ });
    expect(decidePublish({ ...held, gatheredText: "" })).toMatchObject({
      kind: "reject",
      reason: /gather job's analysis of the shares is missing/,
    });
  });

  it("a lossy decode gathered from the shares is caught by the verify job", async () => {
    const o = await options({ challenge: grouped, public: await sixPrompts() });
    const texts: string[] = [];
    for (const k of [0, 1]) {
      // The shares' candidate engine decodes 7s on its timed launches (it passed its own plain decode).
      const { ports } = fakeWorld({ fast: { tps: 200, wrongAfter: 0 }, baseline: { tps: 100 } });
      const share = { machine: `gpu-${k + 1}`, blocks: lookShare([4], 1, k, 2), maxBlocks: 4, deadline: 2e6 };
      texts.push(encodeResults(await runShare(ports, o, share)));
    }
    const { ports } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(ports, o, gather(texts, { enginesHere: true }));
    expect(record.quality.candidate).toMatchObject({ ok: false, verifiedBy: "plain-decode+scorer" });
    expect(record.quality.candidate!.identity).toMatchObject({ ok: false });
    expect(record.status).toBe("invalid");
  });

  it("the gather refuses a share of another run or commit, and a launch that comes twice", async () => {
    const o = await options({ challenge: grouped, public: await sixPrompts() });
    const run = { id: "run-1", commit: "a".repeat(40) };
    const texts = await shareResults(o, [4], 1, run);
    const gatherOf = (t: string[]) =>
      runBenchmark({ ...fakeWorld({}).ports, launcher: refusing }, o, gather(t, { run }));
    expect((await gatherOf(texts)).record.status).toBe("ok"); // analysed (publish will not rank it: unverified)
    const other = await shareResults(o, [4], 1, { ...run, id: "run-2" });
    const earlier = await shareResults(o, [4], 1, { ...run, commit: "b".repeat(40) });
    const unnamed = await shareResults(o, [4], 1);
    for (const [bad, why] of [
      [[texts[0]!, other[1]!], /not from run run-1/],
      [[texts[0]!, earlier[1]!], /not from run run-1/],
      [[texts[0]!, unnamed[1]!], /not from run run-1/],
      [[...texts, texts[1]!], /came in two shares/],
    ] as const) {
      const { record } = await gatherOf([...bad]);
      expect(record.status, String(why)).toBe("error");
      expect(record.reason).toMatch(why);
    }
  });

  it("an inconclusive look asks for the next look instead of publishing", async () => {
    const o = await options({ blocks: undefined });
    const { ports } = fakeWorld({});
    const partly = await runBenchmark(
      { ...ports, launcher: refusing },
      o,
      gather(await shareResults(o, [4, 8], 1)),
    );
    expect(partly.nextLook).toBe(2); // look 2 (blocks 4–7) has not run: dispatch it
    expect(partly.record.comparison).toMatchObject({
      verdict: "inconclusive",
      look: { index: 1, final: false },
    });
    expect(partly.record.launches.map((l) => l.block)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    // …and this record is not the one to publish.
    const d = decidePublish({
      ...publishInput(partly.record, challenge),
      resultText: JSON.stringify({ ...partly.record, nextLook: 2 }),
    });
    expect(d).toMatchObject({ kind: "reject", reason: /look 2 has not run yet/ });
    const both = [...(await shareResults(o, [4, 8], 1)), ...(await shareResults(o, [4, 8], 2))];
    const full = await runBenchmark({ ...ports, launcher: refusing }, o, gather(both));
    expect(full.nextLook).toBeNull();
    expect(full.record.launches).toHaveLength(16);
  });
});

describe("a hostile engine cannot tell it is being confirmed, nor end a turn early", () => {
  /** The private set: ids and tokens (first token 40 or more) that appear nowhere in the public set. */
  const privateSet = () =>
    promptSet(
      [
        [40, 41],
        [50, 51],
      ],
      "secret-",
    );
  /** Each launch's scratch name and the requests it got, in the order the fake engine saw them. */
  const launchesOf = (log: string[]) =>
    log
      .join("\n")
      .split(/^launch /m)
      .slice(1)
      .map((l) => {
        const [head, ...lines] = l.split("\n");
        const streams = lines
          .filter((x) => x.startsWith("stream "))
          .map((x) => x.slice(7).split(",").map(Number));
        return { slug: head!.split(" ")[0]!, scratch: head!.split(" ")[1]!, streams };
      });

  it("every launch, plain-decode reference and confirmation included, gets a role-free scratch name", async () => {
    const { ports, log } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(ports, await options({ private: await privateSet() }));
    expect(record.confirmation.status).toBe("confirmed");
    const launches = launchesOf(log);
    expect(launches).toHaveLength(13); // 2 plain references, 8 timed, the scorer, 2 confirmation launches
    for (const l of launches) expect(l.scratch).toMatch(/^launch-[0-9a-f]{10}$/);
    expect(new Set(launches.map((l) => l.scratch)).size).toBe(13);
  });

  it("the confirmation looks like a timed block: public warm-ups, public prompts, private ones shuffled in", async () => {
    const firstPrivate: number[] = [];
    for (const id of ["run-1", "run-2", "run-3", "run-4", "run-5", "run-6"]) {
      const { ports, log } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
      const o = await options({ id, seed: seedFrom(id), private: await privateSet() });
      const { record } = await runBenchmark(ports, o);
      expect(record.confirmation.status).toBe("confirmed");
      for (const l of launchesOf(log).slice(-2)) {
        // A timed launch's warm-up (a public prompt reversed), then the public group and the private set.
        expect(l.streams[0]).toEqual([11, 10]);
        const timed = l.streams.slice(challenge.metric.warmup);
        expect(timed.map((p) => p[0]).sort()).toEqual([10, 20, 30, 40, 50]);
        firstPrivate.push(timed.findIndex((p) => p[0]! >= 40));
      }
    }
    // Where the first private prompt comes is not fixed: no position tells the engine "confirmation".
    expect(new Set(firstPrivate).size).toBeGreaterThan(1);
    expect(firstPrivate.some((i) => i > 0)).toBe(true);
  });

  it("a colluding incumbent that slows down on unknown prompts cannot carry a public-set cheat through", async () => {
    // `fast` is fast only on prompts it knows (the public set); its friend, the incumbent, crawls on
    // prompts it does not know, so the old speed-up ratio on the private set looked like the claim.
    const { ports } = fakeWorld({
      fast: { tps: 200, privateTps: 100 },
      friend: { tps: 100, privateTps: 50 },
      baseline: { tps: 100 },
    });
    const o = await options({ incumbent: { slug: "friend", manifest }, private: await privateSet() });
    const { record } = await runBenchmark(ports, o);
    expect(record.comparison!.verdict).toBe("faster");
    // The length effect comes from the trusted scorer (the harness's baseline), not the friend.
    expect(record.confirmation.status).toBe("failed");
    expect(record.confirmation.ratio).toBeCloseTo(0.5, 1);
  });

  it("private outputs reach neither the result file nor the published record", async () => {
    const { ports } = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100 } });
    const { record } = await runBenchmark(ports, await options({ private: await privateSet() }));
    const released = releasableRecord(record, challenge);
    const published = decidePublish(publishInput(released, challenge));
    expect(published.kind, JSON.stringify(published)).toBe("record");
    for (const text of [JSON.stringify(record), JSON.stringify(released), JSON.stringify(published)]) {
      expect(text).not.toMatch(/secret-|private:/); // no private prompt id
      expect(text).not.toMatch(/40,41,42,43|50,51,52,53/); // no private output tokens
    }
    expect(record.launches.every((l) => l.block < 4)).toBe(true); // the confirmation launches are not kept
    expect(released.confirmation).toMatchObject({
      status: "confirmed",
      reason: "the private re-run held the claimed speed and quality",
    });
    expect([0.95, 1]).toContain(released.confirmation.ratio); // ≈1 with launch noise, in 5% steps
    expect(Object.keys(released.confirmation).sort()).toEqual(["ratio", "reason", "status"]);
  });

  it("a turn one token short of max_tokens is an early stop: the run is not counted, with the reason", async () => {
    for (const arm of ["candidate", "incumbent"] as const) {
      const { ports } = fakeWorld({
        fast: { tps: 200, ...(arm === "candidate" ? { short: "always" as const } : {}) },
        baseline: { tps: 100, ...(arm === "incumbent" ? { short: "always" as const } : {}) },
      });
      const { record } = await runBenchmark(ports, await options());
      expect(record.status).toBe("error");
      expect(record.comparison).toBeNull();
      expect(record.reason).toMatch(new RegExp(`^${arm} \\S+ ended a turn early: prompt p\\d returned 3 of`));
      expect(releasableRecord(record, challenge).reason).toBe(
        `the ${arm}'s engine ended a turn before max_tokens where the reference decode did not ` +
          "(an early stop is not counted)",
      );
    }
  });

  it("a turn that ends where the reference decode ended too (the context limit) is counted", async () => {
    // Every engine, the reference's baseline included, stops one token short on prompt [20, 21].
    const { ports } = fakeWorld({ fast: { tps: 200, short: 20 }, baseline: { tps: 100, short: 20 } });
    const pub = await promptSet(
      [
        [10, 11],
        [20, 21],
        [30, 31],
      ],
      "p",
      { tps: 100, short: 20 },
    );
    const { record } = await runBenchmark(ports, await options({ public: pub }));
    expect(record.status, record.reason).toBe("ok");
    expect(record.quality.candidate!.identity).toMatchObject({ ok: true, exact: 3 });
    // …but only where the engine's own plain decode also ended there: identity holds it to that.
    const late = fakeWorld({ fast: { tps: 200 }, baseline: { tps: 100, short: 20 } });
    const { record: full } = await runBenchmark(late.ports, await options({ public: pub }));
    expect(full.status).toBe("ok"); // decoding the whole turn is never an early stop
  });
});
