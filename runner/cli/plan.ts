import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CHALLENGE_FILE } from "../core/layout.ts";
import {
  expectedCost,
  lookCosts,
  promptsCovered,
  verificationMinutes,
  type Fleet,
  type PlanDesign,
} from "../core/plan/cost.ts";
import { designOf, fleetOf } from "../core/plan/design.ts";
import { estimateNoise, NoiseError } from "../core/plan/noise.ts";
import { DEFAULT_NOISE, type NoiseModel } from "../core/plan/operating.ts";
import {
  meetsGoals,
  planDesign,
  recommend,
  verdictCost,
  worstExpected,
  type PlanResult,
} from "../core/plan/recommend.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import { DEFAULT_FIELDS, type SampleFields } from "../core/stats/samples.ts";
import { parseChallenge } from "../core/validate/manifest.ts";
import { formatProblem } from "../core/validate/problem.ts";
import { UsageError, type Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const OPTIONS = {
  challenge: {
    type: "string",
    default: CHALLENGE_FILE,
    placeholder: "FILE",
    description: "challenge definition",
  },
  tps: {
    type: "string",
    required: true,
    placeholder: "N[,N...]",
    pattern: /^\d+(\.\d+)?(,\d+(\.\d+)?)*$/,
    description: "engine decode speeds (tok/s); costs are given for each, the first is the main one",
  },
  startup: {
    type: "number",
    required: true,
    min: 0,
    placeholder: "S",
    description: "seconds from engine process start to ready, per launch",
  },
  "warm-startup": {
    type: "number",
    min: 0,
    placeholder: "W",
    description:
      "seconds to ready for a launch with warm caches (compile cache, page-cached weights): the plan " +
      "is priced at --startup (cold) and at W, and says what warm launches save",
  },
  runners: {
    type: "integer",
    min: 1,
    placeholder: "R",
    description: "runners a look is fanned out over (default: the challenge's runners.count, else 1)",
  },
  noise: {
    type: "string",
    placeholder: "FILE",
    description:
      'estimate noise from samples JSONL ({"arm","launch","tps"[,"block"]}, one line per prompt/run); ' +
      "with blocks the launch CV comes from paired block differences",
  },
  "arm-field": {
    type: "string",
    placeholder: "NAME",
    description: "--noise: field naming the arm (default arm)",
  },
  "launch-field": {
    type: "string",
    placeholder: "NAME",
    description: "--noise: field naming the launch (default launch)",
  },
  "block-field": {
    type: "string",
    placeholder: "NAME",
    description: "--noise: field naming the block, e.g. round (default block)",
  },
  "tps-field": {
    type: "string",
    placeholder: "NAME",
    description: "--noise: field with the speed (default tps)",
  },
  cv: {
    type: "string",
    placeholder: "X[,Y]",
    description:
      "between-launch CV X and per-prompt CV Y, as fractions (default " +
      `${DEFAULT_NOISE.cvBetween},${DEFAULT_NOISE.cvPrompt}: the shipped H200 CUDA-graph decode data)`,
  },
  recommend: {
    type: "boolean",
    description:
      "search prompts per group and look schedules for the cheapest design that meets " +
      "P(faster | +δ) ≤ α/2 and power ≥ 80% at 2δ within the budget and job cap",
  },
  reps: { type: "integer", min: 1, default: 1000, description: "simulated runs per true effect" },
  seed: { type: "integer", default: 1, description: "seed of the simulation" },
  json: { type: "boolean", description: "one JSON object {design, looks, expected, operating}" },
} as const;

export const PLAN: CommandSpec = {
  name: "plan",
  summary: "Cost and operating characteristic of the challenge's significance design on a runner pool.",
  options: OPTIONS,
};

interface PlanArgs {
  challengeFile: string;
  tps: number[];
  startup: number;
  warmStartup?: number;
  runners?: number;
  noiseFile?: string;
  fields: SampleFields;
  cv?: string;
  recommend: boolean;
  reps: number;
  seed: number;
  json: boolean;
}

function parsePlanArgs(argv: string[], cwd: string): PlanArgs | undefined {
  const { help, values } = parseOptions(OPTIONS, argv, false);
  if (help) return undefined;
  if (values.noise && values.cv) throw new UsageError("give --noise or --cv, not both");
  const tps = values.tps.split(",").map(Number);
  if (!tps.every((t) => t > 0)) throw new UsageError(`--tps speeds must be positive, got \`${values.tps}\``);
  return {
    challengeFile: resolve(cwd, values.challenge),
    tps,
    startup: values.startup,
    ...(values["warm-startup"] !== undefined ? { warmStartup: values["warm-startup"] } : {}),
    ...(values.runners !== undefined ? { runners: values.runners } : {}),
    ...(values.noise ? { noiseFile: resolve(cwd, values.noise) } : {}),
    fields: {
      arm: values["arm-field"] ?? DEFAULT_FIELDS.arm,
      launch: values["launch-field"] ?? DEFAULT_FIELDS.launch,
      block: values["block-field"] ?? DEFAULT_FIELDS.block,
      tps: values["tps-field"] ?? DEFAULT_FIELDS.tps,
    },
    ...(values.cv ? { cv: values.cv } : {}),
    recommend: values.recommend ?? false,
    reps: values.reps,
    seed: values.seed,
    json: values.json ?? false,
  };
}

async function readText(file: string): Promise<string> {
  return readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  });
}

