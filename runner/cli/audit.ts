import { httpEngineClient } from "../adapters/engines/client.ts";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { ensureHfModel } from "../adapters/engines/hf-models.ts";
import { embeddedLauncher, vllmLauncher } from "../adapters/engines/launch.ts";
import { onPath, requireVllm, vllmHarnessEnv } from "../adapters/runner-ports.ts";
import { ociOptionsFromEnv } from "../adapters/sandbox/oci.ts";
import { AUDIT_LIMITS, DEFAULT_LIMITS } from "../adapters/sandbox/sandbox.ts";
import { SANDBOX_MODES, selectSandbox, usesOci, type SandboxMode } from "../adapters/sandbox/select.ts";
import { KERNEL_ROUTE, writeKernelSubmission } from "../audit/kernel-route.ts";
import { vllmStandinLauncher } from "../audit/standin-launcher.ts";
import { generatedModelChallenge } from "../core/hf/challenge.ts";
import { ChallengeSchema } from "../core/schema/challenge.ts";
import { SubmissionSchema } from "../core/schema/submission.ts";
import { auditScratch, runAudit, type AuditReport } from "../flows/audit.ts";
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
  if (r.standin)
    io.out(`stand-in: ${r.standin.kind}, ${r.standin.healthy ? "came up healthy" : "never became healthy"}`);
  for (const a of r.attacks)
    io.out(
      `${a.contained ? "contained " : "ESCAPED   "} ${a.attack}: ${a.evidence}` +
        (a.engine ? ` [${a.engine}]` : ""),
    );
  io.out(r.ok ? "audit: every attack was contained" : "audit: NOT CONTAINED — do not run submissions here");
}

/**
 * Why this host cannot be audited as asked, before anything is launched: a missing sandbox runtime
 * would otherwise cost a start-up timeout and then read as "contained" (nothing ran), and a vLLM
 * audit on a host without vLLM would vouch for an engine the host cannot run.
 */
function preflight(engine: Engine, mode: SandboxMode, io: Io): string | undefined {
  const runtime = usesOci(mode, io.env) ? ociOptionsFromEnv(io.env)?.runtime : undefined;
  if (runtime && !onPath(runtime, io.env))
    return `${runtime} is not installed: install it, or set VELODROME_OCI_RUNTIME to the runtime this runner has`;
  if (engine !== "vllm") return undefined;
  try {
    requireVllm(mode, io.env);
    return undefined;
  } catch (e) {
    return `${(e as Error).message}; \`velodrome doctor --engine vllm\` checks the whole runner`;
  }
}

/** The attacks a real vLLM cannot host, and why the stand-in tries them instead. */
const STANDIN_ONLY: [RegExp, string][] = [
  [
    /^engine (floods|streams forever|drips|sends a malformed|stalls)|^engine-side client attack/,
    "an attack on the trusted client needs an engine that answers HTTP itself",
  ],
  [/^memory hog$/, "proving the real engine's 8 GiB cap would take 8 GiB of this machine's memory"],
];

/**
 * The real vLLM, sandboxed as in production (same launcher, sandbox and limits), on the generated
 * model, with the hostile code brought in as submission code through KERNEL_ROUTE.
 */
async function realVllmAudit(mode: SandboxMode, io: Io): Promise<AuditReport> {
  const workDir = await mkdtemp(join(tmpdir(), "velodrome-audit-vllm-"));
  const repoRoot = join(workDir, "repo");
  const manifest = await writeKernelSubmission(PROGRAM_ROOT, repoRoot, "audit", auditScratch(workDir));
  const model = await ensureHfModel(join(PROGRAM_ROOT, ".velodrome/models"), "target");
  const sandbox = selectSandbox(mode, { limits: DEFAULT_LIMITS });
  const vllmBin = requireVllm(mode, io.env);
  const launcher = vllmLauncher({ vllmBin, sandbox, env: vllmHarnessEnv(io.env), repoRoot });
  const version = await launcher.version();
  const report = await runAudit({
    launcher,
    client: httpEngineClient,
    sandboxName: sandbox.name,
    limits: DEFAULT_LIMITS,
    challenge: generatedModelChallenge(model),
    manifest,
    workDir,
    protectedDirs: [PROGRAM_ROOT, workDir],
    startTimeoutMs: 900_000,
    inRealEngine: true,
  });
  const where = `real ${version}: submission code via ${KERNEL_ROUTE}`;
  return { ...report, attacks: report.attacks.map((a) => ({ ...a, engine: where })) };
}

/**
 * `--engine vllm`: the real vLLM where this host runs one on the host (bubblewrap, or none), then
 * the stand-in for what the real engine cannot host. In an OCI sandbox the image's vLLM has no
 * node for the hostile code: there every attack runs in the stand-in, and the report says so.
 */
async function vllmAudit(mode: SandboxMode, io: Io, standin: () => Promise<AuditReport>) {
  const why = "the OCI image's vLLM has no node to run the audit's hostile code";
  const real = usesOci(mode, io.env) ? undefined : await realVllmAudit(mode, io);
  const s = await standin();
  const tried = new Set(real?.attacks.map((a) => a.attack));
  const rest = s.attacks
    .filter((a) => !tried.has(a.attack))
    .map((a) => {
      const reason = real ? STANDIN_ONLY.find(([re]) => re.test(a.attack))?.[1] : why;
      return {
        ...a,
        engine: `stand-in under the vLLM launcher: ${reason ?? "not tried in the real engine"}`,
      };
    });
  if (!real) return { ...s, attacks: rest };
  const attacks = [...real.attacks, ...rest];
  return { ...real, ok: attacks.every((a) => a.contained), attacks, standin: s.engine };
}

export async function auditCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(AUDIT)), 0);
  const engine = values.engine as "embedded" | "vllm";
  const mode = values.sandbox as SandboxMode;
  const refused = preflight(engine, mode, io);
  if (refused) {
    if (values.json) io.out(JSON.stringify({ ok: false, error: refused }, null, 2));
    else io.err(`audit: NOT RUN — ${refused}`);
    return 1;
  }
  const hostile = async () => {
    const sandbox = selectSandbox(mode, { limits: AUDIT_LIMITS });
    const workDir = await mkdtemp(join(tmpdir(), "velodrome-audit-"));
    return runAudit({
      launcher: hostileLauncher(engine, sandbox),
      client: httpEngineClient,
      sandboxName: sandbox.name,
      limits: AUDIT_LIMITS,
      ...(await auditInputs(engine)),
      workDir,
      protectedDirs: [PROGRAM_ROOT, workDir],
    });
  };
  const report = engine === "vllm" ? await vllmAudit(mode, io, hostile) : await hostile();
  print(io, report, values.json ?? false);
  return report.ok ? 0 : 1;
}
