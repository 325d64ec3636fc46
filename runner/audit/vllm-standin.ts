// A stand-in `vllm` executable for hosts without vLLM (CI, laptops), so the vLLM launcher and its
// sandbox are exercised exactly as on a GPU runner. It speaks the part of vLLM's command line the
// launcher uses: `vllm --version` and `vllm serve <model> --uds PATH [--served-model-name N] …`
// (every other flag is accepted and ignored). It serves the embedded engine's target model on the
// socket; when the auditor left `audit-plan.json` in its working directory (the engine's scratch),
// it becomes the shipped hostile engine instead, so `velodrome audit --engine vllm` attacks from
// inside the vLLM launch path. Run through the `vllm-standin` shell wrapper next to this file.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dirname, "../..");
export const STANDIN_VERSION = "0.0.0+velodrome-standin";

/** The socket and served name of a `serve` command line; refuses anything but a Unix socket. */
function serveOptions(args: string[]): { uds: string; served: string } {
  const { values } = parseArgs({
    args,
    strict: false,
    allowPositionals: true,
    options: {
      uds: { type: "string" },
      "served-model-name": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
    },
  });
  // The contract the launcher must keep: a Unix socket, never a TCP port.
  if (typeof values.uds !== "string" || values.host !== undefined || values.port !== undefined)
    throw new Error("the vllm stand-in serves only on a Unix socket: pass --uds PATH and no --host/--port");
  const served = values["served-model-name"];
  return { uds: values.uds, served: typeof served === "string" ? served : "velodrome" };
}

/** The hostile engine, as if it were vLLM: it reads its plan from the working directory. */
async function runHostile(uds: string, served: string): Promise<void> {
  process.argv = [process.argv[0]!, "hostile-engine", "--listen", `unix:${uds}`, "--served-name", served];
  await import("./hostile-engine.ts");
}

/** The embedded engine on the socket, serving the target model (generated ahead by the launcher). */
async function runEmbedded(uds: string, served: string): Promise<void> {
  const { ensureModel } = await import("../adapters/engines/models.ts");
  const { skipBinaryTest } = await import("../adapters/engines/embedded/skip-binary-test.ts");
  skipBinaryTest(); // before server.ts imports node-llama-cpp
  const { serverMain } = await import("../adapters/engines/embedded/server.ts");
  const modelsDir = process.env.VELODROME_MODELS_DIR ?? join(ROOT, ".velodrome/models");
  const model = await ensureModel(modelsDir, "target", "f32");
  await serverMain(["--model", model, "--served-name", served, "--listen", `unix:${uds}`]);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${STANDIN_VERSION}\n`);
    return 0;
  }
  if (command !== "serve") {
    process.stderr.write(
      "usage: vllm serve <model> --uds PATH [--served-model-name NAME] | vllm --version\n",
    );
    return 2;
  }
  const { uds, served } = serveOptions(rest);
  if (existsSync("audit-plan.json")) await runHostile(uds, served);
  else await runEmbedded(uds, served);
  return -1; // serving: the process lives until the launcher stops it
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`vllm stand-in failed: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
