import { z } from "zod";
import { Login, MinEffect, RepoPath, Slug } from "./common.ts";

export const EngineKind = z.enum(["vllm", "embedded"]);
export type EngineKind = z.infer<typeof EngineKind>;

const Looks = z
  .array(z.number().int().min(2))
  .min(1)
  .refine((a) => a.every((v, i) => i === 0 || v > a[i - 1]!), {
    message: "looks must be strictly increasing block counts, e.g. [6, 12]",
  });

// --- Design from budget (issue 12): budget, prompt groups and the runner pool; read by `velodrome plan`.
const SignificanceDesign = {
  budget: z
    .strictObject({
      gpu_minutes: z.number().positive().describe("Expected GPU minutes one verdict may cost."),
      job_minutes: z
        .number()
        .positive()
        .max(360)
        .optional()
        .describe("Cap of one matrix job in minutes; default job_timeout_minutes."),
    })
    .optional()
    .describe("What a verdict may cost; `velodrome plan --recommend` designs within it."),
  prompts_per_group: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Prompts each launch decodes (seeded groups, rotated across blocks); default all of them."),
};
const RunnerPool = z
  .strictObject({
    count: z.number().int().min(1).describe("Runners a look's blocks are fanned out over."),
    label: z.string().min(1).describe("Runner label that selects the pool's machines."),
  })
  .describe("The pool of identical self-hosted runners that run the blocks.");
// --- end of the design-from-budget block.

