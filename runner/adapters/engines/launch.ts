import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { engineEnv, SERVED_NAME, vllmServeArgv } from "../../core/engine-args.ts";
import type { Sandbox } from "../sandbox/sandbox.ts";
import { noSandbox } from "../sandbox/sandbox.ts";
import { EngineError, getJson, servedModels, type Endpoint } from "./client.ts";
import { ensureModel } from "./models.ts";
import type { LaunchSpec, RunningEngine, EngineLauncher } from "../../ports.ts";
export type { LaunchSpec, RunningEngine, EngineLauncher } from "../../ports.ts";

export class LaunchError extends Error {}

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

/** Spawns an engine in its own process group, logs to a file, waits for /health then /v1/models. */
async function startProcess(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  spec: LaunchSpec,
  endpoint: Endpoint,
): Promise<RunningEngine> {
  await mkdir(dirname(spec.logFile), { recursive: true });
  const log = createWriteStream(spec.logFile, { flags: "a" });
  await new Promise((r) => log.once("open", r));
  const t0 = performance.now();
  // The engine starts in its scratch dir, never in the runner's checkout.
  const child: ChildProcess = spawn(cmd, args, {
    env,
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
  const stop = async () => {
    if (exitCode === undefined) {
      killGroup("SIGTERM");
      const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
      if (timedOut) killGroup("SIGKILL");
      await Promise.race([exited, sleep(2000)]);
    }
    killGroup("SIGKILL"); // anything the engine left behind in its group
    for (let i = 0; i < 100 && groupAlive(child.pid!); i++) await sleep(20);
    log.end();
  };
  const deadline = Date.now() + spec.startTimeoutMs;
  try {
    for (;;) {
      if (exitCode !== undefined)
        throw new LaunchError(
          `engine exited with code ${exitCode} before becoming healthy. Last log lines:\n${await tail(spec.logFile)}`,
        );
      if (Date.now() > deadline)
        throw new LaunchError(
          `engine did not become healthy within ${Math.round(spec.startTimeoutMs / 1000)} s. ` +
            `Last log lines:\n${await tail(spec.logFile)}`,
        );
      const h = await getJson(endpoint, "/health", 1000).catch(() => undefined);
      if (h?.status === 200) {
        const models = await servedModels(endpoint).catch((e: Error) => {
          throw new LaunchError(`engine is healthy but /v1/models failed: ${e.message}`);
        });
        if (!models.includes(SERVED_NAME))
          throw new LaunchError(`engine serves ${models.join(", ")}, not \`${SERVED_NAME}\``);
        break;
      }
      await sleep(50);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoint,
    servedName: SERVED_NAME,
    pid: child.pid!,
    argv: [cmd, ...args],
    startMs: performance.now() - t0,
    stop,
    exited: () => exitCode !== undefined,
  };
}

export interface EmbeddedLauncherOptions {
  repoRoot: string; // where node_modules and runner/ live (read-only to the engine)
  modelsDir: string; // generated GGUF files (read-only to the engine)
  sandbox?: Sandbox;
  /** Engine entry point; tests point it at fixtures that try to cheat. */
  entry?: string;
}

/**
 * Where node_modules really lives when it is a link (a git worktree sharing another checkout's
 * modules, pnpm): the sandbox must bind that folder too, or the engine cannot load tsx.
 */
async function linkedModules(repoRoot: string): Promise<string[]> {
  const link = join(repoRoot, "node_modules");
  const real = await realpath(link).catch(() => link);
  return real === link ? [] : [real];
}

/** The embedded llama.cpp engine as its own (optionally sandboxed) process on a Unix socket. */
export function embeddedLauncher(o: EmbeddedLauncherOptions): EngineLauncher {
  const sandbox = o.sandbox ?? noSandbox;
  const entry = o.entry ?? join(o.repoRoot, "runner/adapters/engines/embedded/main.ts");
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
        throw new LaunchError(`submission ${spec.slug} targets ${m.engine.kind}, not the embedded engine`);
      const a = m.engine.args;
      const model = await ensureModel(o.modelsDir, "target", a.quantization);
      const socket = join(spec.scratch, "engine.sock");
      const args = [
        "--import",
        import.meta.resolve("tsx/esm").replace(/^file:\/\//, ""),
        entry,
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
        readOnly: [o.repoRoot, o.modelsDir, ...(await linkedModules(o.repoRoot))],
        env,
      });
      return startProcess(wrapped.cmd, wrapped.args, wrapped.env, spec, { unix: socket });
    },
  };
}

export interface VllmLauncherOptions {
  vllmBin?: string; // default `vllm` on PATH
  port: number;
  sandbox?: Sandbox;
  cacheRoot?: string; // VLLM_CACHE_ROOT, persisted per submission
}

/** vLLM on a GPU runner: `vllm serve` with the submission's args on a loopback port. */
export function vllmLauncher(o: VllmLauncherOptions): EngineLauncher {
  const bin = o.vllmBin ?? "vllm";
  const sandbox = o.sandbox ?? noSandbox;
  return {
    kind: "vllm",
    async version() {
      const out = await new Promise<string>((resolve, reject) => {
        const c = spawn(bin, ["--version"], { stdio: ["ignore", "pipe", "pipe"] });
        let s = "";
        c.stdout!.on("data", (d: Buffer) => (s += d));
        c.on("error", reject);
        c.on("exit", () => resolve(s.trim()));
      });
      return `vllm ${out}`;
    },
    async launch(spec) {
      const argv = vllmServeArgv(spec.manifest, spec.challenge, o.port);
      await mkdir(spec.scratch, { recursive: true });
      const env = engineEnv(spec.manifest, {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: spec.scratch,
        HF_HUB_OFFLINE: "1",
        VLLM_NO_USAGE_STATS: "1",
        DO_NOT_TRACK: "1",
        ...(o.cacheRoot ? { VLLM_CACHE_ROOT: o.cacheRoot } : {}),
      });
      const wrapped = sandbox.wrap(bin, argv, { scratch: spec.scratch, readOnly: [], env });
      return startProcess(wrapped.cmd, wrapped.args, wrapped.env, spec, { host: "127.0.0.1", port: o.port });
    },
  };
}

export { EngineError };
