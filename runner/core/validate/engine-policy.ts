import { VllmArgs } from "../schema/submission.ts";

/**
 * What a submission may never set on the engine, whatever the challenge's allow-list says. The
 * engine runs the author's configuration on the organizers' machine: anything that loads code,
 * reaches the network, reads credentials or changes how the harness talks to the engine is owned
 * by the harness.
 */

/**
 * vLLM `serve` flags the harness owns (names without `--`). Each is refused as a typed argument
 * and in `extra_args`, including argparse abbreviations of it (`--trust-remote` is accepted by
 * vLLM's parser as `--trust-remote-code`).
 */
export const HARNESS_OWNED_FLAGS = [
  // How the trusted client reaches the engine
  "host",
  "port",
  "uds",
  "api-key",
  "served-model-name",
  "root-path",
  "ssl-keyfile",
  "ssl-certfile",
  "ssl-ca-certs",
  "allowed-origins",
  "headless",
  "api-server-count",
  "data-parallel-address",
  "data-parallel-rpc-port",
  "data-parallel-supervisor-port",
  "grpc-port",
  "master-addr",
  "master-port",
  "skip-tokenizer-init",
  "tokens-only",
  "return-tokens-as-token-ids",
  // What is measured and how it is sampled
  "model",
  "revision",
  "config",
  "seed",
  "generation-config",
  "max-logprobs",
  "disable-log-requests",
  "enable-force-include-usage",
  "override-generation-config",
  // Aliases of speculative-config fields: they would skip the typed setting's checks
  "spec-model",
  "spec-tokens",
  // Code the engine would import or run
  "trust-remote-code",
  "worker-cls",
  "worker-extension-cls",
  "plugins",
  "middleware",
  "tool-parser-plugin",
  "reasoning-parser-plugin",
  "logits-processors",
  "chat-template",
  "hf-token",
  "scheduler-cls",
  "model-class-overrides",
  "io-processor-plugin",
  "logging-config",
  // Files and network outside the sandbox's scratch
  "download-dir",
  "code-revision",
  "tokenizer-revision",
  "hf-config-path",
  "log-config-file",
  "otlp-traces-endpoint",
  "kv-transfer-config",
  "kv-events-config",
  "allowed-local-media-path",
  "lora-modules",
  "model-loader-extra-config",
  "profiler-config",
  "tool-server",
  "allowed-media-domains",
  "weight-transfer-config",
  "ec-transfer-config",
  "mm-encoder-fp8-scale-path",
  "mm-encoder-fp8-scale-save-path",
  "distributed-executor-backend",
  // JSON settings with a key that names code (found by listing vLLM 0.32's parser and reading each
  // config's fields): structured-outputs-config.reasoning_parser_plugin is a Python file vLLM
  // imports at start-up (the typed `reasoning-parser-plugin` flag by another door), and
  // ec-manager-config.encoder_cache_manager_cls a class it imports by qualified name.
  "structured-outputs-config",
  "ec-manager-config",
] as const;

/**
 * `load-format` values a submission may pick: ways to read the organizers' checkpoint. Others
 * reach another process or server (ipc_cache, modelexpress, runai_streamer, tensorizer), write a
 * cache beside the shared model (npcache) or load random weights (dummy).
 */
export const SAFE_LOAD_FORMATS = [
  "auto",
  "hf",
  "safetensors",
  "fastsafetensors",
  "instanttensor",
  "pt",
  "mistral",
];

/** Keys inside `compilation-config` that name Python code or paths: refused like owned flags. */
export const UNSAFE_COMPILATION_KEYS = [
  "backend",
  "inductor_passes",
  "debug_dump_path",
  "cache_dir",
  "local_cache_dir",
];

/**
 * Environment variables a submission can never set, even when the challenge's allow-list
 * matches them (the deny-list always wins). `*` matches any run of characters; names are
 * compared case-insensitively, since `http_proxy` and `HTTP_PROXY` both work.
 */
