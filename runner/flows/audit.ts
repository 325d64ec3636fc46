import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Challenge } from "../core/schema/challenge.ts";
import type { Submission } from "../core/schema/submission.ts";
import type { EngineClient, EngineLauncher, SandboxLimits } from "../ports.ts";
import { clientAttacks, type ClientAttackResult } from "./audit-client.ts";

/**
 * `velodrome audit`: the runner host's self-test. It launches the shipped hostile engine
 * (runner/audit/hostile-engine.ts) through the very launcher and sandbox a real engine gets, and
 * judges each attack from evidence the auditor itself observes outside the sandbox.
 */

export interface AttackResult {
  attack: string;
  contained: boolean;
  evidence: string;
  /** Which engine the attack ran in, and why there (`velodrome audit --engine vllm` runs two). */
  engine?: string;
}

export interface AuditReport {
  ok: boolean;
  sandbox: string;
  uid: number | null;
  gpuVisible: boolean | null;
  /** How the hostile engine was launched: the launcher's kind, whether it came up, its argv. */
  engine: { kind: string; healthy: boolean; argv: string[]; error?: string };
  /** The stand-in's launch, where the attacks a real engine cannot host ran in it (`--engine vllm`). */
  standin?: AuditReport["engine"];
  attacks: AttackResult[];
}

export interface AuditOptions {
  /** A launcher whose engine entry point is the hostile engine (same sandbox as real engines). */
  launcher: EngineLauncher;
  /** The trusted client real runs use: the engine-side attacks are aimed at it. */
  client: EngineClient;
  sandboxName: string;
  limits: SandboxLimits;
  challenge: Challenge;
  manifest: Submission;
  /** A directory the audit may use; removed afterwards. */
  workDir: string;
  /** Paths that stand for the runner's checkout and its result file: the engine must not write there. */
  protectedDirs: string[];
  startTimeoutMs?: number;
  /**
   * The hostile code runs as submission code inside a real engine (runner/audit/kernel-route.ts),
   * not as the engine: the attacks on the trusted client (they need a hostile server) and the
   * memory hog (proving a real engine's memory cap costs that much RAM) are not tried.
   */
  inRealEngine?: boolean;
}

const MiB = 1024 ** 2;

/** A TCP listener on loopback that counts the connections it receives. */
async function listener(): Promise<{ port: number; hits: () => number; close: () => void }> {
  let n = 0;
  const server: Server = createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { port, hits: () => n, close: () => server.close() };
}

/** Every byte the engine left in its scratch directory, as text (where a leak would show). */
async function scratchText(dir: string): Promise<string> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const parts = await Promise.all(
    names.filter((n) => n !== "fill.bin").map((n) => readFile(join(dir, n), "utf8").catch(() => "")),
  );
  return parts.join("\n");
}

const sizeOf = async (p: string) => (await stat(p).catch(() => undefined))?.size ?? 0;
const exists = async (p: string) => (await stat(p).catch(() => undefined)) !== undefined;

interface Evidence {
  netHits: number;
  netPort: number;
  leaked: string;
  canaries: { privateFile: string; checkout: string; credential: string };
  writeTargets: string[];
  written: boolean[];
  heartbeat: [number, number];
  report: Record<string, string | number>;
  fillBytes: number;
  launch: { healthy: boolean; argv: string[]; error?: string };
  client: ClientAttackResult[];
  kernel: { netHits: number; netPort: number; written: boolean; target: string };
}

