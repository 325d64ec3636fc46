import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { connect } from "node:net";
import { mkdir, readFile, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { submissionDir } from "../../core/layout.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { engineEnv, SERVED_NAME, vllmServeArgv } from "../../core/engine-args.ts";
import type { Sandbox } from "../sandbox/sandbox.ts";
import { noSandbox } from "../sandbox/sandbox.ts";
import { EngineStartFailed } from "../../core/errors.ts";
import { getJson, servedModels, type Endpoint } from "./client.ts";
import { bundleEngine } from "./embedded/bundle.ts";
import { ensureModel } from "./models.ts";
import type { LaunchSpec, RunningEngine, EngineLauncher, WrappedCommand } from "../../ports.ts";
export type { LaunchSpec, RunningEngine, EngineLauncher } from "../../ports.ts";

/** Whether anything still accepts connections on an engine's Unix socket (a TCP endpoint: not checked). */
function socketListening(ep: Endpoint): Promise<boolean> {
  if (!("unix" in ep)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect(ep.unix);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Whether any process of a process group is left (zombies included, until reaped). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function tail(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trim().split("\n").slice(-lines).join("\n");
}

/** Polls /health then /v1/models until the engine serves SERVED_NAME; throws EngineStartFailed otherwise. */
async function waitHealthy(endpoint: Endpoint, spec: LaunchSpec, exitCode: () => number | null | undefined) {
  const deadline = Date.now() + spec.startTimeoutMs;
  for (;;) {
    if (exitCode() !== undefined)
      throw new EngineStartFailed(
        `engine exited with code ${exitCode()} before becoming healthy. ` +
          `Last log lines:\n${await tail(spec.logFile)}`,
      );
    if (Date.now() > deadline)
      throw new EngineStartFailed(
        `engine did not become healthy within ${Math.round(spec.startTimeoutMs / 1000)} s. ` +
          `Last log lines:\n${await tail(spec.logFile)}`,
      );
    const h = await getJson(endpoint, "/health", 1000).catch(() => undefined);
    if (h?.status === 200) {
      const models = await servedModels(endpoint).catch((e: Error) => {
        throw new EngineStartFailed(`engine is healthy but /v1/models failed: ${e.message}`);
      });
      if (!models.includes(SERVED_NAME))
        throw new EngineStartFailed(`engine serves ${models.join(", ")}, not \`${SERVED_NAME}\``);
      return;
    }
    await sleep(50);
  }
}

/**
 * Spawns a (sandbox-wrapped) engine in its own process group, logs to a file, waits until it is
 * healthy. `stop()` kills the whole group, then runs the sandbox's `cleanup()` (a container is
 * removed), so nothing the engine started outlives it, whether the launch succeeded or not.
 */
async function startProcess(
  wrapped: WrappedCommand,
  spec: LaunchSpec,
  endpoint: Endpoint,
): Promise<RunningEngine> {
  await mkdir(dirname(spec.logFile), { recursive: true });
  const log = createWriteStream(spec.logFile, { flags: "a" });
  await new Promise((r) => log.once("open", r));
  const t0 = performance.now();
  // The engine starts in its scratch dir, never in the runner's checkout.
  const child: ChildProcess = spawn(wrapped.cmd, wrapped.args, {
    env: wrapped.env,
    cwd: spec.scratch,
    detached: true,
    stdio: ["ignore", log, log],
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve();
    }),
  );
  child.once("error", () => undefined);
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  // A grace timer must not hold the process open once the engine has exited: referenced, it kept
  // every worker and CLI process alive 5 s after its last launch (measured: a two-look bench with
  // two workers took 60 s, 47 s without, the same CPU).
  const grace = (ms: number) => sleep(ms, undefined, { ref: false });
  const stop = async () => {
    if (exitCode === undefined) {
      killGroup("SIGTERM");
      const timedOut = await Promise.race([exited.then(() => false), grace(5000).then(() => true)]);
      if (timedOut) killGroup("SIGKILL");
      await Promise.race([exited, grace(2000)]);
    }
    killGroup("SIGKILL"); // anything the engine left behind in its group
    for (let i = 0; i < 100 && groupAlive(child.pid!); i++) await sleep(20);
    // bubblewrap starts the engine in a new session inside its own PID namespace: those processes
    // are not in this group and die only once the namespace's init follows bwrap, asynchronously.
    // Under load a vLLM server still answered /health after stop() had returned, so the next launch
    // could start beside it. Wait (at most 30 s) until nothing accepts on the engine's socket.
    for (let i = 0; i < 300 && (await socketListening(endpoint)); i++) await sleep(100);
    await wrapped.cleanup?.();
    log.end();
  };
  try {
    await waitHealthy(endpoint, spec, () => exitCode);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoint,
    servedName: SERVED_NAME,
    pid: child.pid!,
    argv: [wrapped.cmd, ...wrapped.args],
    startMs: performance.now() - t0,
    stop,
    exited: () => exitCode !== undefined,
  };
}

/**
 * The engine's Unix socket in its scratch folder. A socket path longer than the kernel's limit
 * (108 bytes with the terminating NUL) is silently cut by bind(), and the engine then fails with a
 * misleading error (EROFS, ENOENT); refuse it up front and say how to fix it.
 */
export function socketPath(scratch: string): string {
  const socket = join(scratch, "engine.sock");
  if (Buffer.byteLength(socket) > 107)
    throw new EngineStartFailed(
      `the engine socket path ${socket} is ${Buffer.byteLength(socket)} bytes, over the 107 a Unix ` +
        "socket allows; run from a shorter folder (or pass a shorter --work/--out directory)",
    );
  return socket;
}

export interface EmbeddedLauncherOptions {
  repoRoot: string; // where node_modules and runner/ live (only node_modules is visible to the engine)
  modelsDir: string; // generated GGUF files (read-only to the engine)
  sandbox?: Sandbox;
  /** Engine entry point; tests point it at fixtures that try to cheat. */
  entry?: string;
}

/**
 * Where node_modules really lives when it is a link (a git worktree sharing another checkout's
 * modules, pnpm): the sandbox must bind that folder too, or the engine cannot load tsx.
 */
export async function linkedModules(repoRoot: string): Promise<string[]> {
  const link = join(repoRoot, "node_modules");
  const real = await realpath(link).catch(() => link);
  return real === link ? [] : [real];
}

/** The embedded llama.cpp engine as its own (optionally sandboxed) process on a Unix socket. */
export function embeddedLauncher(o: EmbeddedLauncherOptions): EngineLauncher {
  const sandbox = o.sandbox ?? noSandbox;
  const entry = o.entry ?? join(o.repoRoot, "runner/adapters/engines/embedded/main.ts");
  // Built once per launcher, on first launch, into the read-only models folder (see bundle.ts).
  let bundled: Promise<string> | undefined;
  const program = () => (bundled ??= bundleEngine(entry, join(o.modelsDir, ".engine")));
  return {
    kind: "embedded",
    async version() {
      const pkg = JSON.parse(
        await readFile(join(o.repoRoot, "node_modules/node-llama-cpp/package.json"), "utf8"),
      ) as { version: string };
      return `embedded (node-llama-cpp ${pkg.version})`;
    },
    async launch(spec) {
      const m = spec.manifest;
      if (m.engine.kind !== "embedded")
        throw new EngineStartFailed(
          `submission ${spec.slug} targets ${m.engine.kind}, not the embedded engine`,
        );
      const a = m.engine.args;
      const model = await ensureModel(o.modelsDir, "target", a.quantization);
      const socket = socketPath(spec.scratch);
      const args = [
        await program(),
        "--model",
        model,
        "--served-name",
        SERVED_NAME,
        "--threads",
        String(a.threads),
        "--batch-size",
        String(a["batch-size"]),
        "--context-size",
        String(a["context-size"]),
        "--listen",
        `unix:${socket}`,
      ];
      if (a.draft) {
        const draft = await ensureModel(o.modelsDir, a.draft.model, a.draft.quantization);
        args.push(
          "--draft",
          draft,
          "--draft-tokens",
          String(a.draft.tokens),
          "--acceptance",
          a.draft.acceptance,
        );
      }
      await mkdir(spec.scratch, { recursive: true });
      const env = engineEnv(m, {
        PATH: "/usr/bin:/bin",
        NODE_LLAMA_CPP_SKIP_DOWNLOAD: "true",
        NODE_OPTIONS: "",
      });
      const wrapped = sandbox.wrap(process.execPath, args, {
        scratch: spec.scratch,
        // Only what the bundled engine needs: node-llama-cpp and the models (the bundle lives among
        // them). Never the checkout: it holds .git and earlier runs' raw results (private figures).
        readOnly: [join(o.repoRoot, "node_modules"), o.modelsDir, ...(await linkedModules(o.repoRoot))],
        env,
      });
      return startProcess(wrapped, spec, { unix: socket });
    },
  };
}

export interface VllmLauncherOptions {
  /** `vllm` on PATH by default; an absolute path (a venv's, or the audit's stand-in) is bound read-only. */
  vllmBin?: string;
  /** The sandbox every launch runs in (required: a caller chooses `noSandbox` explicitly). */
  sandbox: Sandbox;
  /** The challenge repository: a submission's folder in it is readable (a tokenizer there resolves). */
  repoRoot?: string;
  /** Further paths the engine may read: the model weights or HF cache, the stand-in's code. */
  readOnly?: string[];
  /** Environment the runner adds for vLLM (HF_HOME…); the harness's own values still win. */
  env?: Record<string, string>;
}

/** The installation a venv's interpreter comes from (the parent of pyvenv.cfg's `home`), if any. */
async function venvBase(prefix: string): Promise<string[]> {
  const cfg = await readFile(join(prefix, "pyvenv.cfg"), "utf8").catch(() => "");
  const home = /^home\s*=\s*(.+)$/m.exec(cfg)?.[1]?.trim();
  if (!home || !isAbsolute(home)) return [];
  const base = dirname(await realpath(home).catch(() => home));
  return base === "/usr" || base === "/" ? [] : [base];
}

/** What the engine must be able to read: the vllm install (for an absolute path), the submission folder. */
async function vllmReadable(o: VllmLauncherOptions, bin: string, spec: LaunchSpec): Promise<string[]> {
  const paths = [...(o.readOnly ?? [])];
  // The challenge's weights as a local folder (the organizer's choice, never a submission's:
  // a submission's absolute model path is not made visible, so it cannot read the host).
  if (isAbsolute(spec.challenge.model.id)) paths.push(spec.challenge.model.id);
  // A venv's `bin/vllm`: its whole prefix (python, site-packages) must be visible, and the
  // interpreter the venv was made from (`home` in pyvenv.cfg: pyenv's, uv's, /usr/bin's).
  if (isAbsolute(bin)) {
    const prefix = dirname(dirname(await realpath(bin).catch(() => bin)));
    paths.push(prefix, ...(await venvBase(prefix)));
  }
  if (o.repoRoot) paths.push(join(o.repoRoot, submissionDir(spec.slug)));
  return paths.filter((p) => existsSync(p));
}

/**
 * vLLM's version, outside the sandbox (it runs no submission code): from the package metadata
 * through the venv's own python when `bin` sits in one (no torch import: seconds, where
 * `vllm --version` takes a minute on a loaded 2-core machine), else `vllm --version`. Rejects
 * with the last line of what it printed when `bin` is no working vLLM.
 */
export function vllmVersion(bin: string): Promise<string> {
  const python = join(dirname(bin), "python");
  const [cmd, args] = existsSync(python)
    ? [python, ["-c", 'from importlib.metadata import version; print(version("vllm"))']]
    : [bin, ["--version"]];
  return new Promise<string>((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    c.stdout!.on("data", (d: Buffer) => (out += d));
    c.stderr!.on("data", (d: Buffer) => (err += d));
    c.on("error", reject);
    c.on("exit", (code) => {
      const last = (s: string) => s.trim().split("\n").at(-1) ?? "";
      if (code === 0 && out.trim()) resolve(last(out));
      else reject(new Error(`\`${bin}\` is not a working vLLM: ${last(err) || `exit code ${code}`}`));
    });
  });
}

/**
 * vLLM through the same sandbox code path as the embedded engine: `vllm serve --uds` on a Unix
 * socket in scratch (no TCP port, so the sandbox needs no network), scratch the only writable
 * place, its compile cache (VLLM_CACHE_ROOT) inside scratch so no two submissions ever share one.
 */
export function vllmLauncher(o: VllmLauncherOptions): EngineLauncher {
  const bin = o.vllmBin ?? "vllm";
  return {
    kind: "vllm",
    version: async () => `vllm ${await vllmVersion(bin)}`,
    async launch(spec) {
      if (spec.manifest.engine.kind !== "vllm")
        throw new EngineStartFailed(`submission ${spec.slug} targets ${spec.manifest.engine.kind}, not vllm`);
      const socket = socketPath(spec.scratch);
      const folder = o.repoRoot ? { submissionDir: join(o.repoRoot, submissionDir(spec.slug)) } : {};
      const argv = vllmServeArgv(spec.manifest, spec.challenge, socket, folder);
      // Only scratch itself is made here: the sandbox hands it to the engine user, who makes the
      // cache folder inside (one made here would stay root's, and unwritable to the engine).
      await mkdir(spec.scratch, { recursive: true });
      const env = engineEnv(spec.manifest, {
        ...o.env,
        PATH: "/usr/bin:/bin",
        HF_HUB_OFFLINE: "1",
        VLLM_NO_USAGE_STATS: "1",
        DO_NOT_TRACK: "1",
        VLLM_CACHE_ROOT: join(spec.scratch, "vllm-cache"),
      });
      const readOnly = await vllmReadable(o, bin, spec);
      const wrapped = o.sandbox.wrap(bin, argv, { scratch: spec.scratch, readOnly, env });
      return startProcess(wrapped, spec, { unix: socket });
    },
  };
}
