import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bundleEngine } from "../adapters/engines/embedded/bundle.ts";
import { GENERATED_BASELINE } from "../core/hf/challenge.ts";
import { submissionDir } from "../core/layout.ts";
import { SubmissionSchema, type Submission } from "../core/schema/submission.ts";

/**
 * How submission code reaches a real vLLM process, for `velodrome audit --engine vllm`: vLLM's CPU
 * build compiles the model with torch.compile (Inductor) unless `enforce-eager` is set, and
 * `compilation-config.inductor_compile_config` is handed to Inductor as is. Its `cpp.cxx` is the
 * list of C++ compilers Inductor tries, each run as `<cxx> --version` inside the engine (then the
 * first that answers builds the kernels vLLM loads). A submission naming an executable in its own
 * folder there runs its code as the engine, inside the sandbox. The validator refuses that since
 * the audit found it (`inductor_compile_config` takes only booleans and numbers); the audit goes
 * around the validator on purpose, so that the next route it misses is known to be contained too.
 */
export const KERNEL_ROUTE = 'compilation-config.inductor_compile_config["cpp.cxx"]';

/**
 * Writes the hostile submission into `repoRoot/submissions/<slug>/kernels/`: the shipped hostile
 * engine bundled into one file (attack-only: it tries every escape in `<scratch>/audit-plan.json`,
 * writes its report there and exits), and `cc`, the "compiler" that runs it once and then answers
 * as a missing compiler, so that Inductor goes on to the real `g++` and the engine comes up.
 * Returns the manifest that names `cc` first in `cpp.cxx`.
 */
export async function writeKernelSubmission(
  programRoot: string,
  repoRoot: string,
  slug: string,
  scratch: string,
): Promise<Submission> {
  const kernels = join(repoRoot, submissionDir(slug), "kernels");
  await mkdir(kernels, { recursive: true });
  const attack = await bundleEngine(join(programRoot, "runner/audit/hostile-engine.ts"), kernels);
  const cc = join(kernels, "cc");
  await writeFile(
    cc,
    [
      "#!/bin/sh",
      "# Inductor runs `cc --version` to pick a compiler: run the attacks once, then decline.",
      `if mkdir ${JSON.stringify(join(scratch, ".attacked"))} 2>/dev/null; then`,
      `  cd ${JSON.stringify(scratch)} && /usr/bin/node ${JSON.stringify(attack)} --attack-only >/dev/null 2>&1`,
      "fi",
      "exit 1",
      "",
    ].join("\n"),
  );
  await chmod(cc, 0o755);
  const args = GENERATED_BASELINE.engine.kind === "vllm" ? GENERATED_BASELINE.engine.args : {};
  return SubmissionSchema.parse({
    schema: 1,
    title: "hostile kernel",
    authors: ["audit"],
    engine: {
      kind: "vllm",
      args: {
        ...args,
        "enforce-eager": false,
        "compilation-config": { inductor_compile_config: { "cpp.cxx": [cc, "g++"] } },
      },
    },
    kernels: ["kernels/cc"],
  });
}