function judge(e: Evidence, o: AuditOptions, targets: { fork: number; memoryMiB: number }): AttackResult[] {
  const r = e.report;
  const leakedPrivate = e.leaked.includes(e.canaries.privateFile);
  const leakedCredential = e.leaked.includes(e.canaries.credential);
  const beat = e.heartbeat[1] - e.heartbeat[0];
  return [
    {
      attack: "outbound network",
      contained: e.netHits === 0,
      evidence: `${e.netHits} connection(s) reached 127.0.0.1:${e.netPort}; the engine saw "${r.net ?? "nothing"}"`,
    },
    {
      attack: "read the private prompt file",
      contained: !leakedPrivate,
      evidence: leakedPrivate
        ? "the private file's canary appeared in the engine's scratch output"
        : `canary absent from the engine's output; its read gave "${String(r.private ?? "").slice(0, 40)}"`,
    },
    {
      attack: "read the runner's checkout (earlier runs' raw results)",
      contained: !e.leaked.includes(e.canaries.checkout),
      evidence: e.leaked.includes(e.canaries.checkout)
        ? "a canary file in the runner's checkout appeared in the engine's scratch output"
        : `canary absent from the engine's output; its read gave "${String(e.report.checkout ?? "").slice(0, 40)}"`,
    },
    {
      attack: "read runner credentials and environment",
      contained: !leakedCredential,
      evidence: leakedCredential
        ? "the runner's canary token appeared in the engine's scratch output"
        : "the runner's canary token (in its environment and a credentials file) never reached the engine",
    },
    ...e.writeTargets.map((t, i) => ({
      attack: `write outside scratch (${i === 0 ? "runner checkout" : "result file"})`,
      contained: !e.written[i],
      evidence: e.written[i]
        ? `the engine created ${t}`
        : `${t} was not created ("${r[`write${i}`] ?? "?"}")`,
    })),
    {
      attack: "daemon that outlives the engine",
      contained: beat === 0,
      evidence:
        beat === 0
          ? `no heartbeat after stop (file at ${e.heartbeat[0]} bytes and unchanged)`
          : `a detached process kept writing after stop (+${beat} bytes in 600 ms)`,
    },
    {
      attack: "fork bomb",
      contained: Number(r.forked) < targets.fork,
      evidence: `started ${r.forked ?? "?"} of ${targets.fork} processes (limit ${o.limits.processes})`,
    },
    {
      attack: "memory hog",
      contained: Number(r.memoryMiB) < targets.memoryMiB,
      evidence: `allocated ${r.memoryMiB ?? "?"} of ${targets.memoryMiB} MiB (limit ${o.limits.memoryBytes / MiB} MiB)`,
    },
    {
      attack: "submission code the validator admits (a kernels/ file the engine runs)",
      contained: e.kernel.netHits === 0 && !e.kernel.written,
      evidence:
        `${e.kernel.netHits} connection(s) from it reached 127.0.0.1:${e.kernel.netPort}; ` +
        `${e.kernel.written ? "it created" : "it could not create"} ${e.kernel.target} ("${r.kernel ?? "?"}")`,
    },
    ...e.client,
    {
      attack: "disk fill",
      contained: e.fillBytes <= o.limits.fileBytes,
      evidence: `wrote ${Math.round(e.fillBytes / MiB)} MiB into one file (limit ${o.limits.fileBytes / MiB} MiB)`,
    },
  ];
}

/** Where submission code (a kernel) must not reach: a listener of its own and a file in the checkout. */
async function kernelBait(o: AuditOptions) {
  const kernelNet = await listener();
  const kernelTarget = join(
    o.protectedDirs[0] ?? o.workDir,
    `.audit-kernel-${randomBytes(4).toString("hex")}`,
  );
  return { kernelNet, kernelTarget };
}

/** The engine's scratch folder in an audit's work folder (where the hostile code finds its plan). */
export const auditScratch = (workDir: string) => join(workDir, "scratch");

/** The private prompt file, a file of the runner's checkout and its credentials, each with a canary. */
async function plantCanaries(workDir: string) {
  const privateFile = join(workDir, "private-prompts.jsonl");
  const canaries = {
    privateFile: `canary-${randomBytes(8).toString("hex")}`,
    checkout: `canary-${randomBytes(8).toString("hex")}`,
    credential: `ghp_${randomBytes(12).toString("hex")}`,
  };
  await writeFile(privateFile, `{"id":"p1","text":"${canaries.privateFile}"}\n`);
  // A stand-in for the runner's checkout, where earlier runs' raw results (private figures) are
  // kept: a folder in the audit's own work dir, outside every path the engine is given, like the
  // checkout. Never the checkout itself: an interrupted audit would leave the canary there.
  await mkdir(join(workDir, "checkout"), { recursive: true });
  const checkoutFile = join(workDir, "checkout", `.audit-canary-${randomBytes(4).toString("hex")}.json`);
  await writeFile(checkoutFile, `{"private_tps": "${canaries.checkout}"}\n`);
  const credentialFile = join(workDir, ".git-credentials");
  await writeFile(credentialFile, `https://bot:${canaries.credential}@github.com\n`);
  return { canaries, privateFile, checkoutFile, credentialFile };
}