export const ChallengeSchema = z.strictObject({
  schema: z.literal(1).describe("Version of this file's format."),
  id: Slug.describe("Stable identifier of the challenge, used in run records."),
  title: z.string().min(1).max(120),
  summary: z.string().min(1).describe("One paragraph for the site's home page."),
  model: z.strictObject({
    id: z.string().min(1).describe("Hugging Face id or local path of the reference checkpoint."),
    revision: z.string().min(1).describe("Pinned revision (commit) of the checkpoint."),
  }),
  engine: z.strictObject({
    kind: EngineKind.describe(
      "`vllm` on GPU runners; `embedded` is the CPU llama.cpp engine used locally and in CI.",
    ),
    version: z.string().min(1).describe("Pinned engine version, e.g. `0.22.0`."),
    allow_nightly: z.boolean().default(false).describe("May a submission pin a nightly build instead?"),
    env_allow: z
      .array(z.string().regex(/^[A-Z_][A-Z0-9_]*\*?$/))
      .default(["VLLM_*"])
      .describe(
        "Environment variables a submission may set; a trailing * matches a prefix. The deny-list " +
          "(LD_*, PYTHON*, *_PROXY, credentials, VELODROME_*, …) always wins over this list.",
      ),
  }),
  hardware: z.strictObject({
    runner_labels: z
      .array(z.string().min(1))
      .min(1)
      .describe("Labels of the self-hosted runners that run evaluations."),
    description: z.string().min(1),
    sandbox: z
      .strictObject({
        memory_gib: z
          .number()
          .positive()
          .max(4096)
          .optional()
          .describe("Engine memory limit, GiB (default 8)."),
        tmp_mib: z
          .number()
          .int()
          .positive()
          .max(1048576)
          .optional()
          .describe("Size of the engine's /tmp, MiB (default 256)."),
        shm_mib: z
          .number()
          .int()
          .positive()
          .max(1048576)
          .optional()
          .describe("Shared memory (/dev/shm) of an OCI engine container, MiB (default: tmp_mib)."),
      })
      .optional()
      .describe("Limits of the engine's sandbox on a runner; unset fields keep the defaults."),
  }),
  metric: z.strictObject({
    name: z.literal("decode_tps"),
    batch_size: z.literal(1),
    prompts: RepoPath.describe("Public prompt set (JSONL) used for timing."),
    max_tokens: z.number().int().min(2).max(65536),
    warmup: z.number().int().min(0).max(64),
    repeats: z.number().int().min(1).max(100).describe("Timed passes over the prompt set per launch."),
    launches_per_block: z.literal(2).default(2).describe("One candidate and one incumbent launch per block."),
  }),
  verification: z.strictObject({
    max_ppl_increase: z
      .number()
      .min(0)
      .max(1)
      .describe("Largest allowed relative perplexity increase over the reference, e.g. 0.05."),
    min_greedy_exact: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe(
        "Fraction of prompts whose timed greedy output must be identical to the submission's own plain " +
          "greedy decode (a divergence counts as identical only at a near-tie, see tie_margin).",
      ),
    min_greedy_prefix: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe("No longer a gate (kept so older files still parse): the prefix is reported as information."),
    tie_margin: z
      .number()
      .min(0)
      .max(5)
      .default(0.5)
      .describe(
        "Logprob gap (nats) between the plain decode's top two tokens below which a divergence is a " +
          "near-tie that engine non-determinism explains, not a violation.",
      ),
    decode_only: z
      .array(z.string().min(1))
      .optional()
      .describe(
        "Engine args that change only how tokens are decoded, never the checkpoint; the plain-decode " +
          'reference drops them. Default: ["speculative-config", "speculative_config"] for vLLM, ["draft"] embedded.',
      ),
    max_output_nll_increase: z
      .number()
      .min(0)
      .max(5)
      .default(0.05)
      .describe(
        "Largest allowed increase, in nats per token, of the trusted reference's mean NLL of the timed " +
          "outputs over that of the submission's own plain-decode outputs (0.05 ≈ +5% output perplexity).",
      ),
    max_prompt_nll_increase: z
      .number()
      .min(0)
      .max(10)
      .default(1)
      .describe(
        "Largest allowed increase, in nats per token, on any single prompt: the trusted reference's NLL " +
          "of its timed output over that of its plain-decode output. Catches a careless decode after a " +
          "near-tie divergence, which identity lets pass and the pooled bound dilutes.",
      ),
    reference: z
      .strictObject({
        ppl_public: z.number().positive().optional(),
        outputs: RepoPath.optional().describe(
          "Reference greedy outputs (JSONL of token ids), made once from the baseline.",
        ),
      })
      .default({}),
    private_prompts: z
      .string()
      .refine((p) => p.startsWith("/"), {
        message: "the private prompt set must be an absolute path on the runner, outside the repository",
      })
      .describe("Absolute path on the runner; never committed."),
    confirm_tolerance: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe("A claimed lead stands only if the private re-run is within this fraction of the claim."),
    reverify_top: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(3)
      .describe(
        "The daily re-verification (reverify.yml) re-runs the top k of the standings on the private set; 0: off.",
      ),
    reverify_issue: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("The board thread where the bot posts re-verification failures (also broadcast to inboxes)."),
  }),
  quota: z.strictObject({
    window_hours: z.number().positive().default(24),
    per_agent: z.number().int().min(0).default(10),
    per_owner: z.number().int().min(0).default(30),
  }),
  significance: z.strictObject({
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    min_effect: MinEffect.describe('δ: absolute tok/s (number) or relative to the incumbent ("1%").'),
    looks: Looks.default([6, 12]).describe("Block counts at which the sequential test looks."),
    seed: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("Fixed seed for block order; by default derived from the run id."),
    min_blocks: z
      .number()
      .int()
      .min(2)
      .max(32)
      .optional()
      .describe(
        "Fewest blocks a participant's `/bench --blocks N` may ask for (default: the first look), so " +
          "nobody can re-roll a low-power design until noise says faster.",
      ),
    ...SignificanceDesign,
  }),
  runners: RunnerPool.optional(),
  job_timeout_minutes: z.number().positive().max(360).default(20),
  organizers: z.array(Login).min(1),
  baseline: Slug.describe("Slug of the submission every other one is first compared with."),
  data_branch: z
    .string()
    .regex(/^[A-Za-z0-9._/-]+$/)
    .default("velodrome-data"),
});

export type Challenge = z.output<typeof ChallengeSchema>;
