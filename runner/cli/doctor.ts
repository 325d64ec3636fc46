import { spawnSync } from "node:child_process";
import { access, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";
import { httpEngineClient } from "../adapters/engines/client.ts";
import { ensureHfModel } from "../adapters/engines/hf-models.ts";
import { vllmLauncher, vllmVersion } from "../adapters/engines/launch.ts";
import { locateVllm, onPath, vllmHarnessEnv } from "../adapters/runner-ports.ts";
import { ociOptionsFromEnv } from "../adapters/sandbox/oci.ts";
import { SANDBOX_MODES, selectSandbox, usesOci, type SandboxMode } from "../adapters/sandbox/select.ts";
import { nodeWorkFiles } from "../adapters/work-files.ts";
import { DOCTOR_PROMPT, GENERATED_BASELINE, generatedModelChallenge } from "../core/hf/challenge.ts";
import { DOCTOR_REFERENCE } from "../core/hf/reference.ts";
import { parsePrompts } from "../core/prompts.ts";
import { ChallengeSchema, type Challenge } from "../core/schema/challenge.ts";
import {
  decodeInSandbox,
  DoctorProblem,
  runDoctor,
  type DoctorReport,
  type DoctorStep,
} from "../flows/doctor.ts";
import type { Sandbox } from "../ports.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const OPTIONS = {
  engine: {
    type: "string",
    choices: ["vllm"],
    default: "vllm",
    description: "the engine this runner serves",
  },
  sandbox: {
    type: "string",
    choices: SANDBOX_MODES.filter((m) => m !== "none"),
    default: "auto",
    description: "the sandbox engines run in: auto, bwrap or oci",
  },
  repo: {
    type: "string",
    placeholder: "DIR",
    description: "a challenge repository: its model's weights and private prompt set are checked too",
  },
  json: { type: "boolean", description: "print one JSON object { ok, engine, sandbox, checks: [...] }" },
} as const;

export const DOCTOR: CommandSpec = {
  name: "doctor",
  summary: "A runner host's preflight: sandbox, engine, accelerator, weights, private set, one real decode.",
  description:
    "Every failure says what to fix. The last check launches the engine in the sandbox on a model the\n" +
    "project generates and compares one greedy decode with the reference. Exit 1 if any check failed.",
  options: OPTIONS,
};

const SETUP_FIX =
  "run `npm run setup:vllm` (vLLM's CPU build from PyPI), or set VELODROME_VLLM_BIN to a `vllm`";

interface Ctx {
  mode: SandboxMode;
  env: Record<string, string | undefined>;
  sandbox?: Sandbox;
  bin?: string;
  version?: string;
  challenge?: Challenge;
  repo?: string;
}

function sandboxSteps(ctx: Ctx): DoctorStep[] {
  const oci = usesOci(ctx.mode, ctx.env);
  return [
    {
      name: "sandbox",
      run: async () => {
        try {
          ctx.sandbox = selectSandbox(ctx.mode);
        } catch (e) {
          throw new DoctorProblem(
            (e as Error).message,
            "install or configure the sandbox as the message says",
          );
        }
        const o = oci ? ociOptionsFromEnv(ctx.env) : undefined;
        if (o && !onPath(o.runtime, ctx.env))
          throw new DoctorProblem(
            `${o.runtime} is not installed`,
            `install ${o.runtime}, or set VELODROME_OCI_RUNTIME`,
          );
        return ctx.sandbox.name;
      },
    },
    {
      name: "image pinned",
      needs: ["sandbox"],
      run: async () => {
        const o = oci ? ociOptionsFromEnv(ctx.env) : undefined;
        if (!o) return "skip: bubblewrap runs the host's vLLM; no image";
        if (!/@sha256:[0-9a-f]{64}$/.test(o.image))
          throw new DoctorProblem(
            `${o.image} is not pinned by digest`,
            "set VELODROME_OCI_IMAGE to name@sha256:<digest>",
          );
        return o.image;
      },
    },
  ];
}

