import { execFileSync } from "node:child_process";
import { chownSync, existsSync } from "node:fs";
import type { Sandbox, SandboxLimits } from "../../ports.ts";
export type { Sandbox, SandboxOptions, SandboxLimits } from "../../ports.ts";

/**
 * Engine sandboxes. Every engine (the embedded one and vLLM) is started through one of these, and
 * selection is fail-closed: `selectSandbox` throws rather than silently running an engine
 * unconfined. We compose well-kept tools instead of writing our own isolation:
 *  - bubblewrap (user, PID, network, IPC, UTS and mount namespaces; no capabilities),
 *  - util-linux `prlimit` (memory, processes, file size, open files, CPU time),
 *  - util-linux `setpriv` (drop from root to the unprivileged engine user before any of that),
 *  - an OCI runtime (podman or docker) for GPU runners: see ./oci.ts.
 */

/** Limits that hold on a 2-core, 24 GiB CI machine and leave room for a real 8B-class engine. */
export const DEFAULT_LIMITS: SandboxLimits = {
  memoryBytes: 8 * 1024 ** 3,
  processes: 512,
  fileBytes: 256 * 1024 ** 2,
  tmpBytes: 256 * 1024 ** 2,
  openFiles: 1024,
  cpuSeconds: 3600,
};

/**
 * Smaller limits for `velodrome audit`: the same mechanisms, cheap to hit on a 2-core CI machine
 * (allocating 8 GiB to prove an 8 GiB cap would cost more than the whole test suite).
 */
export const AUDIT_LIMITS: SandboxLimits = {
  memoryBytes: 1024 ** 3,
  processes: 256,
  fileBytes: 64 * 1024 ** 2,
  tmpBytes: 64 * 1024 ** 2,
  openFiles: 256,
  cpuSeconds: 600,
};

/** The unprivileged account engines run as when the runner itself is root (created by `.ci/run`). */
export const ENGINE_USER = "velodrome-engine";

export class SandboxUnavailable extends Error {
  override name = "SandboxUnavailable";
}

/** No confinement: only by an explicit `--sandbox none`, for local development. Never a default. */
export const noSandbox: Sandbox = {
  name: "none",
  wrap: (cmd, args, o) => ({ cmd, args, env: o.env }),
};

/** A resolved local account: its numeric ids. */
export interface EngineUser {
  name: string;
  uid: number;
  gid: number;
}

/** Looks an account up with getent (no home-made /etc/passwd parsing). */
export function lookupUser(name: string): EngineUser | undefined {
  try {
    const line = execFileSync("getent", ["passwd", name], { encoding: "utf8" }).trim();
    const [, , uid, gid] = line.split(":");
    return { name, uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}

// util-linux, on every Debian system; absolute so that no PATH is needed to find them.
const PRLIMIT = "/usr/bin/prlimit";
const SETPRIV = "/usr/bin/setpriv";

const SYSTEM_PATHS = [
  "/usr",
  "/lib",
  "/lib64",
  "/bin",
  "/sbin",
  "/etc/ld.so.cache",
  "/etc/alternatives",
  // CPU and NUMA topology, read-only: vLLM's CPU build runs `lscpu` to bind its OpenMP threads to
  // cores, and fails to start without it. Nothing else of /sys is visible.
  "/sys/devices/system/cpu",
  "/sys/devices/system/node",
];

/**
 * `prlimit` arguments for the limits (each a hard and soft rlimit of the engine's processes).
 * Memory is RLIMIT_DATA (private writable memory, Linux >= 4.7), not RLIMIT_AS: V8 reserves ~10 GB
 * of address space per WebAssembly memory, so an address-space cap breaks Node and Python engines.
 */
function prlimitArgs(l: SandboxLimits): string[] {
  return [
    `--data=${l.memoryBytes}`,
    `--nproc=${l.processes}`,
    `--fsize=${l.fileBytes}`,
    `--nofile=${l.openFiles}`,
    `--cpu=${l.cpuSeconds}`,
  ];
}

/** `setpriv` arguments that become `user` and keep no capability, now or after any exec. */
function setprivArgs(user: EngineUser): string[] {
  return [
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    "--clear-groups",
    "--bounding-set=-all",
    "--inh-caps=-all",
    "--no-new-privs",
  ];
}

/**
 * The namespaces. As a normal user, `--unshare-all` (a user namespace too: no capabilities
 * outside it). As root, bubblewrap makes no user namespace worth having (the engine would stay
 * uid 0 outside it), so it unshares the rest, drops every capability but the three setpriv needs,
 * and setpriv then becomes the unprivileged engine user inside the sandbox.
 * With a PID namespace, every process the engine starts (a setsid daemon too) dies with it.
 */
function namespaceArgs(asRoot: boolean): string[] {
  if (!asRoot) return ["--unshare-all", "--cap-drop", "ALL"];
  return [
    ...["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"],
    ...[
      "--cap-drop",
      "ALL",
      "--cap-add",
      "CAP_SETUID",
      "--cap-add",
      "CAP_SETGID",
      "--cap-add",
      "CAP_SETPCAP",
    ],
  ];
}

/**
 * Directories bubblewrap must create to mount `paths` (every ancestor, outermost first). Made
 * explicitly with mode 0755: bubblewrap would otherwise copy the host's modes (0700 for mkdtemp
 * folders), and an engine running as another user could not reach its own files.
 */
function ancestors(paths: string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const parts = p.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) out.add("/" + parts.slice(0, i).join("/"));
  }
  return [...out].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
}

