import { createHash, randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { SERVED_NAME } from "../core/engine-args.ts";
import type { ReferenceLine } from "../core/prompts.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import type { ComparisonRecord, LaunchRecord, RunRecord } from "../core/schema/run-record.ts";
import { RunRecord as RunRecordSchema } from "../core/schema/run-record.ts";
import type { Submission } from "../core/schema/submission.ts";
import { compare, type Comparison, type Launch } from "../core/stats/compare.ts";
import { blockOrder, type Arm } from "../core/stats/design.ts";
import { seededRng, shuffle } from "../core/stats/rng.ts";
import {
  corpusPerplexity,
  greedyAgreement,
  judgeQuality,
  type PromptItem,
  type QualityResult,
} from "../core/verify.ts";
import { completion, decodeTps, streamCompletion, type Endpoint } from "./engines/client.ts";
import type { EngineLauncher, RunningEngine } from "./engines/launch.ts";
import type { Progress } from "./progress.ts";
import { silentProgress } from "./progress.ts";

export interface Contender {
  slug: string;
  manifest: Submission;
  commit?: string;
}

export interface PromptSet {
  prompts: PromptItem[];
  reference: Map<string, ReferenceLine>;
  referencePpl: number;
}

export interface BenchOptions {
  id: string;
  challenge: Challenge;
  candidate: Contender;
  incumbent: Contender;
  launcher: EngineLauncher;
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
  progress?: Progress;
  /** Whole-run time cap; past it the run ends as `error` (it still counts against quota). */
  deadlineMs?: number;
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
  harness?: string;
}

interface LaunchResult {
  record: LaunchRecord;
  outputs: Map<string, number[]>;
  scoring?: { nll: number; n: number }[];
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

class DeadlineError extends Error {}

/**
 * One launch: fresh engine, warm-ups (same request shape as timed ones), then the timed requests
 * and — on the first launch of each arm — the scoring requests, shuffled together so the engine
 * cannot tell them apart by order. Outputs of the timed requests are what verification checks.
 */
async function runLaunch(
  o: BenchOptions,
  arm: Arm,
  c: Contender,
  block: number,
  position: number,
  set: PromptSet,
  score: boolean,
  deadline: number,
): Promise<LaunchResult> {
  const ch = o.challenge;
  const scratch = join(o.workDir, `launch-${block}-${arm}`);
  await mkdir(scratch, { recursive: true });
  let engine: RunningEngine | undefined;
  try {
    engine = await o.launcher.launch({
      slug: c.slug,
      manifest: c.manifest,
      challenge: ch,
      scratch,
      logFile: join(o.workDir, "logs", `${block}-${arm}-${c.slug}.log`),
      startTimeoutMs: o.startTimeoutMs ?? 10 * 60_000,
    });
    const ep: Endpoint = engine.endpoint;
    const timedReq = (ids: number[]) => ({
      model: SERVED_NAME,
      prompt: ids,
      max_tokens: ch.metric.max_tokens,
      temperature: 0 as const,
      seed: 0,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
      add_special_tokens: false as const,
      return_token_ids: true as const,
      cache_salt: randomBytes(8).toString("hex"),
    });
    for (let w = 0; w < ch.metric.warmup; w++) {
      await streamCompletion(ep, timedReq(set.prompts[w % set.prompts.length]!.ids), o.requestTimeoutMs);
    }
    type Job = { kind: "timed"; pass: number; p: PromptItem } | { kind: "score"; p: PromptItem };
    const jobs: Job[] = [];
    for (let pass = 0; pass < ch.metric.repeats; pass++)
      for (const p of set.prompts) jobs.push({ kind: "timed", pass, p });
    if (score) for (const p of set.prompts) if (set.reference.has(p.id)) jobs.push({ kind: "score", p });
    const order = shuffle(jobs, seededRng(o.seed + block * 2 + (arm === "candidate" ? 0 : 1)));
    const passes = Array.from({ length: ch.metric.repeats }, () => ({
      tokens: 0,
      seconds: 0,
      ttft: [] as number[],
    }));
    const outputs = new Map<string, number[]>();
    const scoring: { nll: number; n: number }[] = [];
    let tokens = 0;
    for (const job of order) {
      if (Date.now() > deadline)
        throw new DeadlineError(`the run passed its ${ch.job_timeout_minutes}-minute cap`);
      if (job.kind === "timed") {
        const m = await streamCompletion(ep, timedReq(job.p.ids), o.requestTimeoutMs);
        if (m.tokens.length !== ch.metric.max_tokens)
          throw new Error(
            `prompt ${job.p.id}: the engine returned ${m.tokens.length} tokens, expected max_tokens = ${ch.metric.max_tokens} (ignore_eos is set)`,
          );
        const tps = decodeTps(m);
        if (!Number.isFinite(tps))
          throw new Error(`prompt ${job.p.id}: could not time the decode (all tokens arrived at once)`);
        const pass = passes[job.pass]!;
        pass.tokens += m.tokens.length - 1;
        pass.seconds += (m.lastTokenAt - m.firstTokenAt) / 1000;
        pass.ttft.push(m.firstTokenAt - m.start);
        tokens += m.tokens.length;
        // The first timed pass of each prompt is the one verified against the reference.
        if (!outputs.has(job.p.id)) outputs.set(job.p.id, m.tokens);
      } else {
        const ref = set.reference.get(job.p.id)!;
        const ids = [...job.p.ids, ...ref.output];
        const r = await completion(
          ep,
          {
            model: SERVED_NAME,
            prompt: ids,
            max_tokens: 1,
            temperature: 0,
            seed: 0,
            prompt_logprobs: 0,
            add_special_tokens: false,
            return_token_ids: true,
            cache_salt: randomBytes(8).toString("hex"),
          },
          o.requestTimeoutMs,
        );
        const lps = r.choices[0]!.prompt_logprobs;
        if (!lps || lps.length !== ids.length)
          throw new Error(
            `prompt ${job.p.id}: prompt_logprobs has ${lps?.length ?? 0} entries, expected ${ids.length}`,
          );
        let nll = 0;
        for (let i = job.p.ids.length; i < ids.length; i++) {
          const e = lps[i]?.[String(ids[i])];
          if (!e || e.logprob <= -9999)
            throw new Error(`prompt ${job.p.id}: no usable logprob for position ${i}`);
          nll -= e.logprob;
        }
        scoring.push({ nll, n: ref.output.length });
      }
    }
    const runs = passes.map((p) => p.tokens / p.seconds);
    const allTtft = passes.flatMap((p) => p.ttft);
    const canonical = JSON.stringify([...outputs.entries()].sort((a, b) => a[0].localeCompare(b[0])));
    return {
      record: {
        arm,
        slug: c.slug,
        block,
        position,
        startMs: round(engine.startMs, 1),
        runs: runs.map((r) => round(r, 3)),
        ttftMs: round(allTtft.reduce((a, b) => a + b, 0) / allTtft.length, 3),
        tokens,
        outputsSha256: sha256(canonical),
      },
      outputs,
      ...(score ? { scoring } : {}),
    };
  } finally {
    await engine?.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

function comparisonRecord(c: Comparison): ComparisonRecord {
  return {
    verdict: c.verdict,
    design: c.design,
    estimate: c.estimate,
    ci: c.ci,
    confidence: c.confidence,
    relative: c.relative,
    delta: c.delta,
    deltaSpec: c.deltaSpec,
    alpha: c.alpha,
    alphaPerLook: c.alphaPerLook,
    blocks: c.blocks,
    look: c.look,
    mde: Number.isFinite(c.mde) ? c.mde : -1,
    pValue: Number.isFinite(c.tests.pairedT?.p ?? c.tests.welch.p)
      ? (c.tests.pairedT?.p ?? c.tests.welch.p)
      : null,
    wilcoxonP: c.tests.wilcoxon && Number.isFinite(c.tests.wilcoxon.p) ? c.tests.wilcoxon.p : null,
    candidateMean: c.arms.candidate.mean,
    incumbentMean: c.arms.incumbent.mean,
    reasons: c.reasons,
    warnings: c.warnings.slice(0, 10),
  };
}

export interface BenchResult {
  record: RunRecord;
  comparison?: Comparison;
  /** Per-prompt outputs of the candidate's first launch on the public set (for the audit file). */
  outputs: Map<string, number[]>;
}

/** Runs blocks of fresh launches in seeded balanced order up to the planned looks, verifies, confirms. */
export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const ch = o.challenge;
  const progress = o.progress ?? silentProgress;
  const startedAt = new Date().toISOString();
  const deadline = Date.now() + (o.deadlineMs ?? ch.job_timeout_minutes * 60_000);
  const looks = o.blocks ? [o.blocks] : ch.significance.looks;
  const maxBlocks = looks[looks.length - 1]!;
  const order = blockOrder(maxBlocks, o.seed);
  const launches: LaunchRecord[] = [];
  const quality: { candidate: QualityResult | null; incumbent: QualityResult | null } = {
    candidate: null,
    incumbent: null,
  };
  let candOutputs = new Map<string, number[]>();
  let comparison: Comparison | undefined;
  let status: RunRecord["status"] = "ok";
  let reason: string | undefined;
  const base = {
    version: 1 as const,
    id: o.id,
    challenge: ch.id,
    candidate: { slug: o.candidate.slug, ...(o.candidate.commit ? { commit: o.candidate.commit } : {}) },
    incumbent: { slug: o.incumbent.slug, ...(o.incumbent.commit ? { commit: o.incumbent.commit } : {}) },
    ...(o.requester ? { requester: o.requester } : {}),
    ...(o.credited ? { credited: o.credited } : {}),
    ...(o.pr ? { pr: o.pr } : {}),
    runner: {
      id: o.runner.id,
      hardware: o.runner.hardware,
      engine: await o.launcher.version().catch(() => o.launcher.kind),
      harness: o.harness ?? "velodrome 0.1.0",
    },
    design: {
      seed: o.seed,
      order: order.map((b) => (b[0] === "candidate" ? ("CI" as const) : ("IC" as const))),
      looks,
      warmup: ch.metric.warmup,
      repeats: ch.metric.repeats,
      prompts: o.public.prompts.length,
      maxTokens: ch.metric.max_tokens,
    },
  };
  progress.start(maxBlocks * 2, `bench ${o.candidate.slug} vs ${o.incumbent.slug}`);
  try {
    let block = 0;
    for (const look of looks) {
      for (; block < look; block++) {
        for (const [position, arm] of order[block]!.entries()) {
          const c = arm === "candidate" ? o.candidate : o.incumbent;
          const first = !launches.some((l) => l.arm === arm);
          const r = await runLaunch(o, arm, c, block, position, o.public, first, deadline);
          launches.push(r.record);
          if (first && r.scoring) {
            const ppl = corpusPerplexity(r.scoring);
            const q = judgeQuality(
              ch,
              ppl,
              o.public.referencePpl,
              greedyAgreement(new Map([...o.public.reference].map(([k, v]) => [k, v.output])), r.outputs),
            );
            quality[arm] = q;
            if (arm === "candidate") candOutputs = r.outputs;
          }
          progress.tick(
            `block ${block + 1}: ${arm} ${c.slug} ${r.record.runs.map((x) => x.toFixed(1)).join("/")} tok/s`,
          );
        }
      }
      const obs: Launch[] = launches.map((l) => ({
        arm: l.arm,
        launch: `${l.block}-${l.arm}`,
        block: l.block,
        runs: l.runs,
      }));
      comparison = compare(obs, {
        alpha: ch.significance.alpha,
        minEffect: ch.significance.min_effect,
        looks,
        seed: o.seed,
      });
      progress.line(
        `look ${comparison.look.index}/${looks.length} after ${block} blocks: ${comparison.verdict} (Δ ${comparison.estimate.toFixed(2)} tok/s, CI [${comparison.ci[0].toFixed(2)}, ${comparison.ci[1].toFixed(2)}])`,
      );
      if (comparison.verdict !== "inconclusive") break;
      if (look !== maxBlocks)
        progress.start(maxBlocks * 2, `bench ${o.candidate.slug} vs ${o.incumbent.slug} (extended)`);
    }
    if (quality.candidate && !quality.candidate.ok) {
      status = "invalid";
      reason = `verification failed: ${quality.candidate.reasons.join("; ")}`;
    }
  } catch (e) {
    status = "error";
    reason = e instanceof DeadlineError ? e.message : `${(e as Error).message}`.slice(0, 2000);
  } finally {
    progress.done();
  }
  // Confirmation: a claimed lead is re-run on the private set; it stands only within tolerance.
  let confirmation: RunRecord["confirmation"] = { status: "skipped", reason: "not a claim to the lead" };
  if (status === "ok" && comparison?.verdict === "faster") {
    if (!o.private)
      confirmation = {
        status: "pending",
        reason: "no private prompt set on this runner; the lead is provisional until confirmed",
      };
    else {
      try {
        const r = await runLaunch(o, "candidate", o.candidate, maxBlocks, 0, o.private, true, deadline);
        const tps = r.record.runs.reduce((a, b) => a + b, 0) / r.record.runs.length;
        const claim = comparison.arms.candidate.mean;
        const ratio = tps / claim;
        const q = judgeQuality(
          ch,
          corpusPerplexity(r.scoring ?? []),
          o.private.referencePpl,
          greedyAgreement(new Map([...o.private.reference].map(([k, v]) => [k, v.output])), r.outputs),
        );
        const ok = ratio >= 1 - ch.verification.confirm_tolerance && q.ok;
        confirmation = {
          status: ok ? "confirmed" : "failed",
          tps: round(tps, 1),
          claim: round(claim, 1),
          ratio: round(ratio, 3),
          quality: {
            ok: q.ok,
            pplIncrease: round(q.pplIncrease, 3),
            exactFraction: round(q.greedy.exactFraction, 2),
          },
          ...(ok
            ? {}
            : {
                reason:
                  ratio < 1 - ch.verification.confirm_tolerance
                    ? `private re-run reached ${round(ratio * 100, 1)}% of the claimed speed (tolerance ${ch.verification.confirm_tolerance * 100}%)`
                    : "quality failed on the private set",
              }),
        };
      } catch (e) {
        confirmation = {
          status: "failed",
          reason: `private re-run failed: ${(e as Error).message}`.slice(0, 500),
        };
      }
    }
  }
  const strip = (q: QualityResult | null) =>
    q
      ? {
          ok: q.ok,
          ppl: q.ppl,
          pplReference: q.pplReference,
          pplIncrease: q.pplIncrease,
          greedy: {
            prompts: q.greedy.prompts,
            exact: q.greedy.exact,
            exactFraction: q.greedy.exactFraction,
            meanPrefixFraction: q.greedy.meanPrefixFraction,
          },
          reasons: q.reasons,
        }
      : null;
  const record = RunRecordSchema.parse({
    ...base,
    status,
    ...(reason ? { reason } : {}),
    launches,
    comparison: comparison && status !== "error" ? comparisonRecord(comparison) : null,
    quality: { candidate: strip(quality.candidate), incumbent: strip(quality.incumbent) },
    confirmation,
    startedAt,
    finishedAt: new Date().toISOString(),
  });
  return { record, ...(comparison ? { comparison } : {}), outputs: candOutputs };
}

/** Reference outputs and perplexity, made once from the baseline with plain greedy decoding. */
export async function makeReference(
  launcher: EngineLauncher,
  challenge: Challenge,
  baseline: Contender,
  prompts: PromptItem[],
  workDir: string,
): Promise<{ lines: ReferenceLine[]; ppl: number }> {
  const scratch = join(workDir, "reference");
  const engine = await launcher.launch({
    slug: baseline.slug,
    manifest: baseline.manifest,
    challenge,
    scratch,
    logFile: join(workDir, "logs", "reference.log"),
    startTimeoutMs: 10 * 60_000,
  });
  try {
    const lines: ReferenceLine[] = [];
    for (const p of prompts) {
      const m = await streamCompletion(engine.endpoint, {
        model: SERVED_NAME,
        prompt: p.ids,
        max_tokens: challenge.metric.max_tokens,
        temperature: 0,
        seed: 0,
        ignore_eos: true,
        stream: true,
        add_special_tokens: false,
        return_token_ids: true,
      });
      const ids = [...p.ids, ...m.tokens];
      const r = await completion(engine.endpoint, {
        model: SERVED_NAME,
        prompt: ids,
        max_tokens: 1,
        temperature: 0,
        seed: 0,
        prompt_logprobs: 0,
        add_special_tokens: false,
        return_token_ids: true,
      });
      let nll = 0;
      for (let i = p.ids.length; i < ids.length; i++)
        nll -= r.choices[0]!.prompt_logprobs![i]![String(ids[i])]!.logprob;
      lines.push({ id: p.id, output: m.tokens, nll, n: m.tokens.length });
    }
    return { lines, ppl: corpusPerplexity(lines) };
  } finally {
    await engine.stop();
  }
}
