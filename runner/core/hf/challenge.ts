import { tokenizeBytes } from "../gguf/generate.ts";
import { ChallengeSchema, type Challenge } from "../schema/challenge.ts";
import { SubmissionSchema, type Submission } from "../schema/submission.ts";

/**
 * A vLLM challenge on the generated Llama (`runner/core/hf/model.ts`) as a local folder: what the
 * real-vLLM tests and `velodrome doctor` launch. The weights are the organizer's (a local folder
 * is made readable to the sandboxed engine); nothing is fetched.
 */
export function generatedModelChallenge(modelFolder: string, maxTokens = 12): Challenge {
  return ChallengeSchema.parse({
    schema: 1,
    id: "vllm-generated",
    title: "vLLM on the generated model",
    summary: "The seeded Llama the project writes, on vLLM.",
    model: { id: modelFolder, revision: "main" },
    engine: { kind: "vllm", version: "0.32.0", env_allow: ["VLLM_*"] },
    hardware: { runner_labels: ["cpu"], description: "any runner" },
    metric: {
      name: "decode_tps",
      batch_size: 1,
      prompts: "p.jsonl",
      max_tokens: maxTokens,
      warmup: 0,
      repeats: 1,
    },
    verification: {
      max_ppl_increase: 0.05,
      min_greedy_exact: 0.9,
      min_greedy_prefix: 0.9,
      private_prompts: "/srv/private.jsonl",
    },
    quota: {},
    significance: { min_effect: "1%" },
    organizers: ["velodrome-org"],
    baseline: "baseline",
  });
}

/**
 * The baseline on vLLM's CPU build: eager (the default Inductor C++ build takes minutes on 2
 * cores), float32 (on AVX2, bf16 runs no faster), one sequence. GPU builds accept it too.
 */
export const GENERATED_BASELINE: Submission = SubmissionSchema.parse({
  schema: 1,
  title: "baseline",
  authors: ["velodrome-org"],
  engine: {
    kind: "vllm",
    args: { dtype: "float32", "enforce-eager": true, "max-model-len": 512, "max-num-seqs": 1 },
  },
});

/** The doctor's prompt, as token ids (BOS, then UTF-8 bytes). */
export const DOCTOR_PROMPT = tokenizeBytes("The quick brown fox");
