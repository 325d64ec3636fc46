import { join } from "node:path";
import { linkedModules, vllmLauncher } from "../adapters/engines/launch.ts";
import { ensureModel } from "../adapters/engines/models.ts";
import type { EngineLauncher, Sandbox } from "../ports.ts";

export interface StandinOptions {
  /** This program's checkout: the stand-in's code, node_modules and generated models live there. */
  programRoot: string;
  sandbox: Sandbox;
  /** The challenge repository (submission folders), when it is not the program's checkout. */
  repoRoot?: string;
}

/** Path of the stand-in `vllm` executable shipped in this checkout. */
export const standinBin = (programRoot: string) => join(programRoot, "runner/audit/vllm-standin");

/**
 * The real vLLM launcher (same argv, socket, environment and sandbox) with the stand-in `vllm`
 * as its binary. The stand-in reads the program's code and models, so those are bound read-only;
 * the model is generated before the launch, since the sandboxed stand-in cannot write it.
 */
export function vllmStandinLauncher(o: StandinOptions): EngineLauncher {
  const modelsDir = join(o.programRoot, ".velodrome/models");
  const inner = async () =>
    vllmLauncher({
      vllmBin: standinBin(o.programRoot),
      sandbox: o.sandbox,
      repoRoot: o.repoRoot ?? o.programRoot,
      // runner/ comes with the binary's prefix; tsx needs node_modules and package.json (ESM).
      readOnly: [
        join(o.programRoot, "node_modules"),
        join(o.programRoot, "package.json"),
        modelsDir,
        ...(await linkedModules(o.programRoot)),
      ],
      env: { VELODROME_NODE: process.execPath, VELODROME_MODELS_DIR: modelsDir },
    });
  return {
    kind: "vllm",
    version: async () => (await inner()).version(),
    async launch(spec) {
      await ensureModel(modelsDir, "target", "f32");
      return (await inner()).launch(spec);
    },
  };
}
