/** vLLM runs only sandboxed, on a Unix socket: argv, sandbox selection and the launcher's wrapping. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { vllmLauncher } from "../../runner/adapters/engines/launch.ts";
import { makeLauncher } from "../../runner/adapters/runner-ports.ts";
import { noSandbox, SandboxUnavailable } from "../../runner/adapters/sandbox/sandbox.ts";
import { selectSandbox } from "../../runner/adapters/sandbox/select.ts";
import { RefusedEngineConfig, vllmServeArgv } from "../../runner/core/engine-args.ts";
import type { Sandbox, SandboxOptions } from "../../runner/ports.ts";
import { challengeWith, load, MANIFEST } from "./validate-fixtures.ts";

const manifest = (text: string) => load(text).sub!.manifest;
const withExtra = (flags: string) =>
  manifest(MANIFEST.replace("max-num-seqs: 1", `max-num-seqs: 1\n    extra_args: ${flags}`));

describe("vllm serve listens on a Unix socket only", () => {
  it("passes --uds with the socket and never --host or --port", () => {
    const argv = vllmServeArgv(manifest(MANIFEST), challengeWith(), "/s/engine.sock");
    expect(argv[argv.indexOf("--uds") + 1]).toBe("/s/engine.sock");
    expect(argv.filter((a) => /^--(host|port)\b/.test(a))).toEqual([]);
  });
  it("refuses a submission that sets the socket, host or port itself", () => {
    for (const flags of ['["--uds", "/tmp/x"]', '["--port=9000"]', '["--host", "0.0.0.0"]'])
      expect(() => vllmServeArgv(withExtra(flags), challengeWith(), "/s/engine.sock")).toThrow(
        RefusedEngineConfig,
      );
  });
});

describe("sandbox selection is fail-closed", () => {
  const missing = { bin: "/nonexistent/bwrap", env: {} };
  it("runs unconfined only on an explicit `none`", () => {
    expect(selectSandbox("none")).toBe(noSandbox);
    expect(() => selectSandbox("auto", missing)).toThrow(SandboxUnavailable);
    expect(() => selectSandbox("bwrap", missing)).toThrow(/bubblewrap is not installed/);
  });
  it("`oci` refuses without the configured image, and `auto` takes OCI when it is configured", () => {
    expect(() => selectSandbox("oci", { env: {} })).toThrow(/VELODROME_OCI_IMAGE/);
    const env = { VELODROME_OCI_IMAGE: "vllm/vllm-openai@sha256:abc", VELODROME_OCI_GPU: "0" };
    expect(selectSandbox("oci", { env }).name).toBe("podman (vllm/vllm-openai@sha256:abc)");
    expect(selectSandbox("auto", { ...missing, env }).name).toMatch(/^podman/);
    expect(() => selectSandbox("oci", { env: { ...env, VELODROME_OCI_RUNTIME: "runc" } })).toThrow(/podman/);
  });
  it("the CLI's launcher for vLLM refuses `oci` when this runner has no OCI configuration", () => {
    const saved = process.env.VELODROME_OCI_IMAGE;
    delete process.env.VELODROME_OCI_IMAGE;
    try {
      expect(() => makeLauncher("vllm", "/repo", "oci")).toThrow(SandboxUnavailable);
    } finally {
      if (saved !== undefined) process.env.VELODROME_OCI_IMAGE = saved;
    }
  });
});

describe("vllmLauncher goes through the sandbox", () => {
  it("wraps `vllm serve --uds <scratch>/engine.sock`, caches in scratch, and cleans up after stop", async () => {
    const scratch = await mkdtemp(join(tmpdir(), "velodrome-vllm-"));
    const seen: { cmd: string; args: string[]; o: SandboxOptions }[] = [];
    let cleaned = 0;
    const recorder: Sandbox = {
      name: "recorder",
      wrap(cmd, args, o) {
        seen.push({ cmd, args, o });
        // The "engine" exits at once: the launch fails, and stop() must still clean up.
        return { cmd: "/bin/sh", args: ["-c", "exit 3"], env: {}, cleanup: async () => void cleaned++ };
      },
    };
    const launcher = vllmLauncher({ sandbox: recorder, vllmBin: "vllm" });
    const spec = {
      slug: "x",
      manifest: manifest(MANIFEST),
      challenge: challengeWith(),
      scratch,
      logFile: join(scratch, "log.txt"),
      startTimeoutMs: 20_000,
    };
    try {
      await expect(launcher.launch(spec)).rejects.toThrow(/exited with code 3/);
      expect(seen).toHaveLength(1);
      const { cmd, args, o } = seen[0]!;
      expect([cmd, args[0], args[args.indexOf("--uds") + 1]]).toEqual([
        "vllm",
        "serve",
        join(scratch, "engine.sock"),
      ]);
      expect(o.scratch).toBe(scratch);
      expect(o.env.VLLM_CACHE_ROOT).toBe(join(scratch, "vllm-cache"));
      expect(o.env.VLLM_USE_V1).toBe("1"); // the submission's allowed env reaches the engine
      expect(cleaned).toBe(1);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe("the OCI sandbox finds the weights offline", () => {
  it("mounts the runner's HF cache read-only at /hf with HF_HOME, and sizes /dev/shm", async () => {
    const { ociOptionsFromEnv, ociRunArgs } = await import("../../runner/adapters/sandbox/oci.ts");
    const o = ociOptionsFromEnv({ VELODROME_OCI_IMAGE: "img@sha256:abc", VELODROME_OCI_HF_HOME: "/srv/hf" })!;
    const args = ociRunArgs(o, "n", "vllm", ["serve", "org/m"], { scratch: "/s", readOnly: ["/w"], env: {} });
    expect(args.join(" ")).toContain("--volume /srv/hf:/hf:ro");
    expect(args.join(" ")).toContain("--env HF_HOME=/hf");
    expect(args.join(" ")).toContain("--volume /w:/w:ro");
    expect(args[args.indexOf("--shm-size") + 1]).toMatch(/^\d+$/);
    const none = ociRunArgs({ ...o, hfHome: undefined }, "n", "vllm", [], {
      scratch: "/s",
      readOnly: [],
      env: {},
    });
    expect(none.join(" ")).not.toContain("HF_HOME");
  });
});

describe("the OCI sandbox's memory, /tmp and shared memory come from challenge.yaml", () => {
  const w = { scratch: "/s", readOnly: [], env: {} };
  const value = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
  it("unset, today's defaults: 8 GiB, a 256 MiB /tmp and /dev/shm", async () => {
    const { ociRunArgs } = await import("../../runner/adapters/sandbox/oci.ts");
    const { DEFAULT_LIMITS } = await import("../../runner/adapters/sandbox/sandbox.ts");
    const { challengeLimits } = await import("../../runner/core/sandbox-limits.ts");
    const limits = challengeLimits(DEFAULT_LIMITS, challengeWith());
    expect(limits).toBe(DEFAULT_LIMITS);
    const args = ociRunArgs({ runtime: "podman", image: "i", limits }, "n", "vllm", [], w);
    expect(value(args, "--memory")).toBe(String(8 * 1024 ** 3));
    expect(value(args, "--tmpfs")).toBe(`/tmp:rw,size=${256 * 1024 ** 2},mode=1777`);
    expect(value(args, "--shm-size")).toBe(String(256 * 1024 ** 2));
  });
  it("set, each field overrides its own limit and leaves the others", async () => {
    const { ociRunArgs } = await import("../../runner/adapters/sandbox/oci.ts");
    const { DEFAULT_LIMITS } = await import("../../runner/adapters/sandbox/sandbox.ts");
    const { challengeLimits } = await import("../../runner/core/sandbox-limits.ts");
    const { ChallengeSchema } = await import("../../runner/core/schema/challenge.ts");
    const base = challengeWith();
    const c = { hardware: { ...base.hardware, sandbox: { memory_gib: 40, shm_mib: 16384 } } };
    const limits = challengeLimits(DEFAULT_LIMITS, c);
    const args = ociRunArgs({ runtime: "docker", image: "i", gpu: "0", limits }, "n", "vllm", [], w);
    expect(value(args, "--memory")).toBe(String(40 * 1024 ** 3));
    expect(value(args, "--shm-size")).toBe(String(16384 * 1024 ** 2));
    expect(value(args, "--tmpfs")).toBe(`/tmp:rw,size=${256 * 1024 ** 2},mode=1777`);
    expect(value(args, "--pids-limit")).toBe(String(DEFAULT_LIMITS.processes));
    const hardware = ChallengeSchema.shape.hardware;
    expect(hardware.safeParse(c.hardware).success).toBe(true);
    expect(hardware.safeParse({ ...c.hardware, sandbox: { memory_gib: -1 } }).success).toBe(false);
    expect(hardware.safeParse({ ...c.hardware, sandbox: { swap_gib: 1 } }).success).toBe(false);
  });
});
