import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import type { Sandbox, SandboxLimits } from "../../ports.ts";
import { DEFAULT_LIMITS } from "./sandbox.ts";

/**
 * An OCI container runtime (podman or docker) as the sandbox for GPU runners.
 *
 * Why a container here and bubblewrap elsewhere: a GPU runner must hand the engine exactly one GPU
 * (the CDI device or `--gpus device=N`), run the challenge's pinned vLLM image (the engine's Python,
 * CUDA and kernels come from the image, never from the runner's host), and enforce memory and
 * process limits through cgroups. Rootless podman does all of that without a daemon that runs as
 * root; docker is accepted where an organizer already runs it. Every container gets: no network
 * (`--network none`; the trusted client talks to vLLM over a Unix socket in the bind-mounted
 * scratch directory, `vllm serve --uds`), a read-only root, no capabilities, no-new-privileges, a
 * non-root user, memory/pids limits, a size-capped /tmp, and only the scratch and the given
 * read-only paths mounted. The container is removed on stop (`cleanup`), so nothing it started
 * survives it.
 */
export interface OciOptions {
  runtime: "podman" | "docker";
  /** The challenge's pinned engine image, by digest (`vllm/vllm-openai@sha256:…`). */
  image: string;
  /** The GPU this runner was assigned (index or UUID); none for CPU engines. */
  gpu?: string;
  /** The numeric user the engine runs as inside the container. */
  user?: string;
  limits?: SandboxLimits;
  /**
   * The runner's Hugging Face cache holding the challenge's weights (downloaded once by the
   * organizer): mounted read-only at /hf, with HF_HOME=/hf, so that the stock vLLM image finds a
   * hub model offline. A local weights folder needs nothing: the launcher mounts it read-only.
   */
  hfHome?: string;
  /** Binary path (tests point it at a recorder). */
  bin?: string;
}

const run = promisify(execFile);

/** The argv of `<runtime> run …` for one engine (exported for tests: no runtime is needed to check it). */
export function ociRunArgs(
  o: OciOptions,
  name: string,
  cmd: string,
  args: string[],
  w: { scratch: string; readOnly: string[]; env: Record<string, string> },
): string[] {
  const l = o.limits ?? DEFAULT_LIMITS;
  const a = ["run", "--rm", "--name", name, "--init", "--network", "none", "--read-only"];
  a.push("--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", o.user ?? "65534:65534");
  a.push("--memory", String(l.memoryBytes), "--pids-limit", String(l.processes));
  a.push(
    "--ulimit",
    `nofile=${l.openFiles}:${l.openFiles}`,
    "--ulimit",
    `fsize=${l.fileBytes}:${l.fileBytes}`,
  );
  a.push("--tmpfs", `/tmp:rw,size=${l.tmpBytes},mode=1777`, "--workdir", w.scratch);
  // vLLM's processes talk through POSIX shared memory; the runtimes' 64 MiB default is too small.
  a.push("--shm-size", String(l.shmBytes ?? l.tmpBytes));
  if (o.hfHome) a.push("--volume", `${o.hfHome}:/hf:ro`);
  a.push("--volume", `${w.scratch}:${w.scratch}:rw`);
  for (const p of w.readOnly) a.push("--volume", `${p}:${p}:ro`);
  if (o.gpu !== undefined)
    a.push(
      ...(o.runtime === "podman" ? ["--device", `nvidia.com/gpu=${o.gpu}`] : ["--gpus", `device=${o.gpu}`]),
    );
  const env = { ...w.env, HOME: "/tmp", ...(o.hfHome ? { HF_HOME: "/hf" } : {}) };
  for (const [k, v] of Object.entries(env)) a.push("--env", `${k}=${v}`);
  return [...a, "--entrypoint", cmd, o.image, ...args];
}

export function ociSandbox(o: OciOptions): Sandbox {
  const bin = o.bin ?? o.runtime;
  return {
    name: `${o.runtime} (${o.image})`,
    wrap(cmd, args, w) {
      const name = `velodrome-engine-${randomBytes(6).toString("hex")}`;
      return {
        cmd: bin,
        args: ociRunArgs(o, name, cmd, args, w),
        env: { PATH: "/usr/bin:/bin" },
        // Killing the client does not stop a container: remove it, and everything in it.
        cleanup: async () => {
          await run(bin, ["rm", "--force", name]).catch(() => undefined);
        },
      };
    },
  };
}

/** Where `--sandbox oci` reads its configuration: the runner's environment (set by the organizer). */
export const OCI_ENV = {
  runtime: "VELODROME_OCI_RUNTIME",
  image: "VELODROME_OCI_IMAGE",
  gpu: "VELODROME_OCI_GPU",
  user: "VELODROME_OCI_USER",
  hfHome: "VELODROME_OCI_HF_HOME",
} as const;

/**
 * The OCI options this runner is configured with, or undefined when it is not (no image named).
 * A runtime other than podman or docker is refused rather than guessed.
 */
export function ociOptionsFromEnv(env: Record<string, string | undefined>): OciOptions | undefined {
  const image = env[OCI_ENV.image];
  if (!image) return undefined;
  const runtime = env[OCI_ENV.runtime] ?? "podman";
  if (runtime !== "podman" && runtime !== "docker")
    throw new Error(`${OCI_ENV.runtime} must be podman or docker, got \`${runtime}\``);
  return {
    runtime,
    image,
    ...(env[OCI_ENV.gpu] ? { gpu: env[OCI_ENV.gpu] } : {}),
    ...(env[OCI_ENV.user] ? { user: env[OCI_ENV.user] } : {}),
    ...(env[OCI_ENV.hfHome] ? { hfHome: env[OCI_ENV.hfHome] } : {}),
  };
}