/** Launches the hostile engine once, lets it try everything, stops it, and gathers the evidence. */
async function observe(o: AuditOptions, targets: { fork: number; memoryMiB: number }): Promise<Evidence> {
  const scratch = auditScratch(o.workDir);
  await mkdir(scratch, { recursive: true });
  const { canaries, privateFile, checkoutFile, credentialFile } = await plantCanaries(o.workDir);
  const writeTargets = o.protectedDirs.map((d) => join(d, `.audit-owned-${randomBytes(4).toString("hex")}`));
  const net = await listener();
  const { kernelNet, kernelTarget } = await kernelBait(o);
  const plan = {
    kernel: { netPort: kernelNet.port, writeTarget: kernelTarget },
    netPort: net.port,
    privateFile,
    checkoutFile,
    credentialFile,
    writeTargets,
    forkTarget: targets.fork,
    memoryTargetMiB: o.inRealEngine ? 0 : targets.memoryMiB,
    diskTargetMiB: Math.ceil(o.limits.fileBytes / MiB) + 64,
  };
  await writeFile(join(scratch, "audit-plan.json"), JSON.stringify(plan));
  const savedToken = process.env.GITHUB_TOKEN;
  process.env.GITHUB_TOKEN = canaries.credential; // as a careless runner would have it
  try {
    const logFile = join(o.workDir, "engine.log");
    const spec = { slug: "audit", manifest: o.manifest, challenge: o.challenge, scratch, logFile };
    let launchError: string | undefined;
    const engine = await o.launcher
      .launch({ ...spec, startTimeoutMs: o.startTimeoutMs ?? 120_000 })
      .catch((e: Error) => void (launchError = e.message));
    const tryClient = engine && !o.inRealEngine;
    const client = tryClient
      ? await clientAttacks(o.client, engine, o.challenge, () => performance.now())
      : [];
    await engine?.stop();
    const h0 = await sizeOf(join(scratch, "heartbeat"));
    await sleep(600);
    const h1 = await sizeOf(join(scratch, "heartbeat"));
    // An escaped daemon (no sandbox) is evidence now, and would outlive the audit otherwise.
    await killProcessesNaming(scratch);
    const reportText = await readFile(join(scratch, "audit-report.json"), "utf8").catch(() => "{}");
    return {
      netHits: net.hits(),
      netPort: net.port,
      leaked: await scratchText(scratch),
      canaries,
      writeTargets,
      written: await Promise.all(writeTargets.map(exists)),
      heartbeat: [h0, h1],
      report: JSON.parse(reportText) as Record<string, string | number>,
      fillBytes: await sizeOf(join(scratch, "fill.bin")),
      client: client.length || o.inRealEngine ? client : clientNotRun(),
      kernel: {
        netHits: kernelNet.hits(),
        netPort: kernelNet.port,
        written: await exists(kernelTarget),
        target: kernelTarget,
      },
      launch: {
        healthy: engine !== undefined,
        argv: engine?.argv ?? [],
        ...(launchError ? { error: launchError.split("\n")[0]! } : {}),
      },
    };
  } finally {
    if (savedToken === undefined) delete process.env.GITHUB_TOKEN;
    else process.env.GITHUB_TOKEN = savedToken;
    net.close();
    kernelNet.close();
    await rm(checkoutFile, { force: true });
    await rm(kernelTarget, { force: true });
  }
}

/** Without a healthy engine the client attacks could not run: reported as not contained. */
const clientNotRun = (): ClientAttackResult[] =>
  ["floods", "streams forever", "drips", "malformed stream", "private-prompt stall"].map((a) => ({
    attack: `engine-side client attack (${a})`,
    contained: false,
    evidence: "the engine never came up, so the attack could not be tried",
  }));

/** Kills every process whose command line names `path` (Linux /proc; elsewhere nothing). */
async function killProcessesNaming(path: string): Promise<void> {
  const pids = await readdir("/proc").catch(() => [] as string[]);
  for (const pid of pids.filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes(path)) continue;
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      /* gone already, or not ours to kill */
    }
  }
}

export async function runAudit(o: AuditOptions): Promise<AuditReport> {
  const targets = {
    fork: o.limits.processes + 64,
    memoryMiB: Math.ceil(o.limits.memoryBytes / MiB) + 512,
  };
  try {
    const e = await observe(o, targets);
    for (const t of e.writeTargets) await rm(t, { force: true });
    const judged = judge(e, o, targets).filter((a) => !o.inRealEngine || a.attack !== "memory hog");
    // No report: the hostile code never ran, so "nothing got out" would vouch for nothing.
    const ran = typeof e.report.uid === "number";
    const attacks = ran
      ? judged
      : judged.map((a) => ({
          ...a,
          contained: false,
          evidence: `not tried: the hostile code never ran (no report in scratch; ${e.launch.error ?? "no launch error"})`,
        }));
    return {
      ok: attacks.every((a) => a.contained),
      sandbox: o.sandboxName,
      uid: typeof e.report.uid === "number" ? e.report.uid : null,
      gpuVisible: typeof e.report.gpu === "number" ? e.report.gpu === 1 : null,
      engine: { kind: o.launcher.kind, ...e.launch },
      attacks,
    };
  } finally {
    await rm(o.workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
