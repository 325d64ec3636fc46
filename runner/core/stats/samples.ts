import type { Problem, ProblemCode } from "../validate/problem.ts";
import type { Launch } from "./compare.ts";
import type { Arm } from "./design.ts";

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
  block: number | undefined;
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
  return { arm, launch, block, tps };
}

/** A value as the line gave it; a number JSON.parse turned into ±Infinity was beyond double range. */
const show = (v: unknown) =>
  v === undefined
    ? "nothing"
    : typeof v === "number" && !Number.isFinite(v)
      ? `a number beyond the double range (${v > 0 ? "" : "-"}1e309 or more parses as ${v})`
      : JSON.stringify(v);

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

/**
 * A 53-bit hash of a line (two FNV-1a variants), so that exact repeats can be found by sorting
 * numbers instead of keeping a million strings in a map; equal hashes are confirmed on the text.
 */
function lineHash(line: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

/**
 * Lines that repeat an earlier line exactly: they would count silently as extra timed runs (a file
 * appended twice, a retried upload). Sorting the hashes finds candidates in O(n log n); only lines
 * whose hash occurs twice are compared as text.
 */
function findDuplicates(file: string, text: string, hashes: number[]): Problem[] {
  const sorted = Float64Array.from(hashes).sort();
  const repeated = new Set<number>();
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]!);
  if (!repeated.size) return [];
  const firstSeen = new Map<string, number>();
  const problems: Problem[] = [];
  let k = 0;
  forEachLine(text, (line, lineNo) => {
    if (!repeated.has(hashes[k++]!)) return;
    const first = firstSeen.get(line);
    if (first === undefined) firstSeen.set(line, lineNo);
    else
      problems.push({
        file,
        line: lineNo,
        col: 1,
        code: "duplicate-line",
        message: `repeats line ${first} exactly; it would count as an extra timed run`,
        fix:
          "delete the repeated line; if two runs really measured the same value, add a field that tells " +
          'them apart (e.g. "run": 2)',
      });
  });
  return problems;
}

/** Parser state for one file: launches by arm and id, one hash per line (for duplicates), problems. */
class SampleReader {
  readonly problems: Problem[] = [];
  readonly launches: Launch[] = [];
  readonly other = new Set<string>();
  readonly hashes: number[] = [];
  private readonly byArm = { candidate: new Map<string, Launch>(), incumbent: new Map<string, Launch>() };
  private last: Launch | undefined;

  constructor(
    private readonly file: string,
    private readonly arms: { candidate: string; incumbent: string },
    private readonly fields: SampleFields,
  ) {}

  private problem(line: number, code: ProblemCode, message: string, extra: Partial<Problem> = {}): void {
    this.problems.push({ file: this.file, line, col: 1, code, message, ...extra });
  }

  read(line: string, lineNo: number): void {
    this.hashes.push(lineHash(line));
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

  /** The launch a sample belongs to; consecutive lines of one launch skip the map lookup. */
  private launchOf(arm: Arm, s: Sample): Launch {
    if (this.last && this.last.arm === arm && this.last.launch === s.launch) return this.last;
    const map = this.byArm[arm];
    let l = map.get(s.launch);
    if (!l) {
      l = { arm, launch: s.launch, runs: [] };
      if (s.block !== undefined) l.block = s.block;
      map.set(s.launch, l);
      this.launches.push(l);
    }
    return (this.last = l);
  }

  private add(s: Sample, lineNo: number): void {
    const arm =
      s.arm === this.arms.candidate ? "candidate" : s.arm === this.arms.incumbent ? "incumbent" : null;
    if (!arm) {
      this.other.add(s.arm);
      return;
    }
    const l = this.launchOf(arm, s);
    if ((s.block === undefined) !== (l.block === undefined))
      this.problem(
        lineNo,
        "block-mismatch",
        s.block === undefined
          ? `this line of launch ${s.launch} has no \`${this.fields.block}\`, but its first line gave block ` +
              `${l.block}: give every line of a launch its block`
          : `this line of launch ${s.launch} gives block ${s.block}, but its first line had no ` +
              `\`${this.fields.block}\`: give every line of a launch its block (or none)`,
      );
    else if (s.block !== undefined && l.block !== undefined && l.block !== s.block)
      this.problem(
        lineNo,
        "block-mismatch",
        `launch ${s.launch} appears in blocks ${l.block} and ${s.block}; a launch belongs to one block`,
      );
    // A literal for the first run: push on an empty array reserves 17 slots, 136 bytes per launch.
    if (l.runs.length) l.runs.push(s.tps);
    else l.runs = [s.tps];
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
  const problems = [...reader.problems, ...findDuplicates(file, text, reader.hashes)];
  problems.sort((a, b) => a.line - b.line);
  const launches = reader.launches;
  if (opts.rounds) {
    const k = { candidate: 0, incumbent: 0 };
    for (const l of launches) l.block = k[l.arm]++;
  }
  return { launches, problems, otherArms: [...reader.other].sort() };
}
