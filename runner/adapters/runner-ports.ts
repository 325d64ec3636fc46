import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { NotFound } from "../core/errors.ts";
import type { BenchPorts } from "../flows/run/types.ts";
import type { EngineLauncher, Progress, SandboxLimits } from "../ports.ts";
import { httpEngineClient } from "./engines/client.ts";
import { embeddedLauncher, vllmLauncher } from "./engines/launch.ts";
import { selectSandbox, usesOci, type SandboxMode } from "./sandbox/select.ts";
import { nodeWorkFiles } from "./work-files.ts";

export { SANDBOX_MODES, type SandboxMode } from "./sandbox/select.ts";

/** Where a runner's vLLM lives when it is not `vllm` on PATH (a venv's `bin/vllm`). */
export const VLLM_BIN_ENV = "VELODROME_VLLM_BIN";
/** Where `npm run setup:vllm` installs vLLM (`.ci/setup-vllm`; VELODROME_VLLM_VENV moves it). */
export const VLLM_VENV_ENV = "VELODROME_VLLM_VENV";

/**
 * The `vllm` this runner uses: VELODROME_VLLM_BIN, else `npm run setup:vllm`'s venv when it
 * exists, else `vllm` on PATH (undefined: the launcher runs `vllm`).
 */
export function vllmBinary(env: Record<string, string | undefined> = process.env): string | undefined {
  if (env[VLLM_BIN_ENV]) return env[VLLM_BIN_ENV];
  const venv = env[VLLM_VENV_ENV] ?? join(env.HOME ?? homedir(), ".cache/velodrome/vllm-venv");
  const bin = join(venv, "bin/vllm");
  return existsSync(bin) ? bin : undefined;
}

/** Where `name` is on the PATH of `env` (no shell), as a spawn would find it. */
export function onPath(name: string, env: Record<string, string | undefined>): string | undefined {
  for (const dir of (env.PATH ?? "").split(":"))
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/**
 * The host's vLLM (bench, doctor, audit): VELODROME_VLLM_BIN, the `npm run setup:vllm` venv or
 * `vllm` on PATH; else NotFound, in one line that says what to install.
 */
export function locateVllm(env: Record<string, string | undefined> = process.env): string {
  const bin = vllmBinary(env);
  if (bin && existsSync(bin)) return bin;
  const found = bin ? undefined : onPath("vllm", env);
  if (found) return found;
  const where = bin
    ? `${VLLM_BIN_ENV}=${bin} does not exist`
    : "no vllm in the setup:vllm venv (~/.cache/velodrome/vllm-venv) or on PATH";
  throw new NotFound(
    `vLLM is not installed (${where}): run \`npm run setup:vllm\` (CPU build, any machine), or install vLLM and set ${VLLM_BIN_ENV}`,
  );
}

/**
 * Fails at once, in one line, where a vLLM bench could not start its engine: no OCI image is
 * configured (there the image brings its own vLLM) and the host has none (`locateVllm`).
 * Returns the binary that will run.
 */
export function requireVllm(
  mode: SandboxMode,
  env: Record<string, string | undefined> = process.env,
): string {
  return usesOci(mode, env) ? "vllm (the OCI image's)" : locateVllm(env);
}

/**
 * Settings the harness gives every vLLM launch. VLLM_CPU_KVCACHE_SPACE (GiB, CPU builds only;
 * ignored on GPU): unset, vLLM's CPU build takes half of the machine's memory for its KV cache.
 * The runner's own value wins over the default of 1 GiB.
 */
export function vllmHarnessEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { VLLM_CPU_KVCACHE_SPACE: env.VLLM_CPU_KVCACHE_SPACE ?? "1" };
}

/**
 * The engine launcher of a challenge's engine kind, confined by the sandbox `mode` selects
 * (fail-closed for both engines: only an explicit `none` runs one unconfined). Engine code and
 * models come from `programRoot`; `repoRoot` is the challenge repository whose submission folders
 * vLLM may read (a tokenizer there), when the submissions are checked out in it.
 */
export function makeLauncher(
  kind: "embedded" | "vllm",
  programRoot: string,
  mode: SandboxMode,
  repoRoot?: string,
  limits?: SandboxLimits,
): EngineLauncher {
  const sandbox = selectSandbox(mode, limits ? { limits } : {});
  if (kind === "vllm") {
    // In an OCI sandbox the image's own `vllm` runs, never a host venv's.
    const vllmBin = usesOci(mode) ? undefined : vllmBinary();
    return vllmLauncher({
      sandbox,
      env: vllmHarnessEnv(),
      ...(vllmBin ? { vllmBin } : {}),
      ...(repoRoot ? { repoRoot } : {}),
    });
  }
  return embeddedLauncher({
    repoRoot: programRoot,
    modelsDir: join(programRoot, ".velodrome/models"),
    sandbox,
  });
}

/** The production ports of a benchmark on this machine. */
export function nodeBenchPorts(launcher: EngineLauncher, progress: Progress): BenchPorts {
  return { launcher, client: httpEngineClient, files: nodeWorkFiles, clock: () => Date.now(), progress };
}
