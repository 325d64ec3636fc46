import type { Challenge } from "./schema/challenge.ts";
import type { Submission } from "./schema/submission.ts";

/**
 * The plain-decode configuration of a submission: the same checkpoint and engine settings with the
 * decode-time-only options (speculative decoding, drafts) switched off. Its greedy outputs are what
 * the submission's timed outputs must be identical to. Pure.
 */

/** Decode-time-only engine args when the challenge lists none. */
export const DEFAULT_DECODE_ONLY: Record<Submission["engine"]["kind"], readonly string[]> = {
  vllm: ["speculative-config", "speculative_config"],
  embedded: ["draft"],
};

/** The challenge's decode-time-only args for an engine kind (its list, else the default). */
export function decodeOnlyArgs(
  challenge: Pick<Challenge, "verification">,
  kind: Submission["engine"]["kind"],
) {
  return challenge.verification.decode_only ?? DEFAULT_DECODE_ONLY[kind];
}

/**
 * Drops `--name value` and `--name=value` from verbatim extra args, for every listed name in either
 * spelling (vLLM accepts `--speculative-config` and `--speculative_config`).
 */
function stripExtraArgs(extra: readonly string[], names: readonly string[]): string[] {
  const flags = new Set(
    names.flatMap((n) => [`--${n}`, `--${n.replaceAll("_", "-")}`, `--${n.replaceAll("-", "_")}`]),
  );
  const out: string[] = [];
  for (let i = 0; i < extra.length; i++) {
    const a = extra[i]!;
    const name = a.split("=")[0]!;
    if (!flags.has(name)) out.push(a);
    else if (!a.includes("=") && i + 1 < extra.length && !extra[i + 1]!.startsWith("--")) i++;
  }
  return out;
}

/** The manifest with its decode-time-only args removed (typed args and verbatim extra args alike). */
export function stripDecodeOnly(manifest: Submission, names: readonly string[]): Submission {
  const args: Record<string, unknown> = { ...manifest.engine.args };
  for (const name of names) delete args[name];
  if (Array.isArray(args.extra_args)) args.extra_args = stripExtraArgs(args.extra_args as string[], names);
  return { ...manifest, engine: { ...manifest.engine, args } as Submission["engine"] };
}

/**
 * What identifies a plain-decode reference: the stripped engine configuration and what it is asked
 * (the engine version, max_tokens and the prompts' token ids). Text to hash, in a stable key order.
 */
export function plainReferenceKey(
  stripped: Submission,
  challenge: Pick<Challenge, "engine" | "metric">,
  prompts: readonly { id: string; ids: readonly number[] }[],
): string {
  const config = { model: stripped.model ?? null, engine: stripped.engine, kernels: stripped.kernels };
  return stableJson({
    config,
    engine: challenge.engine.version,
    maxTokens: challenge.metric.max_tokens,
    prompts: prompts.map((p) => [p.id, p.ids]),
  });
}

/** JSON with object keys sorted at every level, so equal configurations give equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Gap (nats) between the two largest logprobs of one position's top-k entries; null when fewer than two. */
export function topTwoGap(entries: readonly { logprob: number }[]): number | null {
  const lps = entries.map((e) => e.logprob).sort((a, b) => b - a);
  return lps.length >= 2 ? lps[0]! - lps[1]! : null;
}
