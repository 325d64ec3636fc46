import { describe, expect, it } from "vitest";
import { DeadlinePassed, EngineStartFailed } from "../../runner/core/errors.ts";
import { measuredLaunch } from "../../runner/flows/run/launch.ts";
import { encodeResults, gatheredShares } from "../../runner/adapters/block-workers.ts";
import { RunRecord } from "../../runner/core/schema/run-record.ts";
import { runShare } from "../../runner/flows/run/blocks.ts";
import { confirm } from "../../runner/flows/run/confirm.ts";
import { judge } from "../../runner/flows/run/judge.ts";
import { armOf } from "../../runner/flows/run/outcome.ts";
import { runLooks, type Looks } from "../../runner/flows/run/looks.ts";
import { planRun } from "../../runner/flows/run/plan.ts";
import { recordRun } from "../../runner/flows/run/record.ts";
import { references } from "../../runner/flows/run/references.ts";
import { HERE, type BenchOptions, type RunMode } from "../../runner/flows/run/types.ts";
import { challenge, fakeWorld, options, promptSet, type Behaviour } from "../fakes/bench-world.ts";

// Each phase of runner/flows/run/ alone, on the in-memory fakes of its ports (test/fakes/bench-world.ts):
// the values it takes in, the value it returns, and what it launched to get there.

const HONEST: Record<string, Behaviour> = { fast: { tps: 200 }, baseline: { tps: 100 } };
const launchCount = (log: string[]) => log.filter((l) => l.startsWith("launch ")).length;

/** The phases up to `looks`, run one after the other as runBenchmark runs them. */
async function upToLooks(o: BenchOptions, behaviour = HONEST, mode: RunMode = HERE) {
  const { ports, log } = fakeWorld(behaviour);
  const plan = await planRun(ports, o);
  const refs = await references(ports, o, mode);
  const looks = await runLooks(ports, o, mode, plan, refs);
  return { ports, log, plan, refs, looks };
}

describe("plan: what is fixed before any launch", () => {
  it("takes the looks from --blocks or the challenge, and the deadline from the job's cap", async () => {
    const { ports, log } = fakeWorld(HONEST, 5_000);
    const fixed = await planRun(ports, await options({ blocks: 3 }));
    expect(fixed.looks).toEqual([3]);
    expect(fixed.design.order).toHaveLength(3);
    expect(fixed.deadline).toBe(5_000 + challenge.job_timeout_minutes * 60_000);
    expect(fixed.head).toMatchObject({
      id: "run-1",
      design: { looks: [3] },
      runner: { engine: "fake-engine 1" },
    });
    const looked = await planRun(ports, await options({ blocks: undefined, deadlineMs: 60_000 }));
    expect(looked.looks).toEqual(challenge.significance.looks);
    expect(looked.deadline).toBe(65_000);
    expect(launchCount(log)).toBe(0);
  });
});

describe("references: each arm's plain decode, or none where no engine may start", () => {
  it("launches each arm once; the candidate's covers the private prompts under their prefix", async () => {
    const { ports, log } = fakeWorld(HONEST);
    const priv = await promptSet([[40, 41]], "secret-");
    const refs = await references(ports, await options({ private: priv }), HERE);
    if (!("plain" in refs) || !refs.plain) throw new Error("no references");
    expect([...refs.plain.candidate.lines.keys()]).toEqual(["p0", "p1", "p2", "private:secret-0"]);
    expect([...refs.plain.incumbent.lines.keys()]).toEqual(["p0", "p1", "p2"]);
    expect(launchCount(log)).toBe(2);
  });

  it("a gather off the pool goes without; a failure is returned as the run's outcome, not thrown", async () => {
    const { ports, log } = fakeWorld(HONEST);
    const gather: RunMode = { kind: "gather", shares: gatheredShares([]), enginesHere: false };
    expect(await references(ports, await options(), gather)).toEqual({});
    expect(launchCount(log)).toBe(0);
    const crashing = fakeWorld({ ...HONEST, fast: { tps: 200, crashAtStart: true } });
    const refs = await references(crashing.ports, await options(), HERE);
    expect(refs).toEqual({ failed: { status: "error", reason: "engine fast exited with code 3" } });
  });
});

