import { join } from "node:path";
import type { BenchPorts } from "../flows/run/types.ts";
import type { EngineLauncher, Progress } from "../ports.ts";
import { httpEngineClient } from "./engines/client.ts";
import { embeddedLauncher, vllmLauncher } from "./engines/launch.ts";
import { selectSandbox, type SandboxMode } from "./sandbox/select.ts";
import { nodeWorkFiles } from "./work-files.ts";

export { SANDBOX_MODES, type SandboxMode } from "./sandbox/select.ts";

/** Where a runner's vLLM lives when it is not `vllm` on PATH (a venv's `bin/vllm`). */
export const VLLM_BIN_ENV = "VELODROME_VLLM_BIN";

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
): EngineLauncher {
  const sandbox = selectSandbox(mode);
  if (kind === "vllm") {
    const vllmBin = process.env[VLLM_BIN_ENV];
    return vllmLauncher({ sandbox, ...(vllmBin ? { vllmBin } : {}), ...(repoRoot ? { repoRoot } : {}) });
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
