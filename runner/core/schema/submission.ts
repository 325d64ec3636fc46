import { z } from "zod";
import { Login, RepoPath, Slug } from "./common.ts";

/**
 * vLLM `serve` arguments, keyed by their command-line names without the leading `--`, so a value
 * copied from vLLM's documentation lands here unchanged. Typed where vLLM has types
 * (vllm/config/*.py); anything else goes through `extra_args`, visibly.
 */
export const VllmQuantization = z.enum([
  "awq",
  "awq_marlin",
  "gptq",
  "gptq_marlin",
  "gptq_marlin_24",
  "compressed-tensors",
  "fp8",
  "fbgemm_fp8",
  "modelopt",
  "modelopt_fp4",
  "bitsandbytes",
  "gguf",
  "experts_int8",
  "marlin",
  "torchao",
  "mxfp4",
  "quark",
  "moe_wna16",
  "ptpc_fp8",
  "inc",
]);
export const VllmKvCacheDtype = z.enum([
  "auto",
  "bfloat16",
  "fp8",
  "fp8_e4m3",
  "fp8_e5m2",
  "fp8_inc",
  "fp8_ds_mla",
]);
export const SpeculativeMethod = z.enum([
  "ngram",
  "medusa",
  "mlp_speculator",
  "draft_model",
  "suffix",
  "eagle",
  "eagle3",
  "mtp",
  "ngram_gpu",
]);

export const SpeculativeConfig = z.strictObject({
  method: SpeculativeMethod.optional(),
  model: z
    .string()
    .min(1)
    .optional()
    .describe("Draft model: a model hub id such as `org/name`, pinned by `revision` (never a path)."),
  num_speculative_tokens: z.number().int().min(1).max(64),
  draft_tensor_parallel_size: z.number().int().min(1).optional(),
  quantization: VllmQuantization.optional(),
  max_model_len: z.number().int().positive().optional(),
  revision: z.string().min(1).optional(),
  prompt_lookup_min: z.number().int().min(1).optional(),
  prompt_lookup_max: z.number().int().min(1).optional(),
  disable_padded_drafter_batch: z.boolean().optional(),
  parallel_drafting: z.boolean().optional(),
  enforce_eager: z.boolean().optional(),
});

export const CudaGraphMode = z.enum(["NONE", "PIECEWISE", "FULL", "FULL_DECODE_ONLY", "FULL_AND_PIECEWISE"]);
/** CompilationConfig has many keys; the ones the runner relies on are typed, others pass through. */
export const CompilationConfig = z.looseObject({
  mode: z.number().int().min(0).max(3).optional(),
  cudagraph_mode: CudaGraphMode.optional(),
  cudagraph_capture_sizes: z.array(z.number().int().positive()).optional(),
  max_cudagraph_capture_size: z.number().int().positive().optional(),
});

export const VllmArgs = z.strictObject({
  quantization: VllmQuantization.optional(),
  dtype: z.enum(["auto", "half", "float16", "bfloat16", "float", "float32"]).optional(),
  "kv-cache-dtype": VllmKvCacheDtype.optional(),
  "speculative-config": SpeculativeConfig.optional(),
  "max-num-seqs": z.number().int().min(1).optional(),
  "max-model-len": z.number().int().min(16).optional(),
  "max-num-batched-tokens": z.number().int().min(1).optional(),
  "gpu-memory-utilization": z.number().gt(0).max(1).optional(),
  "compilation-config": CompilationConfig.optional(),
  "enforce-eager": z.boolean().optional(),
  "enable-prefix-caching": z.boolean().optional(),
  "async-scheduling": z.boolean().optional(),
  "hf-overrides": z.record(z.string(), z.unknown()).optional(),
  "load-format": z.string().min(1).optional(),
  "attention-backend": z.string().min(1).optional(),
  tokenizer: z
    .string()
    .min(1)
    .optional()
    .describe("A tokenizer committed in this submission's folder (relative path); hub ids are refused."),
  "logprobs-mode": z
    .enum(["raw_logprobs", "raw_logits", "processed_logprobs", "processed_logits"])
    .optional(),
  extra_args: z
    .array(z.string())
    .default([])
    .describe(
      "Arguments vLLM accepts that are not typed above, passed verbatim, e.g. " +
        '["--disable-cascade-attn"]. Flags the harness owns (host, port, trust-remote-code, …) ' +
        "and flags typed above are refused.",
    ),
});
export type VllmArgs = z.output<typeof VllmArgs>;

