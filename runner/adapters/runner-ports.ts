import { join } from "node:path";
import type { BenchPorts } from "../flows/benchmark.ts";
import type { EngineLauncher, Progress } from "../ports.ts";
import { httpEngineClient } from "./engines/client.ts";
import { embeddedLauncher, vllmLauncher } from "./engines/launch.ts";
import { bubblewrap, bubblewrapAvailable, noSandbox } from "./sandbox/sandbox.ts";
import { nodeWorkFiles } from "./work-files.ts";

/** How engines are confined: `auto` takes bubblewrap where the machine has it. */
export type SandboxMode = "auto" | "bwrap" | "none";
export const SANDBOX_MODES: readonly SandboxMode[] = ["auto", "bwrap", "none"];

/** The engine launcher of a challenge's engine kind; engine code and models come from `programRoot`. */
export function makeLauncher(
  kind: "embedded" | "vllm",
  programRoot: string,
  mode: SandboxMode,
): EngineLauncher {
  if (kind === "vllm") return vllmLauncher({ port: 8000 + (process.pid % 1000), sandbox: noSandbox });
  const useBwrap = mode === "bwrap" || (mode === "auto" && bubblewrapAvailable());
  const sandbox = useBwrap ? bubblewrap() : noSandbox;
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