describe("looks: blocks up to each look until the comparison resolves", () => {
  it("runs the planned blocks here, in the seeded order, and stops at a resolved look", async () => {
    const { looks, plan } = await upToLooks(await options());
    expect(looks.outcome).toEqual({ status: "ok" });
    expect(looks.nextLook).toBeNull();
    expect(looks.comparison?.verdict).toBe("faster");
    expect(looks.launches.map((l) => l.arm)).toEqual(
      plan.design.order.flatMap((o) => o).slice(0, looks.launches.length),
    );
    expect(looks.quality.candidate).toMatchObject({ ok: true });
    expect([...looks.evidence.candidate.outputs.keys()].sort()).toEqual(["p0", "p1", "p2"]);
  });

  it("after a failed references phase it launches nothing and carries the failure", async () => {
    const { ports, log } = fakeWorld(HONEST);
    const o = await options();
    const failed = { status: "error" as const, reason: "no plain decode" };
    const looks = await runLooks(ports, o, HERE, await planRun(ports, o), { failed });
    expect(looks).toMatchObject({ outcome: failed, launches: [], nextLook: null });
    expect(launchCount(log)).toBe(0);
  });

  it("F6: a run the incumbent's engine breaks says so (failedArm), one the candidate breaks does not", async () => {
    const o = await options();
    const byIncumbent = await upToLooks(o, {
      ...HONEST,
      baseline: { tps: 100, short: "always", wrongAfter: 99 },
    });
    expect(byIncumbent.looks.outcome).toMatchObject({ status: "error", failedArm: "incumbent" });
    const byCandidate = await upToLooks(o, {
      ...HONEST,
      fast: { tps: 200, short: "always", wrongAfter: 99 },
    });
    expect(byCandidate.looks.outcome.status).toBe("error");
    expect(byCandidate.looks.outcome).not.toHaveProperty("failedArm");
  });

  it("an engine that breaks the length rule: the failure is the outcome, not a throw", async () => {
    const o = await options();
    const { looks } = await upToLooks(o, { ...HONEST, fast: { tps: 200, short: "always", wrongAfter: 99 } });
    expect(looks.outcome.status).toBe("error");
    expect(looks.outcome.reason).toMatch(/ended a turn early/);
    expect(looks.comparison).toBeUndefined();
  });

  it("gathered shares holding only the first look: the looks stop there and name look 2 as data", async () => {
    const o = await options({ blocks: undefined });
    const share = { machine: "gpu-1", blocks: [0, 1, 2, 3], maxBlocks: 8, deadline: 2e6 };
    const texts = [
      encodeResults(
        await runShare(fakeWorld({ fast: { tps: 102 }, baseline: { tps: 100 } }).ports, o, share),
      ),
    ];
    const mode: RunMode = { kind: "gather", shares: gatheredShares(texts), enginesHere: false };
    const { looks, log } = await upToLooks(o, {}, mode);
    expect(launchCount(log)).toBe(0);
    expect(looks.nextLook).toBe(2);
    expect(looks.outcome).toEqual({ status: "ok", reason: "look 2 of 2 (blocks 5–8) has not run yet" });
    expect(looks.comparison).toMatchObject({ verdict: "inconclusive", look: { index: 1, final: false } });
    expect(looks.launches.map((l) => l.machine)).toEqual(Array(8).fill("gpu-1"));
  });
});