/** Quantization types the embedded engine's model generator writes (llama.cpp GGML types). */
export const EmbeddedQuant = z.enum(["f32", "f16", "q8_0", "q4_0"]);
export type EmbeddedQuant = z.infer<typeof EmbeddedQuant>;

export const EmbeddedArgs = z.strictObject({
  quantization: EmbeddedQuant.default("f32").describe("Weight type of the generated target model."),
  threads: z.number().int().min(1).max(64).default(1),
  "batch-size": z.number().int().min(1).max(4096).default(512),
  "context-size": z.number().int().min(64).max(8192).default(1024),
  draft: z
    .strictObject({
      model: z
        .string()
        .regex(/^[a-z0-9-]+$/)
        .describe("A generated draft model, e.g. `draft`."),
      quantization: EmbeddedQuant.default("f32"),
      tokens: z.number().int().min(1).max(16).describe("Draft tokens proposed per step."),
      acceptance: z
        .enum(["exact", "top2", "loose-after-tie"])
        .default("exact")
        .describe(
          "`exact` keeps greedy output identical; `top2` is lossy and fails verification; " +
            "`loose-after-tie` (lossy) takes the runner-up at the first near-tie, then accepts drafts unverified.",
        ),
    })
    .optional(),
});
export type EmbeddedArgs = z.output<typeof EmbeddedArgs>;

const EnvVars = z
  .record(
    z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { message: "expected an upper-case environment variable name" }),
    z.string().max(4096),
  )
  .describe(
    "Environment variables (string values: quote numbers) matching the challenge's env_allow. " +
      "Variables that load code, route the network, carry credentials or belong to the harness " +
      "(LD_*, PYTHON*, *_PROXY, HF_TOKEN, GITHUB_*, VELODROME_*, …) are always refused.",
  );

export const VllmEngine = z.strictObject({
  kind: z.literal("vllm"),
  version: z
    .string()
    .regex(/^\d+\.\d+\.\d+([.+-][\w.+-]+)?$/)
    .optional()
    .describe("Pin a vLLM version; defaults to the challenge's."),
  nightly: z.boolean().default(false).describe("Run on a nightly build (only if the challenge allows it)."),
  args: VllmArgs.default({ extra_args: [] }),
  env: EnvVars.default({}),
});
export const EmbeddedEngine = z.strictObject({
  kind: z.literal("embedded"),
  args: EmbeddedArgs.default({ quantization: "f32", threads: 1, "batch-size": 512, "context-size": 1024 }),
  env: EnvVars.default({}),
});
export const SubmissionEngine = z.discriminatedUnion("kind", [VllmEngine, EmbeddedEngine]);
export type SubmissionEngine = z.output<typeof SubmissionEngine>;

export const SubmissionSchema = z.strictObject({
  schema: z.literal(1).describe("Version of this file's format."),
  title: z.string().trim().min(1).max(100),
  description: z.string().max(20_000).default("").describe("Markdown: what changed and why."),
  authors: z.array(Login).min(1).describe("GitHub logins of the authors; the first is the contact."),
  parents: z.array(Slug).default([]).describe("Slugs of the submissions this one builds on."),
  credits: z
    .array(z.strictObject({ who: Login, for: z.string().trim().min(1).max(300) }))
    .default([])
    .describe("People or agents whose ideas or code this uses, and for what."),
  model: z
    .strictObject({ id: z.string().min(1), revision: z.string().min(1) })
    .optional()
    .describe("A checkpoint other than the challenge's reference (e.g. an int4 export)."),
  engine: SubmissionEngine,
  tags: z
    .array(z.string().regex(/^[a-z0-9-]+$/))
    .max(10)
    .default([]),
  kernels: z
    .array(RepoPath)
    .default([])
    .describe("Files under this submission's kernels/ folder that the engine loads."),
});
export type Submission = z.output<typeof SubmissionSchema>;
export type SubmissionInput = z.input<typeof SubmissionSchema>;
