// Input edge cases: duplicated sample lines and the --delta option's messages.
import { describe, expect, it } from "vitest";
import { parseMinEffectOption } from "../../runner/core/stats/options.ts";
import { parseSamples } from "../../runner/core/stats/samples.ts";
import { formatProblem } from "../../runner/core/validate/problem.ts";

const names = { candidate: "A", incumbent: "B" };
const line = (arm: string, launch: string, block: number, tps: number, extra = {}) =>
  JSON.stringify({ arm, launch, block, tps, ...extra });

describe("duplicated sample lines", () => {
  it("are reported with file:line and the line they repeat, not counted as extra runs silently", () => {
    const text = [
      line("A", "a0", 0, 101.5),
      line("B", "b0", 0, 100.2),
      line("A", "a0", 0, 101.7),
      line("B", "b0", 0, 100.2), // exact repeat of line 2
      "",
      line("A", "a0", 0, 101.5) + "  ", // repeat of line 1 up to trailing blanks
    ].join("\n");
    const r = parseSamples("s.jsonl", text, names);
    expect(r.problems.map((p) => [p.line, p.code])).toEqual([
      [4, "duplicate-line"],
      [6, "duplicate-line"],
    ]);
    expect(formatProblem(r.problems[0]!)).toMatch(
      /^s\.jsonl:4:1: error\[duplicate-line\]: repeats line 2 exactly; it would count as an extra timed run/,
    );
    expect(r.problems[1]!.message).toMatch(/repeats line 1 exactly/);
    expect(r.problems[0]!.fix).toMatch(/"run": 2/);
  });
  it("equal values that another field tells apart are separate runs", () => {
    const text = [
      line("A", "a0", 0, 101.5, { run: 0 }),
      line("A", "a0", 0, 101.5, { run: 1 }),
      line("B", "b0", 0, 100.2, { run: 0 }),
    ].join("\n");
    const r = parseSamples("s.jsonl", text, names);
    expect(r.problems).toEqual([]);
    expect(r.launches.find((l) => l.launch === "a0")!.runs).toEqual([101.5, 101.5]);
  });
  it("other problems keep their line numbers and order alongside duplicates", () => {
    const text = [line("A", "a0", 0, 1), "nope", line("A", "a0", 0, 1), line("A", "a1", 0, -2)].join("\n");
    const r = parseSamples("s.jsonl", text, names);
    expect(r.problems.map((p) => `${p.line}:${p.code}`)).toEqual([
      "2:bad-json",
      "3:duplicate-line",
      "4:bad-sample",
    ]);
    expect(r.problems[2]!.message).toBe("field `tps`: expected a positive number, got -2");
  });
});

describe("--delta", () => {
  it("accepts tok/s and percentages", () => {
    expect(parseMinEffectOption("2.5")).toEqual({ ok: true, value: { kind: "absolute", value: 2.5 } });
    expect(parseMinEffectOption("1%")).toEqual({ ok: true, value: { kind: "relative", value: 0.01 } });
    expect(parseMinEffectOption("0")).toEqual({ ok: true, value: { kind: "absolute", value: 0 } });
  });
  it("a negative value says what is wrong and what to write instead", () => {
    const r = parseMinEffectOption("-1");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/^--delta must not be negative/);
    expect(r.message).toMatch(/Give 1 instead/);
    expect(r.message).toMatch(/--delta 1%/);
    expect(r.message).toMatch(/--delta 0 to count any difference/);
    const pct = parseMinEffectOption("-2%");
    expect(!pct.ok && pct.message).toMatch(/Give 2% instead/);
  });
  it("garbage is named", () => {
    const r = parseMinEffectOption("fast");
    expect(!r.ok && r.message).toMatch(/--delta must be tok\/s or a percentage, e\.g\. .*; got "fast"/);
  });
});

describe("issue 25: specific errors for a later line without block and for 1e309", () => {
  const arms = { candidate: "A", incumbent: "B" };
  it("a later line of a launch without `block` is refused like a first line would be", () => {
    const text = ['{"arm":"A","launch":"a1","block":0,"tps":10}', '{"arm":"A","launch":"a1","tps":11}'].join(
      "\n",
    );
    const { problems } = parseSamples("s.jsonl", text, arms);
    expect(problems).toMatchObject([
      { line: 2, code: "block-mismatch", message: /has no `block`, but its first line gave block 0/ },
    ]);
  });
  it("1e309 is named as beyond the double range, not as null", () => {
    const { problems } = parseSamples("s.jsonl", '{"arm":"A","launch":"a1","block":0,"tps":1e309}', arms);
    expect(problems[0]!.message).toMatch(
      /field `tps`: expected a positive number, got a number beyond the double range/,
    );
    expect(problems[0]!.message).not.toMatch(/null/);
  });
});