describe("judge: the trusted scorer's reading, and the outcome", () => {
  it("with plain references, one scorer launch reads both arms; without them, the looks' judgement stands", async () => {
    const o = await options();
    const { ports, log, refs, looks } = await upToLooks(o);
    const before = launchCount(log);
    const judged = await judge(ports, o, refs, looks);
    expect(launchCount(log) - before).toBe(1); // the scorer
    expect(judged.outcome).toEqual({ status: "ok" });
    expect(judged.quality.candidate).toMatchObject({ ok: true, outputNll: { ok: true } });
    expect(looks.quality.candidate).not.toHaveProperty("outputNll"); // the looks' value is left as it was
    const unscored = await judge(ports, o, {}, looks);
    expect(unscored.quality).toBe(looks.quality);
  });

  it("a candidate whose verification failed makes the run invalid; an error passes through untouched", async () => {
    const o = await options();
    const { ports, refs, looks } = await upToLooks(o, { ...HONEST, fast: { tps: 200, wrongAfter: 1 } });
    const judged = await judge(ports, o, refs, looks);
    expect(judged.outcome.status).toBe("invalid");
    expect(judged.outcome.reason).toMatch(/^verification failed: /);
    const error = { ...looks, outcome: { status: "error" as const, reason: "boom" } };
    expect((await judge(ports, o, refs, error)).outcome).toEqual(error.outcome);
  });
});

