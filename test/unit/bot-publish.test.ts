import { groupOfBlock } from "../../runner/core/plan/groups.ts";
import { coveredPrompts, promptsCovered } from "../../runner/core/github/group-check.ts";
import { describe, expect, it } from "vitest";
import { decidePublish, type PublishInput } from "../../runner/core/github/publish.ts";
import {
  countProblem,
  errorPhrase,
  pinProblem,
  releasableRecord,
} from "../../runner/core/github/record-check.ts";
import type { RunRecord } from "../../runner/core/schema/run-record.ts";
import { publishPinsFrom } from "../../runner/flows/bot/publish.ts";
import { BOB, challenge, reservation, runRecord, SHA } from "../fakes/bot-fixtures.ts";

const RUN = "2026-01-15-pr7-c3001";
const NOW = "2026-01-15T12:31:00.000Z";
const pooled = reservation(RUN, BOB, 1);

function input(record: unknown, o: Partial<PublishInput> = {}): PublishInput {
  return {
    runId: RUN,
    resultText: typeof record === "string" ? record : JSON.stringify(record),
    reservation: pooled,
    challenge: challenge(),
    now: NOW,
    ...o,
  };
}

describe("decidePublish", () => {
  it("accepts a record that follows from its samples; credit and charge come from the reservation", () => {
    const d = decidePublish(input({ ...runRecord("faster"), credited: "mallory", pr: 99 }));
    expect(d.kind).toBe("record");
    if (d.kind !== "record") return;
    expect(d.record).toMatchObject({
      pr: 7,
      credited: "alice",
      requester: BOB,
      candidate: { slug: "q8", commit: SHA },
      comparison: { verdict: "faster" },
    });
  });

  it("answers nothing for a run that was never dispatched", () => {
    expect(decidePublish(input(runRecord("faster"), { reservation: undefined }))).toEqual({
      kind: "unknown-run",
      reason: `no reservation ${RUN}: results are accepted only for dispatched runs`,
    });
  });

  it("rejects a verdict that does not follow from the samples", () => {
    const forged = runRecord("slower");
    const claim = { ...forged, comparison: { ...forged.comparison!, verdict: "faster" as const } };
    expect(decidePublish(input(claim))).toMatchObject({
      kind: "reject",
      reason: "the reported verdict (faster) does not follow from the reported samples (slower)",
    });
  });

  it("overwrites the reported estimate and CI with the recomputed ones", () => {
    const r = runRecord("faster");
    const shifted = {
      ...r,
      comparison: { ...r.comparison!, estimate: 999, ci: [998, 1000] as [number, number] },
    };
    const d = decidePublish(input(shifted));
    expect(d.kind === "record" && d.record.comparison?.estimate).toBeCloseTo(r.comparison!.estimate, 9);
  });

  it("rejects a result for another run, challenge, submission or commit", () => {
    const base = runRecord("faster");
    const others: RunRecord[] = [
      { ...base, id: "someone-elses-run" },
      { ...base, challenge: "other" },
      { ...base, incumbent: { slug: "q4" } },
      { ...base, candidate: { slug: "q8", commit: "f".repeat(40) } },
    ];
    for (const r of others)
      expect(decidePublish(input(r))).toMatchObject({
        kind: "reject",
        reason: /does not belong to this run/,
      });
  });

  it("rejects text that is not a valid record, naming the runner's early error in fixed words", () => {
    expect(decidePublish(input("not json"))).toMatchObject({ kind: "reject", reason: /not JSON/ });
    expect(decidePublish(input({ ...runRecord("tie"), admin: true }))).toMatchObject({ kind: "reject" });
    const early = decidePublish(input({ status: "error", reason: "PR #7 moved from a1b2c3d to ffffff0" }));
    expect(early).toMatchObject({
      kind: "reject",
      reason:
        "the runner reported an error before benchmarking: the pull request moved after the run was requested",
    });
  });

  it("records a failed run as it is (no comparison to check)", () => {
    const failed = {
      ...runRecord("tie"),
      status: "error" as const,
      reason: "engine did not start",
      comparison: null,
    };
    expect(decidePublish(input(failed))).toMatchObject({ kind: "record", record: { status: "error" } });
  });

  it("takes times from the reservation and the publisher's clock: a back-dated run cannot rewrite history", () => {
    const d = decidePublish(input(runRecord("faster", { finishedAt: "2020-01-01T00:00:00Z" })));
    expect(d).toMatchObject({ kind: "record", record: { startedAt: pooled.at, finishedAt: NOW } });
  });

  it("rejects a finished run with no launches, or a design that is not the challenge's", () => {
    const r = runRecord("faster");
    expect(decidePublish(input({ ...r, launches: [] }))).toMatchObject({
      kind: "reject",
      reason: /must carry its launches/,
    });
    expect(decidePublish(input({ ...r, design: { ...r.design, looks: [2] } }))).toMatchObject({
      kind: "reject",
      reason: /not the challenge's design/,
    });
    const twice = [...r.launches.slice(0, -1), { ...r.launches[0]! }];
    expect(decidePublish(input({ ...r, launches: twice }))).toMatchObject({ kind: "reject" });
    expect(decidePublish(input({ ...r, status: "negative" }))).toMatchObject({ kind: "reject" });
  });

  it("recomputes quality and confirmation from the aggregates; forged outcomes do not stand", () => {
    const r = runRecord("faster");
    const forgedQuality = {
      ...r,
      quality: { ...r.quality, candidate: { ...r.quality.candidate!, ok: true, ppl: 9, pplIncrease: 0 } },
    };
    const q = decidePublish(input(forgedQuality));
    expect(q).toMatchObject({
      kind: "record",
      record: { status: "invalid", confirmation: { status: "skipped" } },
    });
    const forgedConfirm = { ...r, confirmation: { status: "confirmed" as const, ratio: 0.5, tps: 21.37 } };
    const c = decidePublish(input(forgedConfirm));
    expect(c).toMatchObject({ kind: "record", record: { confirmation: { status: "failed", ratio: 0.5 } } });
    expect(c.kind === "record" ? c.record.confirmation.tps : "no record").toBeUndefined(); // never published
    const fine = decidePublish(input({ ...r, confirmation: { status: "confirmed" as const, ratio: 0.987 } }));
    expect(fine).toMatchObject({
      kind: "record",
      record: { confirmation: { status: "confirmed", ratio: 0.95 } },
    });
  });

  it("publishes no runner-written text: an engine's error body becomes a fixed phrase", () => {
    const leak = 'engine exited with code 1. Last log lines: {"id":"secret-7","text":"hidden prompt"}';
    const r = { ...runRecord("tie"), status: "error" as const, reason: leak, comparison: null };
    const d = decidePublish(input(r));
    expect(d).toMatchObject({
      kind: "record",
      record: { reason: "the engine exited before or during the run" },
    });
    expect(JSON.stringify(d)).not.toContain("hidden prompt");
    const claim = runRecord("faster");
    const withReasons = {
      ...claim,
      quality: {
        ...claim.quality,
        candidate: { ...claim.quality.candidate!, reasons: ["<script>x</script>"] },
      },
      comparison: { ...claim.comparison!, reasons: ["hidden prompt"], warnings: ["hidden prompt"] },
    };
    expect(JSON.stringify(decidePublish(input(withReasons)))).not.toMatch(/hidden prompt|script/);
  });

  it("accepts a run that stopped at its first look although its order was planned for the last", () => {
    const ch = challenge();
    ch.significance.looks = [4, 8];
    const r = runRecord("stoppedEarly");
    expect(r.design.order).toHaveLength(8);
    expect(r.launches).toHaveLength(8);
    expect(decidePublish(input(r, { challenge: ch })).kind).toBe("record");
    const skipped = { ...r, launches: r.launches.filter((l) => l.block !== 1) };
    expect(decidePublish(input(skipped, { challenge: ch }))).toMatchObject({ kind: "reject" });
  });

  it("the runner's releasable record publishes exactly as the raw one would (rounding twice flips nothing)", () => {
    const r = runRecord("faster");
    for (const tolerance of [0.05, 0.12]) {
      const ch = challenge();
      ch.verification.confirm_tolerance = tolerance;
      for (const ratio of [0.3, 0.87, 0.89, 0.9, 0.93, 0.95, 0.951, 0.987, 1.2]) {
        for (const quality of [undefined, { ok: false, pplIncrease: 0.3, exactFraction: 0.2 }]) {
          const confirmation = {
            status: "confirmed" as const,
            ratio,
            tps: 21.37,
            ...(quality ? { quality } : {}),
          };
          const raw = { ...r, confirmation };
          const direct = decidePublish(input(raw, { challenge: ch }));
          const released = releasableRecord(raw, ch);
          expect(released.confirmation.tps).toBeUndefined();
          const viaRunner = decidePublish(input(released, { challenge: ch }));
          expect(viaRunner.kind === "record" && viaRunner.record.confirmation).toEqual(
            direct.kind === "record" && direct.record.confirmation,
          );
          const expected = ratio >= 1 - tolerance && !quality ? "confirmed" : "failed";
          expect(direct.kind === "record" && direct.record.confirmation.status).toBe(expected);
        }
      }
    }
    for (const leak of ["engine exited with code 1: secret", "deadline passed", "x", "PR #7 moved"])
      expect(errorPhrase(errorPhrase(leak))).toBe(errorPhrase(leak));
  });

  it("a runner cannot re-roll its luck: the seed and block order must be the ones the run id gives", () => {
    const r = runRecord("faster");
    const reseeded = { ...r, design: { ...r.design, seed: r.design.seed + 1 } };
    expect(decidePublish(input(reseeded))).toMatchObject({ kind: "reject", reason: /seed .* run id gives/ });
    const flipped = r.design.order.map((o) => (o === "CI" ? "IC" : "CI")) as ("CI" | "IC")[];
    const launches = r.launches.map((l) => ({ ...l, position: 1 - l.position }));
    const reordered = { ...r, design: { ...r.design, order: flipped }, launches };
    expect(decidePublish(input(reordered))).toMatchObject({ kind: "reject", reason: /block order/ });
  });

  it("counts must be the challenge's: repeats per launch and prompts × max_tokens × repeats tokens", () => {
    const r = runRecord("faster");
    const oneRun = { ...r, launches: r.launches.map((l) => ({ ...l, runs: [l.runs[0]!] })) };
    expect(decidePublish(input(oneRun))).toMatchObject({ kind: "reject", reason: /1 timed passes, not 2/ });
    // An engine that stopped early (fewer tokens, each one "faster") is not a run of the challenge.
    const short = { ...r, launches: r.launches.map((l, i) => (i === 0 ? { ...l, tokens: 64 } : l)) };
    expect(decidePublish(input(short))).toMatchObject({
      kind: "reject",
      reason: /decoded 64 tokens, not 128/,
    });
    // Prompt groups: a launch of one group of `prompts_per_group` prompts is a whole launch.
    const ch = challenge();
    ch.significance.prompts_per_group = 1;
    const grouped = {
      ...r,
      design: { ...r.design, promptsPerGroup: 1 },
      launches: r.launches.map((l) => ({ ...l, tokens: 64, group: groupOfBlock(l.block, 2) })),
    };
    expect(decidePublish(input(grouped, { challenge: ch })).kind).toBe("record");
    // A launch that names its own prompt count (a group) is held to that count, within the set.
    const ownCount = { ...r, launches: r.launches.map((l) => ({ ...l, tokens: 64, prompts: 1 })) };
    expect(countProblem(ownCount, challenge())).toBeUndefined();
    const tooMany = { ...r, launches: r.launches.map((l) => ({ ...l, tokens: 192, prompts: 3 })) };
    expect(countProblem(tooMany, challenge())).toMatch(/decoded 192 tokens/);
  });

  it("the reference perplexity and prompt count are pinned to the challenge's, not the runner's", () => {
    const r = runRecord("faster");
    // An engine that is lossy passes the perplexity bound if the runner reports an easier reference.
    const easier = {
      ...r,
      quality: { ...r.quality, candidate: { ...r.quality.candidate!, pplReference: 1.3 } },
    };
    expect(decidePublish(input(easier, { pins: { referencePpl: 1.23 } }))).toMatchObject({
      kind: "reject",
      reason: /reference perplexity of 1.3, not the challenge's 1.23/,
    });
    const ch = challenge();
    ch.verification.reference.ppl_public = 1.23;
    expect(decidePublish(input(easier, { challenge: ch }))).toMatchObject({ kind: "reject" });
    expect(decidePublish(input(r, { challenge: ch, pins: { referencePpl: 1.23, prompts: 2 } })).kind).toBe(
      "record",
    );
    expect(decidePublish(input(r, { pins: { prompts: 3 } }))).toMatchObject({
      kind: "reject",
      reason: /used 2 prompts, not the challenge's 3/,
    });
  });

  it("a grouped run that has not decoded every prompt yet is pinned to the reference of the prompts it covered", () => {
    const ch = challenge();
    ch.significance.prompts_per_group = 1;
    ch.verification.reference.ppl_public = 1.23;
    const r = runRecord("faster"); // 4 blocks: 4 groups of one prompt
    const design = { ...r.design, prompts: 8 };
    // The committed reference: prompt i scores (i + 1) nats over 4 tokens.
    const referenceTerms: ({ nll: number; n: number } | null)[] = Array.from({ length: 8 }, (_, i) => ({
      nll: i + 1,
      n: 4,
    }));
    const covered = [...coveredPrompts({ ...r, design }, ch)];
    expect(covered).toHaveLength(4);
    const subsetPpl = Math.exp(covered.reduce((a, i) => a + i + 1, 0) / 16);
    const judgedAgainst = (pplReference: number) => ({
      ...r,
      design,
      quality: { ...r.quality, candidate: { ...r.quality.candidate!, pplReference } },
    });
    const pins = { referenceTerms };
    expect(pinProblem(judgedAgainst(subsetPpl), ch, pins)).toBeUndefined();
    // The whole set's figure, an easier subset's, or any other number is not the covered prompts'.
    const uncovered = [0, 1, 2, 3, 4, 5, 6, 7].filter((i) => !covered.includes(i));
    const otherPpl = Math.exp(uncovered.reduce((a, i) => a + i + 1, 0) / 16);
    for (const forged of [1.23, Math.exp(36 / 32), otherPpl, subsetPpl * 1.01])
      expect(pinProblem(judgedAgainst(forged), ch, pins)).toMatch(/reference perplexity of/);
    // Where main pins runs but has no committed line for a covered prompt, a partial run cannot be
    // left to its runner's own figure: it is refused, saying what to commit. (No pins: a local check.)
    expect(pinProblem(judgedAgainst(1.3), ch, {})).toBeUndefined();
    for (const unpinnable of [{ prompts: 8 }, { referenceTerms: referenceTerms.with(covered[0]!, null) }])
      expect(pinProblem(judgedAgainst(1.3), ch, unpinnable)).toMatch(
        /covered 4 of 8 prompts and main has no committed per-prompt reference/,
      );
    // Once every prompt is covered, the whole set's pinned reference holds again.
    const full = { ...judgedAgainst(1.3), design: { ...design, prompts: 4 } };
    expect(promptsCovered(full, ch)).toBe(4);
    expect(pinProblem(full, ch, pins)).toMatch(/reference perplexity of 1.3, not the challenge's 1.23/);
  });

  it("pins come from main's prompt set and committed reference (pooled perplexity of the prompts used)", async () => {
    const ch = challenge();
    const files: Record<string, string> = {
      [ch.metric.prompts]: '{"id":"a","text":"x"}\n{"id":"b","text":"y"}\n',
      "challenge/reference/public.jsonl":
        '{"id":"a","output":[1],"nll":2,"n":4}\n{"id":"b","output":[1],"nll":1,"n":4}\n' +
        '{"id":"gone","output":[1],"nll":90,"n":1}\n',
    };
    const main = {
      root: "/main",
      read: async (p: string) => files[p],
      dirs: async () => [],
      walk: async () => [],
    };
    expect(await publishPinsFrom(main, ch)).toEqual({
      prompts: 2,
      referencePpl: Math.exp(3 / 8),
      referenceTerms: [
        { nll: 2, n: 4 },
        { nll: 1, n: 4 },
      ],
    });
    delete files["challenge/reference/public.jsonl"];
    expect(await publishPinsFrom(main, ch)).toEqual({ prompts: 2 });
  });
});