/** bubblewrap's own arguments: namespaces, a read-only system, one writable scratch directory. */
function bwrapArgs(
  o: { scratch: string; readOnly: string[]; env: Record<string, string> },
  l: SandboxLimits,
  asRoot: boolean,
) {
  const system = SYSTEM_PATHS.filter((p) => existsSync(p));
  const a = [...namespaceArgs(asRoot), "--die-with-parent", "--new-session", "--clearenv"];
  a.push("--proc", "/proc", "--dev", "/dev");
  // /tmp is a size-capped tmpfs, so filling it costs memory we bound, not the runner's disk.
  a.push("--perms", "1777", "--size", String(l.tmpBytes), "--tmpfs", "/tmp");
  // POSIX shared memory (shm_open) for the engine's own processes: vLLM's engine core and worker
  // exchange requests through a ring buffer there. Its own tmpfs, capped like /tmp; nothing else
  // on the host shares it (without it, /dev/shm is the bare, root-owned folder of --dev).
  a.push("--perms", "1777", "--size", String(l.tmpBytes), "--tmpfs", "/dev/shm");
  const mounts = [...system, ...o.readOnly, o.scratch];
  for (const d of ancestors(mounts)) if (!mounts.includes(d)) a.push("--perms", "0755", "--dir", d);
  for (const p of [...system, ...o.readOnly]) a.push("--ro-bind", p, p);
  a.push("--bind", o.scratch, o.scratch, "--chdir", o.scratch);
  for (const [k, v] of Object.entries({ ...o.env, HOME: "/tmp", TMPDIR: "/tmp" })) a.push("--setenv", k, v);
  return a;
}

export interface BubblewrapOptions {
  bin?: string;
  limits?: SandboxLimits;
  /** The account to drop to when the runner is root; required then. */
  user?: EngineUser;
  /** Whether the calling process is root (a parameter so tests can check both paths). */
  isRoot?: boolean;
}

/**
 * bubblewrap as an unprivileged user: the engine sees only the system, the given read-only paths
 * and its scratch directory; no network at all (the trusted client talks over a Unix socket in
 * scratch); no capabilities; limits on memory, processes, file size, open files and CPU time.
 * As root, bubblewrap alone is no sandbox (the engine keeps capabilities and can remount), so the
 * engine is first dropped to `user` and the sandbox refuses to start without one.
 */
export function bubblewrap(o: BubblewrapOptions | string = {}): Sandbox & { limits: SandboxLimits } {
  const opts = typeof o === "string" ? { bin: o } : o;
  const bin = opts.bin ?? "/usr/bin/bwrap";
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const isRoot = opts.isRoot ?? process.getuid?.() === 0;
  const user = opts.user ?? (isRoot ? lookupUser(ENGINE_USER) : undefined);
  if (isRoot && !user)
    throw new SandboxUnavailable(
      `refusing to sandbox an engine as root: create the unprivileged user \`${ENGINE_USER}\` ` +
        `(useradd --system --no-create-home ${ENGINE_USER}; .ci/run does this) or run the runner as a normal user`,
    );
  return {
    limits,
    name: user && isRoot ? `bubblewrap (as ${user.name})` : "bubblewrap",
    wrap(cmd, args, w) {
      const asRoot = isRoot && user !== undefined;
      const target = asRoot ? [SETPRIV, ...setprivArgs(user), "--", cmd, ...args] : [cmd, ...args];
      // The engine user must own its scratch directory (the only place it may write).
      if (asRoot) chownSync(w.scratch, user.uid, user.gid);
      const inner = [bin, ...bwrapArgs(w, limits, asRoot), "--", ...target];
      return { cmd: PRLIMIT, args: [...prlimitArgs(limits), "--", ...inner], env: {} };
    },
  };
}

export function bubblewrapAvailable(bin = "/usr/bin/bwrap"): boolean {
  return existsSync(bin);
}
