import type { Challenge } from "./schema/challenge.ts";
import type { Submission, VllmArgs } from "./schema/submission.ts";
import { deniedBy, ownedFlagIn } from "./validate/engine-policy.ts";

/**
 * A manifest the launchers refuse even if validation was skipped (fail closed): a harness-owned
 * flag or a denied environment variable never reaches an engine.
 */
export class RefusedEngineConfig extends Error {
  override name = "RefusedEngineConfig";
}

/** The served name every engine answers to, so the client never depends on a submission's naming. */
export const SERVED_NAME = "velodrome";

export interface ServeOptions {
  /** Absolute path of the submission's folder: a `tokenizer` is read from inside it. */
  submissionDir?: string;
}

/**
 * A submission's tokenizer as the engine should open it: inside the submission folder (vLLM
 * runs in a scratch directory, and a bare `org/name` would be fetched from the hub instead).
 */
function tokenizerPath(tokenizer: string, submissionDir: string | undefined): string {
  const parts = tokenizer.split("/");
  if (tokenizer.startsWith("/") || tokenizer.startsWith("~") || parts.includes(".."))
    throw new RefusedEngineConfig(`tokenizer \`${tokenizer}\` points outside the submission folder`);
  if (submissionDir === undefined) return tokenizer;
  const inside = parts.filter((p) => p !== "." && p !== "").join("/");
  return `${submissionDir.replace(/\/+$/, "")}/${inside}`;
}

/**
 * `vllm serve` argv for a submission: the harness-owned flags first (the Unix socket, served
 * name, seed, generation config, logprob cap), then the submission's typed args, then
 * `extra_args`. The engine listens only on `socket` (`--uds`; vLLM then ignores host and port):
 * no TCP port, so a sandbox without network still lets the trusted client in. A harness-owned
 * flag in `extra_args` is refused, so the harness's values are the only ones vLLM sees.
 * JSON-valued args are passed as JSON, which vLLM accepts for every config object.
 */
export function vllmServeArgv(
  sub: Submission,
  challenge: Challenge,
  socket: string,
  opts: ServeOptions = {},
): string[] {
  if (sub.engine.kind !== "vllm") throw new Error("vllmServeArgv needs a vllm submission");
  const model = sub.model?.id ?? challenge.model.id;
  const revision = sub.model?.revision ?? challenge.model.revision;
  const argv = [
    "serve",
    model,
    "--revision",
    revision,
    "--uds",
    socket,
    "--served-model-name",
    SERVED_NAME,
    "--seed",
    "0",
    "--generation-config",
    "vllm",
    "--max-logprobs",
    "20",
  ];
  const args = sub.engine.args as VllmArgs;
  const owned = ownedFlagIn(args.extra_args);
  if (owned) throw new RefusedEngineConfig(`extra_args sets the harness-owned flag \`${owned}\``);
  for (const [key, value] of Object.entries(args)) {
    if (key === "extra_args" || value === undefined) continue;
    if (typeof value === "boolean") argv.push(value ? `--${key}` : `--no-${key}`);
    else if (typeof value === "object") argv.push(`--${key}`, JSON.stringify(value));
    else if (key === "tokenizer") argv.push(`--${key}`, tokenizerPath(String(value), opts.submissionDir));
    else argv.push(`--${key}`, String(value));
  }
  return [...argv, ...args.extra_args];
}

/**
 * Environment for an engine: the submission's (validated against the challenge's allow-list),
 * then what the harness sets. A name on the deny-list is refused here too.
 */
export function engineEnv(sub: Submission, base: Record<string, string>): Record<string, string> {
  const denied = Object.keys(sub.engine.env).find((name) => deniedBy(name));
  if (denied) throw new RefusedEngineConfig(`env sets \`${denied}\`, which no submission may set`);
  return { ...sub.engine.env, ...base };
}
