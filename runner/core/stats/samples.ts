import { z } from "zod";
import type { Problem } from "../validate/problem.ts";
import type { Launch } from "./compare.ts";

export interface SampleFields {
  arm: string;
  launch: string;
  block: string;
  tps: string;
}
export const DEFAULT_FIELDS: SampleFields = { arm: "arm", launch: "launch", block: "block", tps: "tps" };

const Sample = z.object({
  arm: z.union([z.string().min(1), z.number()]).transform(String),
  launch: z.union([z.string().min(1), z.number()]).transform(String),
  block: z.number().int().nonnegative().optional(),
  tps: z.number().positive().finite(),
});

/**
 * Parses JSONL samples (several lines per launch = its timed runs) into launches of two arms.
 * `rounds`: no block field; the k-th launch of each arm (in file order) forms block k.
 */
export function parseSamples(
  file: string,
  text: string,
  arms: { candidate: string; incumbent: string },
  opts: { fields?: SampleFields; rounds?: boolean } = {},
): { launches: Launch[]; problems: Problem[]; otherArms: string[] } {
  const f = opts.fields ?? DEFAULT_FIELDS;
  const problems: Problem[] = [];
  const byKey = new Map<string, Launch>();
  const other = new Set<string>();
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      problems.push({
        file,
        line: i + 1,
        col: 1,
        code: "bad-json",
        message: `not valid JSON: ${(e as Error).message}`,
        fix: '{"arm": "A", "launch": "a1", "block": 0, "tps": 231.4}',
      });
      return;
    }
    const o = (obj ?? {}) as Record<string, unknown>;
    const r = Sample.safeParse({ arm: o[f.arm], launch: o[f.launch], block: o[f.block], tps: o[f.tps] });
    if (!r.success) {
      const iss = r.error.issues[0]!;
      const key = String(iss.path[0]);
      const field = (f as unknown as Record<string, string>)[key] ?? key;
      problems.push({
        file,
        line: i + 1,
        col: 1,
        code: "bad-sample",
        message: `field \`${field}\`: ${iss.message}`,
        expected: `"${f.arm}": string, "${f.launch}": string, "${f.block}": integer ≥ 0 (optional), "${f.tps}": positive number`,
      });
      return;
    }
    const s = r.data;
    const arm = s.arm === arms.candidate ? "candidate" : s.arm === arms.incumbent ? "incumbent" : undefined;
    if (!arm) {
      other.add(s.arm);
      return;
    }
    const key = `${s.arm}\u0000${s.launch}`;
    const l = byKey.get(key) ?? {
      arm,
      launch: s.launch,
      runs: [],
      ...(s.block !== undefined ? { block: s.block } : {}),
    };
    if (s.block !== undefined && l.block !== undefined && l.block !== s.block)
      problems.push({
        file,
        line: i + 1,
        col: 1,
        code: "block-mismatch",
        message: `launch ${s.launch} appears in blocks ${l.block} and ${s.block}; a launch belongs to one block`,
      });
    l.runs.push(s.tps);
    byKey.set(key, l);
  });
  const launches = [...byKey.values()];
  if (opts.rounds) {
    const k = { candidate: 0, incumbent: 0 };
    for (const l of launches) l.block = k[l.arm]++;
  }
  return { launches, problems, otherArms: [...other].sort() };
}