/** The challenge and its public prompt count (prompts path is relative to the repository root). */
async function loadPlanChallenge(file: string): Promise<{ ch: Challenge; prompts: number }> {
  const parsed = parseChallenge(file, await readText(file));
  if (!parsed.value)
    throw new UsageError(`${file} is invalid:\n${parsed.problems.map(formatProblem).join("\n")}`);
  const root = resolve(dirname(file), "..");
  const text = await readText(resolve(root, parsed.value.metric.prompts));
  return { ch: parsed.value, prompts: text.split("\n").filter((l) => l.trim()).length };
}

async function noiseOf(a: PlanArgs): Promise<NoiseModel> {
  if (a.noiseFile) {
    try {
      return estimateNoise(await readText(a.noiseFile), a.fields);
    } catch (e) {
      if (e instanceof NoiseError || e instanceof SyntaxError)
        throw new UsageError(`${a.noiseFile}: ${e.message}`);
      throw e;
    }
  }
  if (!a.cv) return DEFAULT_NOISE;
  const [between, prompt] = a.cv.split(",").map(Number);
  if (!(between! >= 0) || (prompt !== undefined && !(prompt >= 0)))
    throw new UsageError(`--cv must be X or X,Y with CVs as fractions (0.005), got ${a.cv}`);
  return { cvBetween: between!, cvPrompt: prompt ?? DEFAULT_NOISE.cvPrompt };
}

function noiseJson(noise: NoiseModel) {
  const base = { cvBetween: noise.cvBetween, cvPrompt: noise.cvPrompt };
  if (!("source" in noise)) return base;
  const e = noise as ReturnType<typeof estimateNoise>;
  return {
    ...base,
    source: e.source,
    cvBetweenAnova: e.cvBetweenAnova,
    ...(e.blocks ? { blockSd: e.blocks.sd } : {}),
  };
}

/** The JSON report: the main fleet's looks and expected cost, and every speed as a scenario. */
function toJson(
  r: PlanResult,
  fleets: readonly Fleet[],
  noise: NoiseModel,
  recommended: boolean,
  reps: number,
  budgetMinutes: number | undefined,
) {
  const scenarios = fleets.map((f) => {
    const looks = lookCosts(r.design, f);
    const verification = verificationMinutes(r.design, f);
    const c = verdictCost(r.design, f, r.operating);
    const expected = { ...worstExpected(looks, r.operating), perRun: c.perRun, newCommit: c.newCommit };
    const withinBudget = budgetMinutes === undefined ? null : c.perRun <= budgetMinutes;
    return { tps: f.tps, looks, expected, verification, withinBudget };
  });
  return {
    design: {
      ...r.design,
      promptsCovered: promptsCovered(r.design),
      recommended,
      goalsMet: meetsGoals(r.design, r.operating, reps),
    },
    fleet: fleets[0],
    noise: noiseJson(noise),
    budget: budgetMinutes === undefined ? null : { gpuMinutes: budgetMinutes },
    looks: r.looks.map((l) => ({ ...l })),
    // Blocks only (gpuMinutes), then with the per-run scorer, then also a new commit's plain decode.
    expected: {
      ...r.expected,
      perRun: scenarios[0]!.expected.perRun,
      newCommit: scenarios[0]!.expected.newCommit,
    },
    // Verification launches beside the blocks: a new commit's plain decode, every run's scorer.
    verification: verificationMinutes(r.design, fleets[0]!),
    // Each row also says what a verdict costs on average at that true effect (main fleet).
    operating: r.operating.map((row) => ({ ...row, expected: expectedCost(r.looks, row.stopAt) })),
    scenarios,
  };
}

export async function planCommand(argv: string[], io: Io): Promise<number> {
  const a = parsePlanArgs(argv, io.cwd);
  if (!a) return (io.out(helpText(PLAN)), 0);
  const { ch, prompts } = await loadPlanChallenge(a.challengeFile);
  const runners = a.runners ?? ch.runners?.count ?? 1;
  const fleets = a.tps.map((t) => fleetOf(ch, t, a.startup, runners));
  const noise = await noiseOf(a);
  const stated = designOf(ch, prompts, a.tps[0]!);
  let result: PlanResult | undefined;
  const budgetMinutes = ch.significance.budget?.gpu_minutes;
  if (a.recommend) {
    const budget = budgetMinutes !== undefined ? { gpuMinutes: budgetMinutes } : {};
    result = recommend(stated, fleets, noise, budget, Math.min(a.reps, 400), a.seed);
    if (!result) {
      const within =
        budgetMinutes === undefined
          ? "the job cap"
          : `the job cap and ${budgetMinutes} GPU min per verdict (blocks and scorer) at ${a.tps.join(", ")} tok/s`;
      io.err(`no design within ${within} meets P(faster | +δ) ≤ α/2 and 80% power at 2δ`);
      return 1;
    }
    result = planDesign(result.design, fleets[0]!, noise, a.reps, a.seed);
  } else result = planDesign(stated, fleets[0]!, noise, a.reps, a.seed);
  const report = {
    ...toJson(result, fleets, noise, a.recommend, a.reps, budgetMinutes),
    ...warmOf(a, result, ch, runners, noise),
  };
  io.out(a.json ? JSON.stringify(report, null, 2) : renderPlan(report) + renderWarm(report.warm));
  return 0;
}

