import type { Problem } from "../validate/problem.ts";
import type { Launch } from "./compare.ts";

export interface SampleFields {
  arm: string;
  launch: string;
  block: string;
  tps: string;
}
export const DEFAULT_FIELDS: SampleFields = { arm: "arm", launch: "launch", block: "block", tps: "tps" };

interface Sample {
  arm: string;
  launch: string;
  block?: number;
  tps: number;
}

const EXAMPLE = '{"arm": "A", "launch": "a1", "block": 0, "tps": 231.4}';

/** An id field: a non-empty string or a number (pids, round numbers). */
function readId(v: unknown): string | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/**
 * One line's fields, or the first field that is wrong. Checked by hand rather than with a schema
 * library: a million-line file is parsed in about a second this way.
 */
function readSample(
  o: Record<string, unknown>,
  f: SampleFields,
): Sample | { field: string; message: string } {
  const arm = readId(o[f.arm]);
  if (arm === undefined)
    return { field: f.arm, message: `expected a non-empty string, got ${show(o[f.arm])}` };
  const launch = readId(o[f.launch]);
  if (launch === undefined)
    return { field: f.launch, message: `expected a non-empty string, got ${show(o[f.launch])}` };
  const block = o[f.block];
  if (block !== undefined && !(typeof block === "number" && Number.isInteger(block) && block >= 0))
    return { field: f.block, message: `expected an integer ≥ 0, got ${show(block)}` };
  const tps = o[f.tps];
  if (!(typeof tps === "number" && Number.isFinite(tps) && tps > 0))
    return { field: f.tps, message: `expected a positive number, got ${show(tps)}` };
  return { arm, launch, tps, ...(block !== undefined ? { block } : {}) };
}

const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));

/** Calls `fn` for each non-blank line with its 1-based number, without splitting the text into an array. */
function forEachLine(text: string, fn: (line: string, lineNo: number) => void): void {
  let start = 0;
  for (let lineNo = 1; start <= text.length; lineNo++) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    if (line) fn(line, lineNo);
    start = end + 1;
  }
}

/** Parser state for one file: launches by arm and id, the lines seen (for duplicates), problems. */
class SampleReader {
  readonly problems: Problem[] = [];
  readonly launches = new Map<string, Launch>();
  readonly other = new Set<string>();
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly file: string,
    private readonly arms: { candidate: string; incumbent: string },
    private readonly fields: SampleFields,
  ) {}

  private problem(line: number, code: string, message: string, extra: Partial<Problem> = {}): void {
    this.problems.push({ file: this.file, line, col: 1, code, message, ...extra });
  }

  /**
   * An exact repeat of an earlier line would count silently as one more timed run (a file appended
   * twice, a retried upload). It is an error that names both lines.
   */
  private duplicate(line: string, lineNo: number): boolean {
    const first = this.seen.get(line);
    if (first === undefined) {
      this.seen.set(line, lineNo);
      return false;
    }
    this.problem(
      lineNo,
      "duplicate-line",
      `repeats line ${first} exactly; it would count as an extra timed run`,
      {
        fix:
          "delete the repeated line; if two runs really measured the same value, add a field that tells " +
          'them apart (e.g. "run": 2)',
      },
    );
    return true;
  }

  read(line: string, lineNo: number): void {
    if (this.duplicate(line, lineNo)) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      this.problem(lineNo, "bad-json", `not valid JSON: ${(e as Error).message}`, { fix: EXAMPLE });
      return;
    }
    const f = this.fields;
    const s = readSample((obj ?? {}) as Record<string, unknown>, f);
    if ("field" in s) {
      const expected =
        `"${f.arm}": string, "${f.launch}": string, "${f.block}": integer ≥ 0 (optional), ` +
        `"${f.tps}": positive number`;
      this.problem(lineNo, "bad-sample", `field \`${s.field}\`: ${s.message}`, { expected });
      return;
    }
    this.add(s, lineNo);
  }

  private add(s: Sample, lineNo: number): void {
    const arm =
      s.arm === this.arms.candidate ? "candidate" : s.arm === this.arms.incumbent ? "incumbent" : null;
    if (!arm) {
      this.other.add(s.arm);
      return;
    }
    const key = `${s.arm}\u0000${s.launch}`;
    let l = this.launches.get(key);
    if (!l) {
      l = { arm, launch: s.launch, runs: [], ...(s.block !== undefined ? { block: s.block } : {}) };
      this.launches.set(key, l);
    }
    if (s.block !== undefined && l.block !== undefined && l.block !== s.block)
      this.problem(
        lineNo,
        "block-mismatch",
        `launch ${s.launch} appears in blocks ${l.block} and ${s.block}; a launch belongs to one block`,
      );
    l.runs.push(s.tps);
  }
}

/**
 * Parses JSONL samples (several lines per launch = its timed runs) into launches of two arms.
 * `rounds`: no block field; the k-th launch of each arm (in file order) forms block k.
 * Linear time and memory in the file's size.
 */
export function parseSamples(
  file: string,
  text: string,
  arms: { candidate: string; incumbent: string },
  opts: { fields?: SampleFields; rounds?: boolean } = {},
): { launches: Launch[]; problems: Problem[]; otherArms: string[] } {
  const reader = new SampleReader(file, arms, opts.fields ?? DEFAULT_FIELDS);
  forEachLine(text, (line, lineNo) => reader.read(line, lineNo));
  const launches = [...reader.launches.values()];
  if (opts.rounds) {
    const k = { candidate: 0, incumbent: 0 };
    for (const l of launches) l.block = k[l.arm]++;
  }
  return { launches, problems: reader.problems, otherArms: [...reader.other].sort() };
}
