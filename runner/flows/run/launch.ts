import { tagArm } from "./outcome.ts";
import { DeadlinePassed, EarlyStop, EngineFailure } from "../../core/errors.ts";
import { generationTps } from "../../core/protocol/openai.ts";
import type { Challenge } from "../../core/schema/challenge.ts";
import { seededRng, shuffle } from "../../core/stats/rng.ts";
import type { PromptItem } from "../../core/verify.ts";
import type { RunningEngine } from "../../ports.ts";
import { sameTokens } from "./arm-evidence.ts";
import type { LaunchPlan } from "./block-plan.ts";
import { continuationNll, scoringRequest, timedRequest } from "../engine-requests.ts";
import { launchPaths } from "../launch-paths.ts";
import { launchRecord, type Passes } from "./launch-record.ts";
import type { BenchOptions, BenchPorts, LaunchResult, PromptSet } from "./types.ts";

/**
 * How one launch is timed: a fresh engine in its own scratch folder, its warm-ups, then its timed
 * requests of every pass in a seeded shuffle and (on a scored launch) the scoring requests; every
 * timed turn held to the length rule; the engine stopped and its folder removed whatever happened.
 * What it measured becomes the launch's record (launch-record.ts); its outputs are what
 * verification checks (verify-arms.ts).
 */

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
export function checkDeadline(ports: BenchPorts, o: BenchOptions, deadline: number) {
  if (ports.clock() > deadline)
    throw new DeadlinePassed(`the run passed its ${o.challenge.job_timeout_minutes}-minute cap`);
}

/** Warm-ups (same request shape as timed ones), then the shuffled jobs, watching the deadline before each. */
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
    checkDeadline(ports, o, deadline); // warm-ups count against the job cap like any request
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

/**
 * One launch: a fresh engine in its own scratch folder, measured, then stopped and cleaned up
 * whatever happened. Outputs of the timed requests are what verification checks.
 */
export async function runLaunch(
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
export async function measuredLaunch(
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
      // The start is bounded by the time the run has left, not only by its own timeout.
      startTimeoutMs: Math.max(1, Math.min(o.startTimeoutMs ?? 10 * 60_000, deadline - ports.clock())),
    });
    const acc = await measureLaunch(ports, o, plan, engine, deadline);
    await after?.(engine);
    return { record: launchRecord(plan, engine, acc), acc };
  } catch (e) {
    // A failure once the cap has passed is the cap's, not this arm's: the start is clipped to the
    // time left, so a candidate that spends the run's time would have the incumbent's start time
    // out, and the run read as the incumbent's fault (not charged: a free re-roll).
    checkDeadline(ports, o, deadline);
    // Whose engine failed decides who pays for the run (an incumbent's failure is not the challenger's).
    throw tagArm(e, plan.arm);
  } finally {
    await engine?.stop();
    await ports.files.remove(scratch);
  }
}
