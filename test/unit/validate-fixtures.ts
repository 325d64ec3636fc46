/**
 * In-memory inputs for the validation unit tests: a challenge, a valid manifest, and a helper that
 * runs the schema and every rule on one manifest text (no files, no git).
 */
import { ChallengeSchema, type Challenge } from "../../runner/core/schema/challenge.ts";
import { parseSubmission } from "../../runner/core/validate/manifest.ts";
import type { Problem } from "../../runner/core/validate/problem.ts";
import { checkSubmissionRules, type LoadedSubmission } from "../../runner/core/validate/rules.ts";

export function challengeWith(engine: Partial<Challenge["engine"]> = {}): Challenge {
  return ChallengeSchema.parse({
    schema: 1,
    id: "unit",
    title: "Unit challenge",
    summary: "A challenge for unit tests.",
    model: { id: "org/model", revision: "abc123" },
    engine: { kind: "vllm", version: "0.22.0", env_allow: ["VLLM_*"], ...engine },
    hardware: { runner_labels: ["gpu"], description: "one GPU" },
    metric: { name: "decode_tps", batch_size: 1, prompts: "p.jsonl", max_tokens: 16, warmup: 0, repeats: 1 },
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

/** A valid vLLM manifest; tests patch one line at a time. Line numbers are stable. */
export const MANIFEST = `schema: 1
title: int4 weights
description: Tuned the draft length.
authors: [alice]
parents: [baseline]
engine:
  kind: vllm
  args:
    kv-cache-dtype: fp8
    max-num-seqs: 1
    speculative-config:
      method: mtp
      num_speculative_tokens: 4
  env:
    VLLM_USE_V1: "1"
`;

export const FILE = "submissions/x/submission.yaml";

/** Schema problems, or the loaded submission when the schema passes. */
export function load(text: string, files: string[] = ["submission.yaml"]) {
  const parsed = parseSubmission(FILE, text);
  const sub: LoadedSubmission | undefined = parsed.value
    ? { slug: "x", file: FILE, manifest: parsed.value, yaml: parsed.yaml, files }
    : undefined;
  return { problems: parsed.problems, sub };
}

/** Everything validation says about one manifest: schema problems, else rule problems. */
export function validate(text: string, opts: { challenge?: Challenge; files?: string[] } = {}): Problem[] {
  const { problems, sub } = load(text, opts.files);
  if (!sub) return problems;
  return checkSubmissionRules(opts.challenge ?? challengeWith(), [sub], ["baseline", "x"]);
}

export const codes = (ps: readonly Problem[]) => ps.map((p) => p.code);
export const only = (ps: readonly Problem[], code: Problem["code"]) => ps.filter((p) => p.code === code);