describe("confirm and record: the claim, then one validated record", () => {
  const claim = async (o: BenchOptions) => {
    const r = await upToLooks(o);
    return { ...r, judged: await judge(r.ports, o, r.refs, r.looks) };
  };

  it("only a verified faster run claims the lead; a cut run stays pending; no private set: pending", async () => {
    const o = await options();
    const { ports, plan, refs, looks, judged } = await claim(o);
    const skipped = await confirm(ports, o, plan, refs, looks, {
      ...judged,
      outcome: { status: "invalid", reason: "x" },
    });
    expect(skipped).toEqual({ status: "skipped", reason: "not a claim to the lead" });
    const cut: Looks = { ...looks, cut: true };
    expect(await confirm(ports, o, plan, refs, cut, judged)).toMatchObject({
      status: "pending",
      reason: /job cap/,
    });
    expect(await confirm(ports, o, plan, refs, looks, judged)).toMatchObject({
      status: "pending",
      reason: /no private prompt set/,
    });
  });

  it("a claimed lead with a private set is re-run on it and confirmed", async () => {
    const o = await options({ private: await promptSet([[40, 41]], "secret-") });
    const { ports, log, plan, refs, looks, judged } = await claim(o);
    const before = launchCount(log);
    const confirmation = await confirm(ports, o, plan, refs, looks, judged);
    expect(confirmation).toMatchObject({ status: "confirmed" });
    expect(launchCount(log) - before).toBe(2); // the candidate and the gauge
  });

  it("F1: an engine that crawls on the private prompts fails its confirmation (its own per-token budget), not pending", async () => {
    const o = await options({
      private: await promptSet(
        [
          [40, 41],
          [42, 43],
        ],
        "secret-",
      ),
    });
    // 200 tok/s on the public prompts; 0.01 tok/s on unseen ones: each private request would take
    // 400 s, so without a budget of its own the re-run ran into the job cap and stayed pending.
    const crawl = { ...HONEST, fast: { tps: 200, privateTps: 0.01, realTime: true } };
    const { ports, plan, refs, looks } = await upToLooks(o, crawl);
    const judged = await judge(ports, o, refs, looks);
    const confirmation = await confirm(ports, o, plan, refs, looks, judged);
    expect(confirmation).toMatchObject({
      status: "failed",
      reason: /private re-run failed: the engine did not finish its response within \d+ ms/,
    });
  });

  it("F2: a gain on the public prompts only is not confirmed, though within confirm_tolerance of the claim", async () => {
    const o = await options({ private: await promptSet([[40, 41]], "secret-") });
    // 10% faster on the public prompts, the incumbent's speed on private ones: 91% of the claim
    // (inside the demo's 25% tolerance), but no gain beyond the margin over the incumbent.
    const overfit = { fast: { tps: 110, privateTps: 100 }, baseline: { tps: 100 } };
    const { ports, plan, refs, looks } = await upToLooks(o, overfit);
    expect(looks.comparison?.verdict).toBe("faster");
    const judged = await judge(ports, o, refs, looks);
    const confirmation = await confirm(ports, o, plan, refs, looks, judged);
    expect(confirmation.ratio).toBeGreaterThan(1 - o.challenge.verification.confirm_tolerance);
    expect(confirmation).toMatchObject({ status: "failed", reason: /not more than the margin/ });
  });

  it("F9: warm-ups check the deadline, and the engine's start is bounded by the time left", async () => {
    const o = await options();
    const ch = { ...o.challenge, metric: { ...o.challenge.metric, warmup: 3 } };
    // Each request takes 40 s (4 tokens at 0.1 tok/s); the run has 50 s left.
    const { ports, log } = fakeWorld({ slow: { tps: 0.1, realTime: true } });
    const starts: number[] = [];
    const launch = ports.launcher.launch.bind(ports.launcher);
    ports.launcher.launch = (spec) => (starts.push(spec.startTimeoutMs), launch(spec));
    const plan = { arm: "candidate" as const, contender: { slug: "slow", manifest: o.candidate.manifest } };
    const run = measuredLaunch(
      ports,
      { ...o, challenge: ch },
      { ...plan, block: 1, position: 0, set: o.public, score: false },
      ports.clock() + 50_000,
    );
    await expect(run).rejects.toBeInstanceOf(DeadlinePassed);
    expect(starts).toEqual([50_000]);
    // Two warm-ups (80 s) and then the deadline: the third warm-up was never sent.
    expect(log.filter((l) => l.startsWith("stream ")).length).toBe(2);
  });

  it("an incumbent start the candidate's spent time clipped is the cap's failure, not the incumbent's", async () => {
    const o = await options();
    const { ports } = fakeWorld(HONEST);
    // The incumbent's engine needs 60 s to start; like the real launcher, it fails once its start
    // timeout is over, and the clock has moved on by that timeout.
    let now = ports.clock();
    ports.clock = () => now;
    const launch = ports.launcher.launch.bind(ports.launcher);
    ports.launcher.launch = async (spec) => {
      if (spec.startTimeoutMs >= 60_000) return launch(spec);
      now += spec.startTimeoutMs + 1;
      throw new EngineStartFailed(`engine did not become healthy within ${spec.startTimeoutMs / 1000} s`);
    };
    const plan = {
      arm: "incumbent" as const,
      contender: { slug: "baseline", manifest: o.incumbent.manifest },
    };
    const at = { ...plan, block: 1, position: 1, set: o.public, score: false };
    // The candidate left the run 5 s: the start is clipped to them, and times out at the cap.
    const clipped = measuredLaunch(ports, o, at, now + 5_000).catch((e: unknown) => e);
    const e = await clipped;
    expect(e).toBeInstanceOf(DeadlinePassed);
    expect(armOf(e)).toBeUndefined();
    // With its full start time left, the same engine starts (its own slowness stays its own).
    const started = await measuredLaunch(ports, o, at, now + 20 * 60_000);
    expect(started.record.arm).toBe("incumbent");
  });

  it("the record validates, has no comparison after an error, and passes the next look on", async () => {
    const o = await options();
    const { ports, plan, looks, judged } = await claim(o);
    const skipped = { status: "skipped" as const, reason: "not a claim to the lead" };
    const ok = recordRun(ports, o, { plan, looks, judged, confirmation: skipped });
    expect(RunRecord.parse(ok.record)).toEqual(ok.record);
    expect(ok.record.comparison?.verdict).toBe("faster");
    expect(ok.nextLook).toBeNull();
    const error = { ...judged, outcome: { status: "error" as const, reason: "boom" } };
    const failed = recordRun(ports, o, {
      plan,
      looks: { ...looks, nextLook: 2 },
      judged: error,
      confirmation: skipped,
    });
    expect(failed.record).toMatchObject({ status: "error", reason: "boom", comparison: null });
    expect(failed.record.launches).toEqual(looks.launches);
    expect(failed.nextLook).toBe(2);
  });
});
