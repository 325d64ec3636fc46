import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseMinEffectOption } from "../core/stats/options.ts";
import { compare, CompareError } from "../core/stats/compare.ts";
import { renderComparison } from "../core/stats/render.ts";
import { DEFAULT_FIELDS, parseSamples } from "../core/stats/samples.ts";
import { formatProblem } from "../core/validate/problem.ts";
import { NotFound, UsageError, ValidationFailed } from "../core/errors.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const OPTIONS = {
  candidate: { type: "string", required: true, placeholder: "ARM", description: "the candidate arm's name" },
  incumbent: { type: "string", required: true, placeholder: "ARM", description: "the incumbent arm's name" },
  delta: {
    type: "string",
    default: "1%",
    placeholder: "D",
    description: "minimum effect: tok/s (2.5) or percent of the incumbent (1%)",
  },
  alpha: { type: "number", min: 0, max: 0.5, default: 0.05, description: "significance level" },
  looks: {
    type: "string",
    default: "6,12",
    placeholder: "L",
    description: "planned looks in blocks; at the last look a CI still straddling ±δ is unresolved",
  },
  final: { type: "boolean", description: "treat this as the last look" },
  rounds: { type: "boolean", description: "no block field: the k-th launch of each arm forms block k" },
  "arm-field": {
    type: "string",
    placeholder: "F",
    description: `field of the arm (default: ${DEFAULT_FIELDS.arm})`,
  },
  "launch-field": {
    type: "string",
    placeholder: "F",
    description: `field of the launch (default: ${DEFAULT_FIELDS.launch})`,
  },
  "block-field": {
    type: "string",
    placeholder: "F",
    description: `field of the block (default: ${DEFAULT_FIELDS.block})`,
  },
  "tps-field": {
    type: "string",
    placeholder: "F",
    description: `field of the speed (default: ${DEFAULT_FIELDS.tps})`,
  },
  seed: { type: "integer", default: 1, description: "bootstrap seed" },
  json: {
    type: "boolean",
    description: "one JSON object (verdict, estimate, ci, delta, blocks, tests, ...)",
  },
} as const;

export const COMPARE: CommandSpec = {
  name: "compare",
  args: "SAMPLES.jsonl",
  summary: "Significance-test decode samples of two arms.",
  description:
    'Each line of SAMPLES is {"arm": "A", "launch": "id", "block": 0, "tps": 231.4}; several lines per\n' +
    'launch are its timed runs. With no "block" anywhere, the analysis is unpaired.',
  options: OPTIONS,
};

/** --delta: tok/s or a percentage of the incumbent, with a message that says how to fix it. */
function parseDelta(raw: string) {
  const delta = parseMinEffectOption(raw);
  if (!delta.ok) throw new UsageError(delta.message);
  return delta.value;
}

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

/** --looks: increasing block counts of at least 2. */
function parseLooks(raw: string): number[] {
  const looks = raw.split(",").map(Number);
  if (looks.some((k, i) => !Number.isInteger(k) || k < 2 || (i > 0 && k <= looks[i - 1]!)))
    throw new UsageError(`--looks must be increasing block counts ≥ 2, e.g. 6,12; got ${raw}`);
  return looks;
}

export async function compareCommand(argv: string[], io: Io): Promise<number> {
  const { help, values, positionals } = parseOptions(OPTIONS, attachNegativeValues(argv));
  if (help) return (io.out(helpText(COMPARE)), 0);
  const file = positionals[0];
  if (!file) throw new UsageError(`name the SAMPLES.jsonl file\n\n${helpText(COMPARE)}`);
  const delta = parseDelta(values.delta);
  const alpha = values.alpha;
  if (!(alpha > 0 && alpha < 0.5)) throw new UsageError(`--alpha must be between 0 and 0.5, got ${alpha}`);
  const looks = parseLooks(values.looks);
  const text = await readFile(resolve(io.cwd, file), "utf8").catch((e: NodeJS.ErrnoException) => {
    const why = e.code === "ENOENT" ? "no such file" : e.message;
    throw new NotFound(`cannot read ${file}: ${why}`, { cause: e });
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
    const shown = parsed.problems.slice(0, 20).map(formatProblem);
    if (parsed.problems.length > 20) shown.push(`… and ${parsed.problems.length - 20} more`);
    throw new ValidationFailed(`${file} has ${parsed.problems.length} bad line(s):\n${shown.join("\n")}`);
  }
  try {
    const c = compare(parsed.launches, {
      alpha,
      minEffect: delta,
      looks,
      final: values.final,
      seed: values.seed,
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
      throw new ValidationFailed(`${e.message}${hint}`, { cause: e });
    }
    throw e;
  }
}