/** The same design priced with warm start-ups (when --warm-startup is given), beside the cold one. */
function warmOf(
  a: PlanArgs,
  cold: PlanResult,
  ch: Parameters<typeof fleetOf>[0],
  runners: number,
  noise: Parameters<typeof planDesign>[2],
) {
  if (a.warmStartup === undefined) return {};
  const warm = planDesign(cold.design, fleetOf(ch, a.tps[0]!, a.warmStartup, runners), noise, a.reps, a.seed);
  const at = (r: PlanResult, startupSeconds: number) => ({
    startupSeconds,
    gpuMinutes: +r.expected.gpuMinutes.toFixed(2),
    wallMinutes: +r.expected.wallMinutes.toFixed(2),
  });
  const c = at(cold, a.startup);
  const w = at(warm, a.warmStartup);
  return { warm: { cold: c, warm: w, savedGpuMinutes: +(c.gpuMinutes - w.gpuMinutes).toFixed(2) } };
}

function renderWarm(w: ReturnType<typeof warmOf>["warm"]): string {
  if (!w) return "";
  return (
    `\nstart-up: cold ${w.cold.startupSeconds} s → ${f1(w.cold.gpuMinutes)} GPU min per verdict; ` +
    `warm ${w.warm.startupSeconds} s → ${f1(w.warm.gpuMinutes)} GPU min (saves ${f1(w.savedGpuMinutes)})`
  );
}

const f1 = (x: number) => x.toFixed(1);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pct2 = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The human report: design line, one cost table per speed, the operating table. */
export function renderPlan(r: ReturnType<typeof toJson>): string {
  const d: PlanDesign & { promptsCovered: number; goalsMet: boolean } = r.design;
  const out = [
    `design: ${d.promptsPerGroup} of ${d.prompts} prompts per launch ` +
      `(${d.promptsCovered} timed per arm by the last look), ` +
      `looks at ${d.looks.join(", ")} blocks, α ${d.alpha}, δ ${pct(d.minEffect)}`,
    `fleet: ${r.fleet!.runners} runner(s), start-up ${r.fleet!.startupSeconds} s, ` +
      `job cap ${r.fleet!.jobCapMinutes} min; ` +
      `noise: launch CV ${pct2(r.noise.cvBetween)}, prompt CV ${pct2(r.noise.cvPrompt)}` +
      ("blockSd" in r.noise && r.noise.blockSd !== undefined
        ? ` (from paired block differences, SD ${pct2(r.noise.blockSd)})`
        : ""),
    "",
  ];
  for (const s of r.scenarios) {
    out.push(`${s.tps} tok/s          blocks   GPU min   wall min   job min   fits cap`);
    for (const [i, l] of s.looks.entries())
      out.push(
        `  look ${i + 1}`.padEnd(20) +
          `${l.blocks}`.padStart(6) +
          f1(l.gpuMinutes).padStart(10) +
          f1(l.wallMinutes).padStart(11) +
          f1(l.jobMinutes).padStart(10) +
          (l.fitsCap ? "yes" : "NO").padStart(11),
      );
    out.push(
      `  expected per verdict (worst effect): ${f1(s.expected.perRun)} GPU min with the scorer ` +
        `(${f1(s.expected.gpuMinutes)} blocks), ${f1(s.expected.newCommit)} for a new commit, ` +
        `${f1(s.expected.wallMinutes)} wall min` +
        (s.withinBudget === null
          ? ""
          : s.withinBudget
            ? `; within the ${r.budget!.gpuMinutes} GPU-min budget`
            : `; OVER the ${r.budget!.gpuMinutes} GPU-min budget`),
      `  verification: +${f1(s.verification.scorerPerRun)} GPU min per run (trusted scorer), ` +
        `+${f1(s.verification.plainPerCommit)} per new commit (plain-decode reference, then cached)`,
      "",
    );
  }
  out.push("true effect   P(faster)   P(slower)   P(tie)   P(unresolved)");
  const goals = "P(faster | +δ) ≤ α/2 and power ≥ 80% at 2δ";
  const verdictLine = d.goalsMet ? `meets ${goals}` : `does NOT meet ${goals}`;
  for (const o of r.operating)
    out.push(
      `  ${o.effect}δ`.padEnd(12) +
        pct(o.pFaster).padStart(11) +
        pct(o.pSlower).padStart(12) +
        pct(o.pTie).padStart(9) +
        pct(o.pUnresolved).padStart(16),
    );
  out.push(`simulated ${r.design.recommended ? "recommended " : ""}design ${verdictLine}`);
  return out.join("\n");
}
