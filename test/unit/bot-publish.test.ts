import { describe, expect, it } from "vitest";
import { decidePublish, type PublishInput } from "../../runner/core/github/publish.ts";
import type { RunRecord } from "../../runner/core/schema/run-record.ts";
import { BOB, challenge, reservation, runRecord, SHA } from "../fakes/bot-fixtures.ts";

const RUN = "2026-01-15-pr7-c3001";
const pooled = reservation(RUN, BOB, 1);

function input(record: unknown, o: Partial<PublishInput> = {}): PublishInput {
  return {
    runId: RUN,
    resultText: typeof record === "string" ? record : JSON.stringify(record),
    reservation: pooled,
    challenge: challenge(),
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

  it("rejects text that is not a valid record, keeping the runner's early error reason", () => {
    expect(decidePublish(input("not json"))).toMatchObject({ kind: "reject", reason: /not JSON/ });
    expect(decidePublish(input({ ...runRecord("tie"), admin: true }))).toMatchObject({ kind: "reject" });
    const early = decidePublish(input({ status: "error", reason: "PR #7 moved from a1b2c3d to ffffff0" }));
    expect(early).toMatchObject({
      kind: "reject",
      reason: "the runner reported an error before benchmarking: PR #7 moved from a1b2c3d to ffffff0",
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
});
