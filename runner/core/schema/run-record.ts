import { z } from "zod";
import { Login, Slug, Verdict } from "./common.ts";

const finite = z.number().finite();
const Tps = z.number().finite().positive().max(1e6);
const Sha = z.string().regex(/^[0-9a-f]{40}$|^[0-9a-f]{64}$/);

export const LaunchRecord = z.strictObject({
  arm: z.enum(["candidate", "incumbent"]),
  slug: Slug,
  block: z.number().int().min(0),
  position: z.number().int().min(0).max(1), // 0: first in its block
  /** Engine start measured by the launcher: from spawn to `/health` ok and the model served (ms). */
  startMs: finite.nonnegative(),
  // Output tok/s of each timed pass: tokens over the time from sending each request to its last token.
  runs: z.array(Tps).min(1).max(100),
  ttftMs: finite.nonnegative(),
  /** The inter-token distribution of the timed streams (gaps between token-carrying chunks, ms). */
  interTokenMs: z
    .strictObject({ p50: finite.nonnegative(), p90: finite.nonnegative(), max: finite.nonnegative() })
    .optional(),
  tokens: z.number().int().nonnegative(),
  /** The prompt group both arms of this block decoded (index into the design's groups; issue 12). */
  group: z.number().int().min(0).max(4096).optional(),
  /**
   * Per-prompt timings, what variance components are estimated from: one `[prompt, tokens, seconds]`
   * per timed request (prompt: index in the public set), pass after pass, prompts in index order.
   */
  perPrompt: z
    .array(z.tuple([z.number().int().min(0), z.number().int().nonnegative(), finite.positive()]))
    .max(4096)
    .optional(),
  /** The machine (runner, or worker process of one host) that ran this launch's whole block. */
  machine: z.string().max(100).optional(),
  outputsSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type LaunchRecord = z.infer<typeof LaunchRecord>;

const Greedy = z.strictObject({
  prompts: z.number().int().nonnegative(),
  exact: z.number().int().nonnegative(),
  exactFraction: z.number().min(0).max(1),
  meanPrefixFraction: z.number().min(0).max(1),
});
const Count = z.number().int().nonnegative();
/** Greedy identity of the timed outputs with the arm's own plain decode (near-ties excepted). */
const Identity = z.strictObject({
  ok: z.boolean(),
  prompts: Count,
  passed: Count,
  exact: Count,
  min: z.number().min(0).max(1),
  tieMargin: finite.nonnegative(),
});
/** The trusted scorer's mean NLL per token (nats) of the timed outputs and of the plain-decode outputs. */
const OutputNll = z.strictObject({
  ok: z.boolean(),
  prompts: Count,
  nll: finite.nonnegative(),
  nllPlain: finite.nonnegative(),
  increase: finite,
  worse: Count,
  max: finite.nonnegative(),
  /** The largest single prompt's increase (nats/token) and its bound; absent in older records. */
  worst: finite.nonnegative().optional(),
  maxPrompt: finite.nonnegative().optional(),
});
/**
 * Which verification an arm's quality comes from: its own plain decode and the trusted scorer (the
 * rule), its plain decode without the scorer, or agreement with the baseline's outputs only (a look
 * gathered from other runners, where no engine may start). Only the first is ranked.
 */
export const VerifiedBy = z.enum(["plain-decode+scorer", "plain-decode", "baseline-agreement"]);
export type VerifiedBy = z.infer<typeof VerifiedBy>;
/**
 * The three checks side by side: checkpoint perplexity (ppl…), identity with the plain decode, and
 * decode-path NLL under the trusted scorer; `greedy` (agreement with the baseline) is information.
 * Records made before identity and outputNll existed lack them (then `greedy` was the gate).
 */
export const Quality = z.strictObject({
  ok: z.boolean(),
  ppl: finite.positive(),
  pplReference: finite.positive(),
  pplIncrease: finite,
  maxPplIncrease: finite.nonnegative().optional(),
  greedy: Greedy,
  identity: Identity.optional(),
  outputNll: OutputNll.optional(),
  verifiedBy: VerifiedBy.optional(),
  reasons: z.array(z.string().max(500)).max(10),
});

export const ComparisonRecord = z.strictObject({
  verdict: Verdict,
  design: z.enum(["paired", "unpaired"]),
  estimate: finite,
  ci: z.tuple([finite, finite]),
  confidence: z.number().gt(0).lt(1),
  relative: z.strictObject({ estimate: finite, ci: z.tuple([finite, finite]) }),
  delta: finite.nonnegative(),
  deltaSpec: z.string().max(40),
  alpha: z.number().gt(0).lt(1),
  alphaPerLook: z.number().gt(0).lt(1),
  blocks: z.number().int().nonnegative(),
  look: z.strictObject({
    index: z.number().int(),
    of: z.number().int(),
    blocks: z.number().int(),
    final: z.boolean(),
    next: z.number().int().optional(),
  }),
  mde: z.number(),
  pValue: z.number().min(0).max(1).nullable(),
  wilcoxonP: z.number().min(0).max(1).nullable(),
  candidateMean: Tps,
  incumbentMean: Tps,
  reasons: z.array(z.string().max(500)).max(10),
  warnings: z.array(z.string().max(500)).max(10),
});
export type ComparisonRecord = z.infer<typeof ComparisonRecord>;

/**
 * How a run ended: `ok` measured and verified; `invalid` measured, but the candidate failed
 * verification (its submission's standing then reads `failed`, see standings.ts); `error` stopped
 * before a result; `negative` a recorded dead end (no GPU run).
 */
export const RunStatus = z.enum(["ok", "invalid", "error", "negative"]);

/**
 * Whether a run claims the lead: measured, verified, and faster than the incumbent. Such a claim is
 * re-run on the private prompt set before it stands (its `confirmation`); whether it then moves
 * the lead is standings.ts's movesLead.
 */
export const claimsLead = (status: z.infer<typeof RunStatus>, verdict: Verdict | undefined): boolean =>
  status === "ok" && verdict === "faster";

/**
 * One benchmark run: everything needed to audit and re-derive its verdict. Validated on write and
 * on read; the GitHub publish job also validates the runner's JSON against it (a strict schema with
 * finite numbers in range, enums and a size cap), since the runner machine is not trusted to write git.
 */
export const RunRecord = z.strictObject({
  version: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9._-]{1,80}$/),
  challenge: Slug,
  status: RunStatus,
  reason: z.string().max(2000).optional(),
  candidate: z.strictObject({ slug: Slug, commit: Sha.optional() }),
  incumbent: z.strictObject({ slug: Slug, commit: Sha.optional() }),
  requester: z.strictObject({ login: Login, id: z.number().int().nonnegative() }).optional(),
  credited: Login.optional(),
  pr: z.number().int().positive().optional(),
  runner: z.strictObject({
    id: z.string().max(100),
    hardware: z.string().max(300),
    engine: z.string().max(200),
    harness: z.string().max(100),
  }),
  design: z.strictObject({
    seed: z.number().int().nonnegative(),
    order: z.array(z.enum(["CI", "IC"])).max(64),
    looks: z.array(z.number().int()).max(8),
    warmup: z.number().int().nonnegative(),
    repeats: z.number().int().positive(),
    prompts: z.number().int().nonnegative(),
    /** Prompts each launch decoded (seeded groups rotated across blocks); absent: all of them. */
    promptsPerGroup: z.number().int().positive().optional(),
    maxTokens: z.number().int().positive(),
  }),
  launches: z.array(LaunchRecord).max(128),
  comparison: ComparisonRecord.nullable(),
  quality: z.strictObject({ candidate: Quality.nullable(), incumbent: Quality.nullable() }),
  confirmation: z.strictObject({
    status: z.enum(["confirmed", "failed", "skipped", "pending"]),
    tps: Tps.optional(), // rounded aggregate only: the private set never leaves the runner
    claim: Tps.optional(),
    ratio: finite.optional(),
    quality: z
      .strictObject({
        ok: z.boolean(),
        pplIncrease: z.number().finite(),
        exactFraction: z.number().min(0).max(1),
      })
      .optional(),
    reason: z.string().max(500).optional(),
  }),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/**
 * The look (1-based) a run gathered from the runner matrix must run next, because no share holds
 * its blocks yet; null once every look the run needs has run. Data the workflow reads (evaluate.yml's
 * gather job), never a thrown error or a line of output to grep.
 */
export const NextLook = z.number().int().min(1).max(8).nullable();

/** An error that stopped `velodrome evaluate` before any bench (fixed phrases only: the file is public). */
const EarlyError = z.strictObject({
  version: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
  status: z.literal("error"),
  reason: z.string().max(2000),
});

/** The result file `velodrome evaluate` writes: the releasable record (or an early error) and the next look. */
export const EvaluateResult = z.union([
  RunRecord.extend({ nextLook: NextLook }),
  EarlyError.extend({ nextLook: z.null() }),
]);
export type EvaluateResult = z.infer<typeof EvaluateResult>;

/** Largest result JSON the publish job accepts from a runner. */
export const MAX_RECORD_BYTES = 256 * 1024;

export function parseRunRecord(text: string): { record?: RunRecord; error?: string } {
  if (text.length > MAX_RECORD_BYTES)
    return { error: `run record is ${text.length} bytes, over the ${MAX_RECORD_BYTES} byte cap` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { error: `run record is not JSON: ${(e as Error).message}` };
  }
  // An evaluate result (EvaluateResult) carries `nextLook`: only a run whose looks are all in is published.
  const { nextLook, ...record } = isObject(json) ? json : { nextLook: undefined };
  if (nextLook !== undefined && nextLook !== null)
    return { error: `nextLook: look ${String(nextLook).slice(0, 8)} has not run yet; the run is not final` };
  const r = RunRecord.safeParse(isObject(json) ? record : json);
  if (!r.success)
    return {
      error: r.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(record)"}: ${i.message}`)
        .join("; "),
    };
  return { record: r.data };
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);
