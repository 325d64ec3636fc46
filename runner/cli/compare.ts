import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { compare, CompareError } from "../core/stats/compare.ts";
import { parseMinEffectOption } from "../core/stats/options.ts";
import { renderComparison } from "../core/stats/render.ts";
import { DEFAULT_FIELDS, parseSamples } from "../core/stats/samples.ts";
import { formatProblem } from "../core/validate/problem.ts";
import type { Io } from "./io.ts";
import { UsageError } from "./io.ts";

const HELP = `usage: velodrome compare SAMPLES.jsonl --candidate A --incumbent B
         [--delta 1%|2.5] [--alpha 0.05] [--looks 6,12] [--final] [--json]

Each line of SAMPLES is {"arm": "A", "launch": "id", "block": 0, "tps": 231.4}; several lines per
launch are its timed runs. With no "block" anywhere, the analysis is unpaired.
  --delta D        minimum effect: tok/s (2.5) or percent of the incumbent (1%); default 1%
  --looks L        planned looks in blocks (default 6,12); other block counts are refused;
                   at the last look a CI that still straddles ±δ is "unresolved"
  --final          treat this as the last look
  --rounds         no block field: the k-th launch of each arm forms block k
  --arm-field F, --launch-field F, --block-field F, --tps-field F   read other field names
  --seed N         bootstrap seed (default 1)
  --json           one JSON object (verdict, estimate, ci, delta, blocks, tests, ...)`;

/**
 * `--delta -1` would make parseArgs fail with "argument is ambiguous"; pass such a number on as the
 * option's value (`--delta=-1`) so that the option's own check can say what is wrong with it.
 */
function attachNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (/^--(delta|alpha|seed)$/.test(argv[i]!) && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]!);
  }
  return out;
}

export async function compareCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: attachNegativeValues(argv),
    allowPositionals: true,
    options: {
      candidate: { type: "string" },
      incumbent: { type: "string" },
      delta: { type: "string", default: "1%" },
      alpha: { type: "string", default: "0.05" },
      looks: { type: "string", default: "6,12" },
      final: { type: "boolean" },
      json: { type: "boolean" },
      rounds: { type: "boolean" },
      seed: { type: "string", default: "1" },
      "arm-field": { type: "string" },
      "launch-field": { type: "string" },
      "block-field": { type: "string" },
      "tps-field": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return (io.out(HELP), 0);
  const file = positionals[0];
  if (!file || !values.candidate || !values.incumbent)
    throw new UsageError(`need SAMPLES.jsonl, --candidate and --incumbent\n\n${HELP}`);
  const delta = parseMinEffectOption(values.delta!);
  if (!delta.ok) throw new UsageError(delta.message);
  const alpha = Number(values.alpha);
  if (!(alpha > 0 && alpha < 0.5))
    throw new UsageError(`--alpha must be between 0 and 0.5, got ${values.alpha}`);
  const looks = values.looks!.split(",").map(Number);
  if (looks.some((k, i) => !Number.isInteger(k) || k < 2 || (i > 0 && k <= looks[i - 1]!)))
    throw new UsageError(`--looks must be increasing block counts ≥ 2, e.g. 6,12; got ${values.looks}`);
  const text = await readFile(resolve(io.cwd, file), "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  });
  const fields = {
    arm: values["arm-field"] ?? DEFAULT_FIELDS.arm,
    launch: values["launch-field"] ?? DEFAULT_FIELDS.launch,
    block: values["block-field"] ?? DEFAULT_FIELDS.block,
    tps: values["tps-field"] ?? DEFAULT_FIELDS.tps,
  };
  const names = { candidate: values.candidate, incumbent: values.incumbent };
  const parsed = parseSamples(file, text, names, { fields, rounds: values.rounds });
  if (parsed.problems.length) {
    for (const p of parsed.problems.slice(0, 20)) io.err(formatProblem(p));
    if (parsed.problems.length > 20) io.err(`… and ${parsed.problems.length - 20} more`);
    return 1;
  }
  try {
    const c = compare(parsed.launches, {
      alpha,
      minEffect: delta.value,
      looks,
      final: values.final,
      seed: Number(values.seed),
    });
    if (values.json)
      io.out(JSON.stringify({ candidate: names.candidate, incumbent: names.incumbent, ...c }, null, 2));
    else io.out(renderComparison(c, names));
    return 0;
  } catch (e) {
    if (e instanceof CompareError) {
      const hint = parsed.otherArms.length
        ? ` (arms in the file that matched neither name: ${parsed.otherArms.join(", ")})`
        : "";
      io.err(`velodrome compare: ${e.message}${hint}`);
      return 1;
    }
    throw e;
  }
}
