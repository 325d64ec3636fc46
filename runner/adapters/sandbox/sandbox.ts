import { existsSync } from "node:fs";
import type { Sandbox } from "../../ports.ts";
export type { Sandbox, SandboxOptions } from "../../ports.ts";

/** No confinement: for trusted engines only (the organizers' own baseline in local dry runs). */
export const noSandbox: Sandbox = {
  name: "none",
  wrap: (cmd, args, o) => ({ cmd, args, env: o.env }),
};

/**
 * bubblewrap (Debian's `bubblewrap`): new user, network, PID, IPC and UTS namespaces, so no
 * network at all (the trusted client talks over a Unix socket in the scratch dir); the system
 * read-only; only the given paths visible; environment cleared; dies with its parent.
 */
export function bubblewrap(bin = "/usr/bin/bwrap"): Sandbox {
  return {
    name: "bubblewrap",
    wrap(cmd, args, o) {
      const a = ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv"];
      for (const p of ["/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc/ld.so.cache", "/etc/alternatives"])
        if (existsSync(p)) a.push("--ro-bind", p, p);
      a.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
      for (const p of o.readOnly) a.push("--ro-bind", p, p);
      a.push("--bind", o.scratch, o.scratch, "--chdir", o.scratch);
      for (const [k, v] of Object.entries({ ...o.env, HOME: o.scratch, TMPDIR: "/tmp" }))
        a.push("--setenv", k, v);
      return { cmd: bin, args: [...a, "--", cmd, ...args], env: {} };
    },
  };
}

export function bubblewrapAvailable(bin = "/usr/bin/bwrap"): boolean {
  return existsSync(bin);
}
