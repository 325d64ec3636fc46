import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { httpEngineClient } from "../adapters/engines/client.ts";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { embeddedLauncher } from "../adapters/engines/launch.ts";
import { vllmBinary } from "../adapters/runner-ports.ts";
import { ociOptionsFromEnv } from "../adapters/sandbox/oci.ts";
import { AUDIT_LIMITS } from "../adapters/sandbox/sandbox.ts";
import { SANDBOX_MODES, selectSandbox, type SandboxMode } from "../adapters/sandbox/select.ts";
import { vllmStandinLauncher } from "../audit/standin-launcher.ts";
import { ChallengeSchema } from "../core/schema/challenge.ts";
import { SubmissionSchema } from "../core/schema/submission.ts";
import { runAudit, type AuditReport } from "../flows/audit.ts";
import type { EngineLauncher, Sandbox } from "../ports.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const OPTIONS = {
  engine: {
    type: "string",
    choices: ["embedded", "vllm"],
    default: "embedded",
    description: "the engine's launcher to audit",
  },
  sandbox: {
    type: "string",
    choices: SANDBOX_MODES,
    default: "auto",
    description: "auto (fail-closed), bwrap, oci, or none (shows what an unconfined engine gets away with)",
  },
  json: {
    type: "boolean",
    description: "print one JSON object { ok, sandbox, uid, gpuVisible, attacks: [...] }",
  },
} as const;

export const AUDIT: CommandSpec = {
  name: "audit",
  summary: "The runner host's self-test: hostile engines through the real launcher and sandbox.",
  description:
    "Run it before opening a challenge (CI runs it on every change). Reports per attack whether it was\n" +
    "contained, with the evidence the auditor saw outside the sandbox. Exit 1 if any was not.",
  options: OPTIONS,
};

const PROGRAM_ROOT = resolve(import.meta.dirname, "../..");
type Engine = "embedded" | "vllm";

/** The demo's challenge and a plain manifest for the engine kind: the hostile engine ignores both. */
async function auditInputs(engine: Engine) {
  const file = join(PROGRAM_ROOT, "runner/demo/template/challenge/challenge.yaml");
  const challenge = ChallengeSchema.parse(parse(await readFile(file, "utf8")));
  const manifest = SubmissionSchema.parse({
    schema: 1,
    title: "hostile",
    authors: ["audit"],
    parents: ["baseline"],
    engine:
      engine === "vllm" ? { kind: "vllm", args: {} } : { kind: "embedded", args: { quantization: "f32" } },
  });
  return { challenge, manifest };
}

/** The launcher real engines of this kind get, with the hostile engine (or the stand-in) as its program. */
function hostileLauncher(engine: Engine, sandbox: Sandbox): EngineLauncher {
  if (engine === "vllm") return vllmStandinLauncher({ programRoot: PROGRAM_ROOT, sandbox });
  return embeddedLauncher({
    repoRoot: PROGRAM_ROOT,
    modelsDir: join(PROGRAM_ROOT, ".velodrome/models"),
    sandbox,
    entry: join(PROGRAM_ROOT, "runner/audit/hostile-engine.ts"),
  });
}

function print(io: Io, r: AuditReport, json: boolean): void {
  if (json) return io.out(JSON.stringify(r, null, 2));
  io.out(`sandbox: ${r.sandbox} · engine uid ${r.uid ?? "?"} · GPU visible: ${r.gpuVisible ?? "?"}`);
  const up = r.engine.healthy ? "came up healthy" : `never became healthy (${r.engine.error ?? "?"})`;
  io.out(`engine: ${r.engine.kind}, ${up}`);
  for (const a of r.attacks)
    io.out(`${a.contained ? "contained " : "ESCAPED   "} ${a.attack}: ${a.evidence}`);
  io.out(r.ok ? "audit: every attack was contained" : "audit: NOT CONTAINED — do not run submissions here");
}

/** Whether `cmd` is on the PATH of `env` (the runner's environment). */
const onPath = (cmd: string, env: Record<string, string | undefined>) =>
  spawnSync("/bin/sh", ["-c", `command -v ${cmd}`], { env }).status === 0;

/**
 * Why this host cannot be audited as asked, before anything is launched: a missing sandbox runtime
 * would otherwise cost a start-up timeout and then read as "contained" (nothing ran), and a vLLM
 * audit on a host without vLLM would vouch for an engine the host cannot run.
 */
function preflight(engine: Engine, mode: SandboxMode, io: Io): string | undefined {
  const oci = mode === "oci" || (mode === "auto" && ociOptionsFromEnv(io.env) !== undefined);
  const runtime = oci ? ociOptionsFromEnv(io.env)?.runtime : undefined;
  if (runtime && !onPath(runtime, io.env))
    return `${runtime} is not installed: install it, or set VELODROME_OCI_RUNTIME to the runtime this runner has`;
  if (engine === "vllm") {
    const bin = vllmBinary(io.env);
    const found = bin ? existsSync(bin) : onPath("vllm", io.env);
    if (!found)
      return (
        "vLLM is not installed on this host (no VELODROME_VLLM_BIN, no `npm run setup:vllm` venv, no `vllm` " +
        "on PATH): install it first; `velodrome doctor --engine vllm` checks the whole runner"
      );
  }
  return undefined;
}

export async function auditCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(AUDIT)), 0);
  const engine = values.engine as "embedded" | "vllm";
  const refused = preflight(engine, values.sandbox as SandboxMode, io);
  if (refused) {
    if (values.json) io.out(JSON.stringify({ ok: false, error: refused }, null, 2));
    else io.err(`audit: NOT RUN — ${refused}`);
    return 1;
  }
  const sandbox = selectSandbox(values.sandbox as SandboxMode, { limits: AUDIT_LIMITS });
  const workDir = await mkdtemp(join(tmpdir(), "velodrome-audit-"));
  const report = await runAudit({
    launcher: hostileLauncher(engine, sandbox),
    client: httpEngineClient,
    sandboxName: sandbox.name,
    limits: AUDIT_LIMITS,
    ...(await auditInputs(engine)),
    workDir,
    protectedDirs: [PROGRAM_ROOT, workDir],
  });
  print(io, report, values.json ?? false);
  return report.ok ? 0 : 1;
}