export const ENV_DENY_PATTERNS = [
  // Code loading: dynamic linker, interpreters, shells
  "LD_*",
  "DYLD_*",
  "PYTHON*",
  "NODE_OPTIONS",
  "NODE_PATH",
  "BASH_ENV",
  "ENV",
  "PERL5*",
  "RUBY*",
  "PATH",
  // Network routes
  "*_PROXY",
  // Credentials and CI plumbing
  "HF_TOKEN",
  "HF_HUB_*",
  "HF_ENDPOINT",
  "HUGGING_FACE_HUB_TOKEN",
  "GITHUB_*",
  "GH_*",
  "ACTIONS_*",
  "RUNNER_*",
  "AWS_*",
  "*_TOKEN",
  "*_SECRET",
  "*_PASSWORD",
  "*_API_KEY",
  // The harness itself and the GPU assignment
  "VELODROME_*",
  "HOME",
  "TMPDIR",
  "CUDA_VISIBLE_DEVICES",
  "NVIDIA_VISIBLE_DEVICES",
  // vLLM settings that load code, open ports or change the served API
  "VLLM_HOST_IP",
  "VLLM_PORT",
  "VLLM_API_KEY",
  "VLLM_PLUGINS",
  "VLLM_CONFIGURE_LOGGING",
  "VLLM_LOGGING_CONFIG_PATH",
  "VLLM_ALLOW_RUNTIME_LORA_UPDATING",
  "VLLM_ALLOW_INSECURE_SERIALIZATION",
  "VLLM_USE_MODELSCOPE",
  "VLLM_RPC_BASE_PATH",
  "VLLM_TORCH_PROFILER_DIR",
  "VLLM_CACHE_ROOT",
  "VLLM_CONFIG_ROOT",
  // Found by reading vLLM 0.32's envs.py and torch's Inductor: settings that name a library to
  // load, a program to run, a folder to read or write, or a host to reach (VLLM_NCCL_SO_PATH,
  // VLLM_CUDART_SO_PATH, VLLM_RUST_FRONTEND_PATH with VLLM_USE_RUST_FRONTEND,
  // VLLM_CUDA_COMPATIBILITY_PATH prepended to the library path, VLLM_DEBUG_DUMP_PATH,
  // VLLM_MODEL_REDIRECT_PATH…), and the C/C++ compilers Inductor runs inside the engine.
  "VLLM_*_PATH",
  "VLLM_*_DIR",
  "VLLM_*_FOLDER",
  "VLLM_*_HOST",
  "VLLM_USE_RUST_*",
  "VLLM_ENABLE_CUDA_COMPATIBILITY",
  // Also from envs.py: a server to reach (VLLM_USAGE_STATS_SERVER), hosts (VLLM_DP_MASTER_IP,
  // VLLM_LOOPBACK_IP), folders (VLLM_ASSETS_CACHE), the test switch that forces a load format past
  // the load-format check (VLLM_TEST_FORCE_LOAD_FORMAT) and the server's debug endpoints.
  "VLLM_*_SERVER",
  "VLLM_*_IP",
  "VLLM_*_IPS",
  "VLLM_*_CACHE",
  "VLLM_*_LOCATION",
  "VLLM_TEST_*",
  "VLLM_SERVER_DEV_MODE",
  // Inductor's and Triton's caches load compiled libraries from the folder they name.
  "TORCHINDUCTOR_*",
  "TRITON_*",
  "TORCH_EXTENSIONS_DIR",
  "CC",
  "CXX",
] as const;

function globMatches(pattern: string, name: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "i").test(name);
}

/** The deny-list pattern that refuses `name`, if any. */
export function deniedBy(name: string): string | undefined {
  return ENV_DENY_PATTERNS.find((p) => globMatches(p, name));
}

/** Allowed when the challenge's list matches it (a trailing `*` matches a prefix) and no deny pattern does. */
export function envAllowed(name: string, allow: readonly string[]): boolean {
  if (deniedBy(name)) return false;
  return allow.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));
}

/**
 * The flag name vLLM's parser would see for one `extra_args` element, or undefined when the
 * element is a value. vLLM turns `_` into `-` before the first `.`, reads `--x=v` as `--x v`,
 * and `--json-arg.key v` sets one key of a JSON argument.
 */
export function flagName(arg: string): string | undefined {
  if (!arg.startsWith("--") || arg === "--") return undefined;
  const name = arg.slice(2).split("=")[0]!.split(".")[0]!;
  return name.replace(/_/g, "-").toLowerCase();
}

/** `no-enforce-eager` is the negative form of `enforce-eager` when that is one of `flags`. */
const positive = (name: string, flags: readonly string[]) =>
  name.startsWith("no-") && flags.includes(name.slice(3)) ? name.slice(3) : name;

/** The flag among `flags` that `name` is, exactly or as its `--no-` form. */
export function flagExact(name: string, flags: readonly string[]): string | undefined {
  const bare = positive(name, flags);
  return flags.find((f) => f === bare);
}

/** The flag among `flags` that `name` abbreviates (argparse expands unambiguous prefixes). */
export function flagAbbreviates(name: string, flags: readonly string[]): string | undefined {
  const bare = positive(name, flags);
  return bare.length >= 2 ? flags.find((f) => f.startsWith(bare)) : undefined;
}

/**
 * The flag among `flags` that `name` selects: itself, its `--no-` form, or an abbreviation
 * (a prefix of one or more flags; ambiguous ones vLLM rejects anyway, so refusing them is safe).
 */
export function flagSelects(name: string, flags: readonly string[]): string | undefined {
  return flagExact(name, flags) ?? flagAbbreviates(name, flags);
}

/** vLLM arguments the schema types: they must be set typed, where their values are checked. */
export const TYPED_FLAGS = Object.keys(VllmArgs.shape).filter((k) => k !== "extra_args");

/**
 * Which refused flag a name selects. As in argparse, an exact name wins over an abbreviation:
 * `--tokenizer` is the typed `tokenizer`, though it also abbreviates `--tokenizer-revision`.
 */
export function classifyFlag(name: string): { kind: "owned" | "typed"; flag: string } | undefined {
  for (const match of [flagExact, flagAbbreviates]) {
    const owned = match(name, HARNESS_OWNED_FLAGS);
    if (owned) return { kind: "owned", flag: owned };
    const typed = match(name, TYPED_FLAGS);
    if (typed) return { kind: "typed", flag: typed };
  }
  return undefined;
}

/** The first harness-owned flag among command-line arguments, as written; for fail-closed launchers. */
export function ownedFlagIn(args: readonly string[]): string | undefined {
  return args.find((arg) => {
    const name = flagName(arg);
    return name !== undefined && classifyFlag(name)?.kind === "owned";
  });
}