function engineSteps(ctx: Ctx): DoctorStep[] {
  return [
    {
      name: "vllm installed",
      run: async () => {
        try {
          ctx.bin = locateVllm(ctx.env);
        } catch (e) {
          throw new DoctorProblem((e as Error).message, SETUP_FIX);
        }
        ctx.version = await vllmVersion(ctx.bin).catch((e: Error) => {
          throw new DoctorProblem(e.message, SETUP_FIX);
        });
        return `vllm ${ctx.version} at ${ctx.bin}`;
      },
    },
    {
      name: "accelerator",
      needs: ["vllm installed"],
      run: async () => {
        if (ctx.version!.includes("cpu")) return "CPU build: no GPU needed";
        const r = spawnSync("nvidia-smi", ["-L"], { encoding: "utf8" });
        if (r.status !== 0 || !r.stdout.includes("GPU"))
          throw new DoctorProblem(
            "a GPU build of vLLM, and no GPU visible (`nvidia-smi -L` found none)",
            "install the NVIDIA driver and, for podman, its CDI spec (nvidia-ctk cdi generate)",
          );
        return r.stdout.trim().split("\n").join("; ");
      },
    },
  ];
}

function challengeSteps(ctx: Ctx): DoctorStep[] {
  const noRepo = "skip: no challenge repository (pass --repo DIR)";
  return [
    {
      name: "challenge weights offline",
      run: async () => {
        if (!ctx.challenge) return noRepo;
        const m = ctx.challenge.model;
        const hub = join(ctx.env.HF_HOME ?? join(ctx.env.HOME ?? "", ".cache/huggingface"), "hub");
        const folder = isAbsolute(m.id)
          ? m.id
          : join(hub, `models--${m.id.replace(/\//g, "--")}`, "snapshots", m.revision);
        await access(join(folder, "config.json")).catch(() => {
          throw new DoctorProblem(
            `${m.id}@${m.revision}: no config.json at ${folder}`,
            "download the weights once (huggingface-cli download … --revision …) with HF_HOME set as the runner's; runs are offline",
          );
        });
        return folder;
      },
    },
    {
      name: "private set tokenized",
      run: async () => {
        if (!ctx.challenge) return noRepo;
        const file = resolve(ctx.repo!, ctx.challenge.verification.private_prompts);
        const text = await readFile(file, "utf8").catch(() => {
          throw new DoctorProblem(
            `the private prompt set ${file} is missing`,
            "copy it onto this runner (never into the repository)",
          );
        });
        const { prompts, problems } = parsePrompts(file, text, ctx.challenge.engine.kind);
        if (problems.length)
          throw new DoctorProblem(
            `${file}: ${problems[0]!.message}`,
            "re-tokenize it: each line needs `token_ids` made with the model's tokenizer",
          );
        return `${prompts.length} prompts with token ids`;
      },
    },
  ];
}

function decodeStep(ctx: Ctx, workDir: string): DoctorStep {
  return {
    name: "decode in the sandbox",
    needs: ["sandbox", "vllm installed"],
    run: async () => {
      const model = await ensureHfModel(
        join(resolve(import.meta.dirname, "../.."), ".velodrome/models"),
        "target",
      );
      const launcher = vllmLauncher({ sandbox: ctx.sandbox!, vllmBin: ctx.bin!, env: vllmHarnessEnv() });
      return decodeInSandbox({
        launcher,
        client: httpEngineClient,
        files: nodeWorkFiles,
        challenge: generatedModelChallenge(model, DOCTOR_REFERENCE.length),
        manifest: GENERATED_BASELINE,
        prompt: DOCTOR_PROMPT,
        reference: DOCTOR_REFERENCE,
        workDir,
        startTimeoutMs: 15 * 60_000,
      });
    },
  };
}

function print(io: Io, r: DoctorReport, json: boolean): void {
  if (json) return io.out(JSON.stringify(r, null, 2));
  for (const c of r.checks) {
    io.out(`${c.status.padEnd(4)}  ${c.name}: ${c.detail}`);
    if (c.fix) io.out(`      fix: ${c.fix}`);
  }
  io.out(r.ok ? "doctor: this runner is ready" : "doctor: NOT READY — fix the first failure above");
}

export async function doctorCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(DOCTOR)), 0);
  const ctx: Ctx = { mode: values.sandbox as SandboxMode, env: io.env };
  if (values.repo) {
    ctx.repo = resolve(io.cwd, values.repo);
    ctx.challenge = ChallengeSchema.parse(
      parse(await readFile(join(ctx.repo, "challenge/challenge.yaml"), "utf8")),
    );
  }
  const workDir = await mkdtemp(join(tmpdir(), "velodrome-doctor-"));
  const steps = [...sandboxSteps(ctx), ...engineSteps(ctx), ...challengeSteps(ctx), decodeStep(ctx, workDir)];
  const report = await runDoctor(steps, { engine: values.engine, sandbox: values.sandbox });
  print(io, report, values.json ?? false);
  return report.ok ? 0 : 1;
}
