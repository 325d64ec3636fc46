import { createHash } from "node:crypto";
import { DeadlinePassed, EarlyStop, EngineFailure } from "../core/errors.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import type { LaunchRecord, RunRecord } from "../core/schema/run-record.ts";
import { RunRecord as RunRecordSchema } from "../core/schema/run-record.ts";
import { compare, type Comparison, type Launch } from "../core/stats/compare.ts";
import { seededRng, shuffle } from "../core/stats/rng.ts";
import {
  corpusPerplexity,
  greedyAgreement,
  judgeQuality,
  type PromptItem,
  type QualityResult,
  type Scored,
} from "../core/verify.ts";
import type { Clock, EngineClient, EngineLauncher, Progress, RunningEngine, WorkFiles } from "../ports.ts";
import { generationTps } from "../core/protocol/openai.ts";
import { continuationNll, scoringRequest, timedRequest } from "./engine-requests.ts";
import type { Contender, PromptSet } from "./reference.ts";
import { scoreOn, type PlainReference } from "./plain-reference.ts";
import { toComparisonRecord, verifiedBy } from "../core/github/record-check.ts";
import { confirmationSet, privateShare } from "./confirm-set.ts";
import { launchPaths } from "./launch-paths.ts";
import { blockPlans, designBlocks, type BlockDesign, type LaunchPlan } from "./block-plan.ts";
import {
  absorbEvidence,
  coveredSet,
  emptyEvidence,
  exactSeverity,
  sameTokens,
  type ArmEvidence,
  type Severity,
} from "./arm-evidence.ts";
import {
  judgeArm,
  plainReferences,
  plainSeverity,
  PRIVATE_PREFIX,
  scoreArms,
  privateScoreItems,
  type PlainRefs,
  type ScoredLaunch,
} from "./verify-arms.ts";

export type { Contender, PromptSet } from "./reference.ts";

/**
 * The benchmark use case: blocks of fresh engine launches of two contenders in a seeded, balanced
 * order; sequential looks at the comparison; quality verified on the timed outputs themselves; a
 * claimed lead re-run on the private prompt set; one validated run record at the end.
 */

/** The world a benchmark touches, passed in (adapters in production, fakes in tests). */
export interface BenchPorts {
  launcher: EngineLauncher;
  client: EngineClient;
  files: WorkFiles;
  clock: Clock;
  progress: Progress;
  /** Worker processes (or machines) a look's blocks are shared out over; absent: this process. */
  pool?: BlockPool;
}

/** One worker's share of a look: whole blocks, each run entirely by that worker. */
export interface BlockShare {
  machine: string;
  blocks: number[];
  /** The design's last look (the block order is planned for it). */
  maxBlocks: number;
  /** Absolute time (the clock's ms) past which the share stops with DeadlinePassed. */
  deadline: number;
}

/** Runs shares of blocks elsewhere; resolves to each share's launch results, in its block order. */
export interface BlockPool {
  workers: number;
  /** The pool only hands back results gathered from runners: no engine may start here. */
  gathered?: boolean;
  run(o: BenchOptions, shares: BlockShare[]): Promise<LaunchResult[][]>;
}

export interface BenchOptions {
  id: string;
  challenge: Challenge;
  candidate: Contender;
  incumbent: Contender;
  public: PromptSet;
  /** Read by this trusted process only; only rounded aggregates reach the record. */
  private?: PromptSet;
  workDir: string;
  seed: number;
  /** Fixed block count (final at that count); default: the challenge's looks. */
  blocks?: number;
  runner: { id: string; hardware: string };
  requester?: { login: string; id: number };
  credited?: string;
  pr?: number;
  /** Whole-run time cap; past it the run ends as `error` (it still counts against quota). */
  deadlineMs?: number;
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
  harness?: string;
  /** Where plain-decode references are cached (absolute); default: inside workDir (no reuse). */
  plainCacheDir?: string;
  /** The trusted scorer: the challenge's baseline from the harness's checkout. None: no decode-path check. */
  scorer?: Contender;
}

export interface BenchResult {
  record: RunRecord;
  comparison?: Comparison;
  /** Per-prompt outputs of the candidate's first launch on the public set (for the audit file). */
  outputs: Map<string, number[]>;
}

export interface LaunchResult {
  record: LaunchRecord;
  /** Per prompt the output of its first timed pass. */
  outputs: Map<string, number[]>;
  /** Per prompt the outputs of later passes that differed from the first (absent: none did). */
  variants?: Map<string, number[][]>;
  scoring?: { nll: number; n: number }[];
}

/** What a bench is doing while it runs; read at the end to write the record. */
interface BenchState {
  design: BlockDesign;
  evidence: { candidate: ArmEvidence; incumbent: ArmEvidence };
  launches: LaunchRecord[];
  quality: { candidate: QualityResult | null; incumbent: QualityResult | null };
  /** Each arm's plain-decode reference (absent where no engine may start: a gathered look). */
  plain?: PlainRefs;
  candidateOutputs: Map<string, number[]>;
  comparison?: Comparison;
  deadline: number;
  /** Set when the job cap cut the run and its completed looks were analysed as final. */
  cut?: boolean;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Timed requests of all passes in a seeded shuffle, then (on scored launches) the scoring requests.
 * Scoring sends a prompt with its reference continuation: sent before that prompt's timed request,
 * it would hand the engine the answer to replay at any speed. So every timed request is done first.
 */
type Job = { kind: "timed"; pass: number; p: PromptItem } | { kind: "score"; p: PromptItem };

function planJobs(o: BenchOptions, plan: LaunchPlan): Job[] {
  const rng = seededRng(o.seed + plan.block * 2 + (plan.arm === "candidate" ? 0 : 1));
  const timed: Job[] = [];
  for (let pass = 0; pass < o.challenge.metric.repeats; pass++)
    for (const p of plan.set.prompts) timed.push({ kind: "timed", pass, p });
  const scoring: Job[] = [];
  if (plan.score)
    for (const p of plan.set.prompts) if (plan.set.reference.has(p.id)) scoring.push({ kind: "score", p });
  return [...shuffle(timed, rng), ...shuffle(scoring, rng)];
}

/**
 * A warm-up prompt the launch never times: a timed prompt's tokens reversed. Warming up on a timed
 * prompt would let an engine remember its output and replay it when the prompt comes back timed.
 */
const warmupIds = (ids: readonly number[]) => [...ids].reverse();

/** Per-pass totals of the timed requests of one launch. */
interface Passes {
  passes: { tokens: number; seconds: number; ttft: number[] }[];
  /** The first timed pass's output of each prompt. */
  outputs: Map<string, number[]>;
  /** Every other distinct output a later pass of the prompt decoded: verification sees them all. */
  variants: Map<string, number[][]>;
  scoring: { nll: number; n: number }[];
  /** The prompt id of each scoring term, in the same order. */
  scoringIds: string[];
  tokens: number;
  /** Gaps between token-carrying chunks of every timed stream (ms): the inter-token distribution. */
  gaps: number[];
  /** Every timed request's tokens and seconds, for the record's per-prompt timings. */
  timings: { pass: number; id: string; tokens: number; seconds: number }[];
}

/**
 * The length rule of a timed turn. Timed requests set ignore_eos, so a turn ends at max_tokens: more
 * is a protocol error, and fewer is an early stop, never counted (an engine that ends a turn when it
 * likes could drop its slowest tokens or abort a run it is losing). The one legitimate short turn is
 * the model's context limit, which binds every engine alike: the trusted reference decode of that
 * prompt ended at the same length. The arm's own plain decode must have ended there too; identity
 * with it (greedyIdentity counts a length mismatch as a violation) checks that.
 */
export function turnLengthProblem(
  ch: Pick<Challenge, "metric">,
  plan: Pick<LaunchPlan, "arm" | "contender" | "set">,
  p: PromptItem,
  tokens: number,
): EngineFailure | undefined {
  const max = ch.metric.max_tokens;
  if (tokens > max)
    return new EngineFailure(
      `prompt ${p.id}: the engine returned ${tokens} tokens, more than max_tokens = ${max} (a protocol error)`,
    );
  if (tokens === max || plan.set.reference.get(p.id)?.output.length === tokens) return undefined;
  return new EarlyStop(
    `${plan.arm} ${plan.contender.slug} ended a turn early: prompt ${p.id} returned ${tokens} of ` +
      `max_tokens = ${max} tokens (ignore_eos is set) where the reference decode did not stop`,
  );
}

/** One timed request: its turn must have the rule's length, and the decode must be timeable. */
async function timedJob(
  ports: BenchPorts,
  o: BenchOptions,
  plan: LaunchPlan,
  engine: RunningEngine,
  p: PromptItem,
  acc: Passes,
  pass: number,
) {
  const ch = o.challenge;
  const m = await ports.client.stream(engine.endpoint, timedRequest(ch, p.ids), o.requestTimeoutMs);
  const lengthProblem = turnLengthProblem(ch, plan, p, m.tokens.length);
  if (lengthProblem) throw lengthProblem;
  if (!Number.isFinite(generationTps(m)))
    throw new EngineFailure(`prompt ${p.id}: could not time the generation`);
  // Tokens over the time from sending the request to the last token (see generationTps).
  const totals = acc.passes[pass]!;
  totals.tokens += m.tokens.length;
  totals.seconds += (m.lastTokenAt - m.start) / 1000;
  totals.ttft.push(m.firstTokenAt - m.start);
  acc.timings.push({ pass, id: p.id, tokens: m.tokens.length, seconds: (m.lastTokenAt - m.start) / 1000 });
  acc.gaps.push(...m.interChunkMs);
  acc.tokens += m.tokens.length;
  keepOutput(acc, p.id, m.tokens);
}

/**
 * Keeps every distinct output of a prompt's timed passes: the first, and any later one that differs
 * as a variant. Which one is verified is decided once the truth is at hand (absorbEvidence): the one
 * furthest from the plain decode, so neither a lossy first pass nor a lossy repeat can hide behind
 * an exact one.
 */
function keepOutput(acc: Passes, id: string, tokens: number[]) {
  const first = acc.outputs.get(id);
  if (!first) return void acc.outputs.set(id, tokens);
  const variants = acc.variants.get(id) ?? [];
  if (sameTokens(first, tokens) || variants.some((v) => sameTokens(v, tokens))) return;
  acc.variants.set(id, [...variants, tokens]);
}

/** One scoring request: the perplexity of the reference continuation under this engine. */
async function scoreJob(
  ports: BenchPorts,
  o: BenchOptions,
  engine: RunningEngine,
  p: PromptItem,
  set: PromptSet,
  acc: Passes,
) {
  const ref = set.reference.get(p.id)!;
  const ids = [...p.ids, ...ref.output];
  const r = await ports.client.complete(engine.endpoint, scoringRequest(ids), o.requestTimeoutMs);
  acc.scoring.push({ nll: continuationNll(p.id, r, ids, p.ids.length), n: ref.output.length });
  acc.scoringIds.push(p.id);
}

/** The job cap is checked before every launch and every request (a request itself is bounded by its timeout). */
function checkDeadline(ports: BenchPorts, o: BenchOptions, deadline: number) {
  if (ports.clock() > deadline)
    throw new DeadlinePassed(`the run passed its ${o.challenge.job_timeout_minutes}-minute cap`);
}

/** Warm-ups (same request shape as timed ones), then the shuffled jobs, watching the deadline. */
async function measureLaunch(
  ports: BenchPorts,
  o: BenchOptions,
  plan: LaunchPlan,
  engine: RunningEngine,
  deadline: number,
) {
  const ch = o.challenge;
  const warmup = plan.warmup ?? plan.set.prompts;
  for (let w = 0; w < ch.metric.warmup; w++) {
    const ids = warmupIds(warmup[w % warmup.length]!.ids);
    await ports.client.stream(engine.endpoint, timedRequest(ch, ids), o.requestTimeoutMs);
  }
  const acc: Passes = {
    passes: Array.from({ length: ch.metric.repeats }, () => ({ tokens: 0, seconds: 0, ttft: [] })),
    outputs: new Map(),
    variants: new Map(),
    scoring: [],
    scoringIds: [],
    tokens: 0,
    gaps: [],
    timings: [],
  };
  for (const job of planJobs(o, plan)) {
    checkDeadline(ports, o, deadline);
    if (job.kind === "timed") await timedJob(ports, o, plan, engine, job.p, acc, job.pass);
    else await scoreJob(ports, o, engine, job.p, plan.set, acc);
  }
  return acc;
}

/** Median, 90th percentile and largest gap between chunks: a burst of held-back tokens shows here. */
function gapSummary(gaps: number[]): { p50: number; p90: number; max: number } {
  const s = [...gaps].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return { p50: round(q(0.5), 3), p90: round(q(0.9), 3), max: round(s[s.length - 1]!, 3) };
}

/** The launch's record: per-pass decode speed, mean time to first token, a hash of its outputs. */
function launchRecord(plan: LaunchPlan, engine: RunningEngine, acc: Passes): LaunchRecord {
  const runs = acc.passes.map((p) => p.tokens / p.seconds);
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  // The variants join the hash only when a pass differed, so an engine stable across passes hashes as before.
  const canonical = JSON.stringify(
    acc.variants.size ? [sorted(acc.outputs), sorted(acc.variants)] : sorted(acc.outputs),
  );
  return {
    arm: plan.arm,
    slug: plan.contender.slug,
    block: plan.block,
    position: plan.position,
    startMs: round(engine.startMs, 1),
    runs: runs.map((r) => round(r, 3)),
    ttftMs: round(mean(acc.passes.flatMap((p) => p.ttft)), 3),
    ...(acc.gaps.length ? { interTokenMs: gapSummary(acc.gaps) } : {}),
    tokens: acc.tokens,
    ...(plan.group !== undefined ? { group: plan.group } : {}),
    ...perPromptField(plan, acc),
    ...(plan.machine !== undefined ? { machine: plan.machine } : {}),
    outputsSha256: sha256(canonical),
  };
}

/** Per-prompt `[prompt, tokens, seconds]`, pass after pass, prompts in index order (public set only). */
function perPromptField(plan: LaunchPlan, acc: Passes): { perPrompt?: [number, number, number][] } {
  const indexOf = plan.indexOf;
  if (!indexOf || !acc.timings.length) return {};
  const rows = acc.timings.map((t) => ({ ...t, index: indexOf.get(t.id) }));
  if (rows.some((r) => r.index === undefined)) return {};
  rows.sort((a, b) => a.pass - b.pass || a.index! - b.index!);
  return { perPrompt: rows.map((r) => [r.index!, r.tokens, round(r.seconds, 5)]) };
}

/**
 * One launch: a fresh engine in its own scratch folder, measured, then stopped and cleaned up
 * whatever happened. Outputs of the timed requests are what verification checks.
 */
async function runLaunch(
  ports: BenchPorts,
  o: BenchOptions,
  plan: LaunchPlan,
  deadline: number,
): Promise<LaunchResult> {
  const { record, acc } = await measuredLaunch(ports, o, plan, deadline);
  return {
    record,
    outputs: acc.outputs,
    ...(acc.variants.size ? { variants: acc.variants } : {}),
    ...(plan.score ? { scoring: acc.scoring } : {}),
  };
}

/** A launch's record and everything it measured, per request (what the confirmation splits). */
async function measuredLaunch(
  ports: BenchPorts,
  o: BenchOptions,
  plan: LaunchPlan,
  deadline: number,
  /** Requests sent after the timed ones, on the same engine (the gauge scoring the candidate's outputs). */
  after?: (engine: RunningEngine) => Promise<void>,
) {
  checkDeadline(ports, o, deadline);
  const role = `block ${plan.block} ${plan.arm} ${plan.contender.slug}`;
  const { scratch, logFile } = await launchPaths(ports.files, o.workDir, role);
  await ports.files.mkdir(scratch);
  let engine: RunningEngine | undefined;
  try {
    engine = await ports.launcher.launch({
      slug: plan.contender.slug,
      manifest: plan.contender.manifest,
      challenge: o.challenge,
      scratch,
      logFile,
      startTimeoutMs: o.startTimeoutMs ?? 10 * 60_000,
    });
    const acc = await measureLaunch(ports, o, plan, engine, deadline);
    await after?.(engine);
    return { record: launchRecord(plan, engine, acc), acc };
  } finally {
    await engine?.stop();
    await ports.files.remove(scratch);
  }
}

/**
 * Quality of an arm's evidence: against its own plain decode when the run has one (identity with
 * near-tie tolerance, checkpoint perplexity), else the legacy check against the baseline's outputs.
 */
function judgeLaunch(
  o: BenchOptions,
  set: PromptSet,
  r: ScoredLaunch,
  plain: PlainRefs[keyof PlainRefs] | undefined,
  prefix = "",
): QualityResult {
  if (plain) return judgeArm(o, set, r, plain, undefined, prefix);
  const expected = new Map([...set.reference].map(([k, v]) => [k, v.output]));
  return judgeQuality(o.challenge, {
    ppl: corpusPerplexity(r.scoring ?? []),
    pplReference: set.referencePpl,
    greedy: greedyAgreement(expected, r.outputs),
  });
}

/**
 * What an arm's outputs are held to when choosing which to verify: its own plain decode (near-ties
 * excused) when the run has one, else the baseline's reference outputs of the set.
 */
function severityFor(
  o: BenchOptions,
  plain: PlainReference | undefined,
  prefix = "",
  set = o.public,
): Severity {
  if (plain) return plainSeverity(plain, o.challenge.verification.tie_margin, prefix);
  return exactSeverity(new Map([...set.reference].map(([id, line]) => [id, line.output])));
}

/** The scored evidence of both arms, judged again once the trusted scorer has read their outputs. */
async function judgeArms(ports: BenchPorts, o: BenchOptions, s: BenchState) {
  if (!s.plain) return;
  const scored = {
    candidate: { outputs: s.evidence.candidate.outputs, scoring: s.evidence.candidate.scoring },
    incumbent: { outputs: s.evidence.incumbent.outputs, scoring: s.evidence.incumbent.scoring },
  };
  const scores = await scoreArms(ports, o, scored, s.plain);
  for (const arm of ["candidate", "incumbent"] as const) {
    const set = coveredSet(o.public, s.evidence[arm]);
    if (s.evidence[arm].outputs.size)
      s.quality[arm] = judgeArm(o, set, scored[arm], s.plain[arm], scores[arm]);
  }
}

/**
 * Takes one finished launch into the run: its record, and its outputs into its arm's quality
 * evidence, judged on the prompts the arm has decoded so far. Launches are absorbed in block order
 * whichever process ran them, so a shared-out look gives the same state as a single process.
 */
function absorbLaunch(ports: BenchPorts, o: BenchOptions, s: BenchState, plan: LaunchPlan, r: LaunchResult) {
  const arm = plan.arm;
  s.launches.push(r.record);
  const evidence = s.evidence[arm];
  absorbEvidence(
    evidence,
    r.outputs,
    plan.score ? r.scoring : undefined,
    severityFor(o, s.plain?.[arm]),
    r.variants,
  );
  const merged = { ...r, outputs: evidence.outputs, scoring: evidence.scoring };
  s.quality[arm] = judgeLaunch(o, coveredSet(o.public, evidence), merged, s.plain?.[arm]);
  if (arm === "candidate") s.candidateOutputs = evidence.outputs;
  const speeds = r.record.runs.map((x) => x.toFixed(1)).join("/");
  ports.progress.tick(`block ${plan.block + 1}: ${arm} ${plan.contender.slug} ${speeds} tok/s`);
}

const arms = (o: BenchOptions) => ({ candidate: o.candidate, incumbent: o.incumbent });

/** Runs a share of blocks in this process, each block's launches in its order, on its group. */
export async function runShare(
  ports: BenchPorts,
  o: BenchOptions,
  share: BlockShare,
): Promise<LaunchResult[]> {
  const d = designBlocks(o.challenge, o.public, o.seed, share.maxBlocks);
  const results: LaunchResult[] = [];
  for (const block of share.blocks)
    for (const plan of blockPlans(d, arms(o), block, share.machine))
      results.push(await runLaunch(ports, o, plan, share.deadline));
  return results;
}

/** Blocks [from, to) shared out round-robin over the pool's workers, then absorbed in block order. */
async function runShared(ports: BenchPorts, o: BenchOptions, from: number, to: number, s: BenchState) {
  const pool = ports.pool!;
  const workers = Math.min(pool.workers, to - from);
  const shares: BlockShare[] = Array.from({ length: workers }, (_, k) => ({
    machine: `${o.runner.id}/worker-${k + 1}`,
    blocks: [],
    maxBlocks: s.design.order.length,
    deadline: s.deadline,
  }));
  for (let block = from; block < to; block++) shares[(block - from) % workers]!.blocks.push(block);
  const results = (await pool.run(o, shares)).flat();
  results.sort((a, b) => a.record.block - b.record.block || a.record.position - b.record.position);
  for (const r of results) {
    const plan = blockPlans(s.design, arms(o), r.record.block)[r.record.position]!;
    absorbLaunch(ports, o, s, plan, r);
  }
}

/** Runs the launches of blocks [from, to): in this process, or shared out over the pool. */
async function runBlocks(ports: BenchPorts, o: BenchOptions, from: number, to: number, s: BenchState) {
  if (ports.pool && ports.pool.workers > 1) return runShared(ports, o, from, to, s);
  for (let block = from; block < to; block++)
    for (const plan of blockPlans(s.design, arms(o), block))
      absorbLaunch(ports, o, s, plan, await runLaunch(ports, o, plan, s.deadline));
}

/** The comparison after the launches so far, at one of the planned looks. */
function lookAt(
  o: BenchOptions,
  looks: number[],
  launches: readonly LaunchRecord[],
  final = false,
): Comparison {
  const ch = o.challenge;
  const obs: Launch[] = launches.map((l) => ({
    arm: l.arm,
    launch: `${l.block}-${l.arm}`,
    block: l.block,
    runs: l.runs,
  }));
  return compare(obs, {
    alpha: ch.significance.alpha,
    minEffect: ch.significance.min_effect,
    looks,
    seed: o.seed,
    ...(final ? { final: true } : {}),
  });
}

const lookLine = (c: Comparison, looks: number[], blocks: number) =>
  `look ${c.look.index}/${looks.length} after ${blocks} blocks: ${c.verdict} ` +
  `(Δ ${c.estimate.toFixed(2)} tok/s, CI [${c.ci[0].toFixed(2)}, ${c.ci[1].toFixed(2)}])`;

/** Blocks up to each planned look until the comparison resolves (or the last look is reached). */
async function runLooks(ports: BenchPorts, o: BenchOptions, looks: number[], s: BenchState) {
  const label = `bench ${o.candidate.slug} vs ${o.incumbent.slug}`;
  const maxBlocks = looks[looks.length - 1]!;
  ports.progress.start(maxBlocks * 2, label);
  let done = 0;
  for (const look of looks) {
    await runBlocks(ports, o, done, look, s);
    done = look;
    s.comparison = lookAt(o, looks, s.launches);
    ports.progress.line(lookLine(s.comparison, looks, done));
    if (s.comparison.verdict !== "inconclusive") break;
    if (look !== maxBlocks) ports.progress.start(maxBlocks * 2, `${label} (extended)`);
  }
}

/**
 * The job cap came during a look: the looks completed before it are what the run has. Only their
 * blocks stay (a part-run look would be an unplanned look), and the last completed look is analysed
 * again as final, so an undecided result reads `unresolved` and the run is published, not discarded.
 */
function cutAtCap(o: BenchOptions, looks: number[], s: BenchState, e: DeadlinePassed) {
  const done = s.comparison!.look.blocks;
  s.launches = s.launches.filter((l) => l.block < done);
  s.comparison = lookAt(o, looks, s.launches, true);
  s.cut = true;
  const look = `look ${s.comparison.look.index} of ${looks.length} (${done} blocks)`;
  return { status: "ok" as const, reason: `${e.message} during the next look; ${look} is final` };
}

/** A measured run's outcome, unless the candidate's verification failed. */
function verified(s: BenchState, outcome: { status: "ok"; reason?: string }) {
  const q = s.quality.candidate;
  if (q && !q.ok)
    return { status: "invalid" as const, reason: `verification failed: ${q.reasons.join("; ")}` };
  return outcome;
}

/** Runs the blocks and turns any failure into the run's status and reason (never a throw). */
async function measure(ports: BenchPorts, o: BenchOptions, looks: number[], s: BenchState) {
  try {
    // The plain-decode references need engines; a gathered look (no engine may start) goes without.
    if (!ports.pool?.gathered) s.plain = await plainReferences(ports, o);
    const outcome = await runLooks(ports, o, looks, s).then(
      () => ({ status: "ok" as const }),
      (e: unknown) => {
        if (e instanceof DeadlinePassed && s.comparison) return cutAtCap(o, looks, s, e);
        throw e;
      },
    );
    // The trusted scorer reads the outputs of the blocks kept, also when the cap cut the run.
    await judgeArms(ports, o, s);
    return verified(s, outcome);
  } catch (e) {
    const reason = e instanceof DeadlinePassed ? e.message : `${(e as Error).message}`.slice(0, 2000);
    return { status: "error" as const, reason };
  } finally {
    ports.progress.done();
  }
}

type Confirmation = RunRecord["confirmation"];

/**
 * The candidate's private re-run as verification reads it: per private prompt the output furthest
 * from its plain decode (of all its passes), and the perplexity terms of its private prompts.
 */
function privateVerified(
  o: BenchOptions & { private: PromptSet },
  acc: Passes,
  plain: PlainReference | undefined,
) {
  const { outputs, variants, scoring } = privateEvidence(acc);
  const evidence = emptyEvidence();
  absorbEvidence(evidence, outputs, scoring, severityFor(o, plain, PRIVATE_PREFIX, o.private), variants);
  return evidence;
}

/**
 * Quality of the candidate's private re-run, held to the same three checks as the public blocks:
 * perplexity, identity with its plain decode, and the trusted scorer's reading of the private outputs
 * against the plain-decode ones (`scores`), so a decode path lossy only on prompts it has never seen
 * is caught too.
 */
function judgePrivate(
  o: BenchOptions & { private: PromptSet },
  evidence: ArmEvidence,
  plain: PlainReference | undefined,
  scores: Map<string, Scored> | undefined,
): QualityResult {
  if (!plain) return judgeLaunch(o, o.private, evidence, undefined, PRIVATE_PREFIX);
  return judgeArm(o, o.private, evidence, plain, scores, PRIVATE_PREFIX);
}

/**
 * The trusted scorer's reading of the private re-run, made on the confirmation's gauge launch when
 * the gauge is the scorer (the harness's baseline): after the gauge's timed requests, it scores the
 * candidate's private outputs and their plain decodes, so the check costs no launch of its own.
 * Without a scorer (a local run, the incumbent as gauge) or a plain reference, nothing is scored.
 */
function gaugeScoring(
  ports: BenchPorts,
  o: BenchOptions & { private: PromptSet },
  gauge: Contender,
  evidence: ArmEvidence,
  plain: PlainReference | undefined,
) {
  const out: { scores?: Map<string, Scored>; after?: (engine: RunningEngine) => Promise<void> } = {};
  if (gauge !== o.scorer || !plain) return out;
  out.after = async (engine) => {
    const items = privateScoreItems(o.private, evidence.outputs, plain);
    out.scores = await scoreOn(ports.client, engine, items, o.requestTimeoutMs);
  };
  return out;
}

/** The confirmation entry of a private re-run that completed. */
function confirmationOf(ch: Challenge, tps: number, claim: number, q: QualityResult): Confirmation {
  const ratio = tps / claim;
  const fastEnough = ratio >= 1 - ch.verification.confirm_tolerance;
  const ok = fastEnough && q.ok;
  const quality = {
    ok: q.ok,
    pplIncrease: round(q.pplIncrease, 3),
    exactFraction: round(q.greedy.exactFraction, 2),
  };
  const base = {
    status: ok ? ("confirmed" as const) : ("failed" as const),
    tps: round(tps, 1),
    claim: round(claim, 1),
  };
  if (ok) return { ...base, ratio: round(ratio, 3), quality };
  const reason = !fastEnough
    ? `private re-run reached ${round(ratio * 100, 1)}% of the claimed speed ` +
      `(tolerance ${ch.verification.confirm_tolerance * 100}%)`
    : "quality failed on the private set";
  return { ...base, ratio: round(ratio, 3), quality, reason };
}

/** Tokens over seconds of a launch's timed requests on its private prompts only, every pass together. */
function privateTps(acc: Passes): number {
  const rows = acc.timings.filter((t) => t.id.startsWith(PRIVATE_PREFIX));
  const tokens = rows.reduce((a, t) => a + t.tokens, 0);
  const seconds = rows.reduce((a, t) => a + t.seconds, 0);
  return tokens / seconds;
}

/** The candidate's confirmation evidence: its private prompts' outputs and scoring, under their own ids. */
function privateEvidence(acc: Passes): ScoredLaunch & { variants: Map<string, number[][]> } {
  const scoring = acc.scoring.filter((_, i) => acc.scoringIds[i]!.startsWith(PRIVATE_PREFIX));
  return { outputs: privateShare(acc.outputs), variants: privateShare(acc.variants), scoring };
}

/**
 * A claimed lead is re-run on the private set; it stands only within tolerance. What must hold is
 * the claim itself, the candidate's public speed, carried over to prompts it could not prepare
 * for. Private prompts differ in length from public ones, so a raw tok/s comparison would fail
 * honest engines: a second arm measures how the private prompts' lengths change the speed, and the
 * candidate's claim is scaled by it. That arm is the trusted scorer (the harness's own baseline)
 * where the run has one: an incumbent is another submission, which could run slow on the private
 * prompts to flatter a candidate it colludes with. Without a scorer (a local run) the incumbent does.
 * Both launches look like timed blocks (see confirm-set.ts); only their private prompts are measured.
 * The candidate's private outputs then get the three checks of the public blocks (judgePrivate), the
 * trusted scorer included: the gauge launch scores them after its timed requests.
 */
async function confirm(
  ports: BenchPorts,
  o: BenchOptions,
  maxBlocks: number,
  s: BenchState,
): Promise<Confirmation> {
  if (!o.private?.prompts.length)
    return {
      status: "pending",
      reason: "no private prompt set on this runner; the lead is provisional until confirmed",
    };
  try {
    const next = s.comparison!.look.blocks;
    const { set, warmup } = confirmationSet(o.id, s.design, next, o.private);
    const plan = { arm: "candidate" as const, contender: o.candidate, block: maxBlocks, position: 0 };
    const r = await measuredLaunch(ports, o, { ...plan, set, warmup, score: true }, s.deadline);
    const priv = { ...o, private: o.private };
    const evidence = privateVerified(priv, r.acc, s.plain?.candidate);
    const gauge = o.scorer ?? o.incumbent;
    const other = { ...plan, arm: "incumbent" as const, contender: gauge, position: 1 };
    const scoring = gaugeScoring(ports, priv, gauge, evidence, s.plain?.candidate);
    const base = await measuredLaunch(
      ports,
      o,
      { ...other, set, warmup, score: false },
      s.deadline,
      scoring.after,
    );
    const claim = s.comparison!.arms.candidate.mean;
    // How much faster (or slower) the gauge decodes the private prompts than the public ones.
    const lengthEffect = privateTps(base.acc) / gaugePublicTps(o, s, base.acc, gauge);
    const quality = judgePrivate(priv, evidence, s.plain?.candidate, scoring.scores);
    return confirmationOf(o.challenge, privateTps(r.acc) / lengthEffect, claim, quality);
  } catch (e) {
    // Out of time is not evidence against the lead: it stays provisional, and the daily
    // re-verification (reverify.yml) confirms it or not.
    if (e instanceof DeadlinePassed)
      return {
        status: "pending",
        reason: "the private re-run did not fit the job's time; the lead is provisional",
      };
    return { status: "failed", reason: `private re-run failed: ${(e as Error).message}`.slice(0, 500) };
  }
}

/**
 * The gauge's public speed: the incumbent's over the run's blocks (as measured against the claim);
 * the scorer, which ran no block, on the public prompts of its own confirmation launch.
 */
function gaugePublicTps(o: BenchOptions, s: BenchState, acc: Passes, gauge: Contender): number {
  if (gauge === o.incumbent) return s.comparison!.arms.incumbent.mean;
  const rows = acc.timings.filter((t) => !t.id.startsWith(PRIVATE_PREFIX));
  return rows.reduce((a, t) => a + t.tokens, 0) / rows.reduce((a, t) => a + t.seconds, 0);
}

/** A quality result as the record keeps it: aggregates and counts, thresholds beside them, no per-prompt detail. */
function qualityRecord(ch: Challenge, q: QualityResult | null): RunRecord["quality"]["candidate"] {
  if (!q) return null;
  const v = ch.verification;
  const { prompts, exact, exactFraction, meanPrefixFraction } = q.greedy;
  const identity = q.identity && {
    ok: q.identity.ok,
    prompts: q.identity.prompts,
    passed: q.identity.passed,
    exact: q.identity.exact,
    min: v.min_greedy_exact,
    tieMargin: v.tie_margin,
  };
  const nll = q.outputNll && {
    ok: q.outputNll.ok,
    prompts: q.outputNll.prompts,
    nll: q.outputNll.nll,
    nllPlain: q.outputNll.nllPlain,
    increase: q.outputNll.increase,
    worse: q.outputNll.worse,
    max: v.max_output_nll_increase,
    worst: q.outputNll.worst,
    maxPrompt: v.max_prompt_nll_increase,
  };
  return {
    ok: q.ok,
    ppl: q.ppl,
    pplReference: q.pplReference,
    pplIncrease: q.pplIncrease,
    maxPplIncrease: v.max_ppl_increase,
    greedy: { prompts, exact, exactFraction, meanPrefixFraction },
    ...(identity ? { identity } : {}),
    ...(nll ? { outputNll: nll } : {}),
    verifiedBy: verifiedBy(q),
    reasons: q.reasons,
  };
}

/** The parts of the record known before any launch: who, where, and the design. */
async function recordHead(ports: BenchPorts, o: BenchOptions, looks: number[], d: BlockDesign) {
  const ch = o.challenge;
  const contender = (c: Contender) => ({ slug: c.slug, ...(c.commit ? { commit: c.commit } : {}) });
  return {
    version: 1 as const,
    id: o.id,
    challenge: ch.id,
    candidate: contender(o.candidate),
    incumbent: contender(o.incumbent),
    ...(o.requester ? { requester: o.requester } : {}),
    ...(o.credited ? { credited: o.credited } : {}),
    ...(o.pr ? { pr: o.pr } : {}),
    runner: {
      id: o.runner.id,
      hardware: o.runner.hardware,
      engine: await ports.launcher.version().catch(() => ports.launcher.kind),
      harness: o.harness ?? "velodrome 0.1.0",
    },
    design: {
      seed: o.seed,
      order: d.order.map((b) => (b[0] === "candidate" ? ("CI" as const) : ("IC" as const))),
      looks,
      warmup: ch.metric.warmup,
      repeats: ch.metric.repeats,
      prompts: o.public.prompts.length,
      ...(d.promptsPerGroup !== undefined ? { promptsPerGroup: d.promptsPerGroup } : {}),
      maxTokens: ch.metric.max_tokens,
    },
  };
}

/** Runs blocks of fresh launches in seeded balanced order up to the planned looks, verifies, confirms. */
export async function runBenchmark(ports: BenchPorts, o: BenchOptions): Promise<BenchResult> {
  const iso = () => new Date(ports.clock()).toISOString();
  const startedAt = iso();
  const looks = o.blocks ? [o.blocks] : o.challenge.significance.looks;
  const maxBlocks = looks[looks.length - 1]!;
  const design = designBlocks(o.challenge, o.public, o.seed, maxBlocks);
  const head = await recordHead(ports, o, looks, design);
  const s: BenchState = {
    design,
    evidence: { candidate: emptyEvidence(), incumbent: emptyEvidence() },
    launches: [],
    quality: { candidate: null, incumbent: null },
    candidateOutputs: new Map(),
    deadline: ports.clock() + (o.deadlineMs ?? o.challenge.job_timeout_minutes * 60_000),
  };
  const outcome = await measure(ports, o, looks, s);
  const claimsLead = outcome.status === "ok" && s.comparison?.verdict === "faster";
  const confirmation: Confirmation = !claimsLead
    ? { status: "skipped", reason: "not a claim to the lead" }
    : s.cut
      ? { status: "pending", reason: "the job cap left no time for the private re-run" }
      : await confirm(ports, o, maxBlocks, s);
  const record = RunRecordSchema.parse({
    ...head,
    ...outcome,
    launches: s.launches,
    comparison: s.comparison && outcome.status !== "error" ? toComparisonRecord(s.comparison) : null,
    quality: {
      candidate: qualityRecord(o.challenge, s.quality.candidate),
      incumbent: qualityRecord(o.challenge, s.quality.incumbent),
    },
    confirmation,
    startedAt,
    finishedAt: iso(),
  });
  return { record, ...(s.comparison ? { comparison: s.comparison } : {}), outputs: s.candidateOutputs };
}
