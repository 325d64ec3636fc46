import { spawnSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { vllmBinary } from "../runner/adapters/runner-ports.ts";
import { bubblewrapAvailable } from "../runner/adapters/sandbox/sandbox.ts";
import type { AuditReport } from "../runner/flows/audit.ts";
import { REPO_ROOT, runCli } from "./helpers.ts";

const ENGINE_TIMEOUT = 300_000;
/** A real vLLM start-up with its Inductor compile, on a loaded 2-core machine, and the stand-in after it. */
const VLLM_TIMEOUT = 1_500_000;

async function audit(...args: string[]): Promise<{ code: number; report: AuditReport }> {
  const r = await runCli(["audit", "--json", ...args], REPO_ROOT);
  return { code: r.code, report: JSON.parse(r.out) as AuditReport };
}

const VLLM_HERE = vllmBinary() !== undefined || spawnSync("sh", ["-c", "command -v vllm"]).status === 0;
if (!VLLM_HERE)
  console.log("test/audit.test.ts: the vLLM audit is skipped: vLLM is not installed (npm run setup:vllm)");

describe("velodrome audit refuses a host it cannot audit, at once (nothing launched)", () => {
  it("--engine vllm without vLLM: not run, exit 1, saying what to install", async () => {
    const r = await runCli(["audit", "--json", "--engine", "vllm"], REPO_ROOT, {
      VELODROME_VLLM_BIN: "/nonexistent/bin/vllm",
    });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out) as { ok: boolean; error: string };
    expect(out.ok).toBe(false);
    expect(out.error).toMatch(/vLLM is not installed.*setup:vllm/);
  });
  it("--sandbox oci without the runtime: not run, exit 1, no attack listed as contained", async () => {
    const r = await runCli(["audit", "--sandbox", "oci"], REPO_ROOT, {
      VELODROME_OCI_IMAGE: `vllm/vllm-openai@sha256:${"0".repeat(64)}`,
      VELODROME_OCI_RUNTIME: "docker",
      PATH: "/nonexistent",
    });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NOT RUN — docker is not installed/);
    expect(r.out).not.toMatch(/contained/);
  });
  it("leaves no canary in the repository", async () => {
    expect((await readdir(REPO_ROOT)).filter((n) => n.startsWith(".audit-"))).toEqual([]);
  });
});

describe.skipIf(!bubblewrapAvailable())("velodrome audit (the shipped hostile engine, real launches)", () => {
  it(
    "in the sandbox every attack is contained, with evidence, and the engine is not root",
    async () => {
      const { code, report } = await audit();
      expect(
        report.attacks.filter((a) => !a.contained),
        JSON.stringify(report, null, 2),
      ).toEqual([]);
      expect(code).toBe(0);
      expect(report.ok).toBe(true);
      expect(report.uid).not.toBe(0);
      expect(report.sandbox).toMatch(/bubblewrap/);
      expect(report.engine).toMatchObject({ kind: "embedded", healthy: true });
      const names = report.attacks.map((a) => a.attack).join("\n");
      for (const a of ["network", "private prompt", "credentials", "outside scratch", "daemon", "fork bomb"])
        expect(names).toContain(a);
      for (const a of ["memory hog", "disk fill", "runner's checkout"]) expect(names).toContain(a);
      for (const a of report.attacks) expect(a.evidence.length).toBeGreaterThan(10);
      // Issue 25: at least 15, with the engine-side attacks on the trusted client and submission code.
      expect(report.attacks.length).toBeGreaterThanOrEqual(15);
      for (const a of [
        "floods",
        "streams forever",
        "drips",
        "malformed stream",
        "stalls on a private prompt",
        "kernels/",
      ])
        expect(names).toContain(a);
      expect(JSON.stringify(report)).not.toContain("engine-canary");
    },
    ENGINE_TIMEOUT,
  );

  it.skipIf(!VLLM_HERE)(
    "vLLM: the attacks run as submission code inside a real `vllm serve` (the rest in the stand-in), all contained",
    async () => {
      const { code, report } = await audit("--engine", "vllm");
      expect(
        report.attacks.filter((a) => !a.contained),
        JSON.stringify(report, null, 2),
      ).toEqual([]);
      expect(code).toBe(0);
      expect(report.sandbox).toMatch(/bubblewrap/);
      expect(report.uid).not.toBe(0);
      // The real engine, through the vLLM launcher: healthy on its socket, the hostile code brought in
      // as the submission's "C++ compiler" (Inductor runs it inside the engine).
      expect(report.engine.kind).toBe("vllm");
      expect(report.engine.healthy, report.engine.error).toBe(true);
      const argv = report.engine.argv;
      expect(argv.some((a) => a.endsWith("/bin/vllm"))).toBe(true);
      expect(argv[argv.indexOf("--uds") + 1]).toMatch(/\/engine\.sock$/);
      expect(argv).not.toContain("--port");
      expect(argv[argv.indexOf("--compilation-config") + 1]).toContain("cpp.cxx");
      const inReal = report.attacks.filter((a) => a.engine?.startsWith("real vllm"));
      const names = inReal.map((a) => a.attack).join("\n");
      for (const a of ["network", "private prompt", "runner's checkout", "credentials", "outside scratch"])
        expect(names).toContain(a);
      for (const a of ["daemon", "fork bomb", "disk fill", "kernels/"]) expect(names).toContain(a);
      // Evidence that the code really ran in the engine: it reported what it tried, as the engine user.
      expect(inReal.find((a) => a.attack === "fork bomb")!.evidence).toMatch(/^started \d+ of/);
      // What a real engine cannot host ran in the stand-in, and the report says why.
      expect(report.standin).toMatchObject({ kind: "vllm", healthy: true });
      const standin = report.attacks.filter((a) => a.engine?.startsWith("stand-in"));
      expect(standin.map((a) => a.attack)).toContain("memory hog");
      expect(
        standin.filter((a) => /^engine (floods|streams|drips|sends|stalls)/.test(a.attack)),
      ).toHaveLength(5);
      for (const a of standin) expect(a.engine).toMatch(/: (an attack on the trusted client needs|proving)/);
    },
    VLLM_TIMEOUT,
  );

  it(
    "without the sandbox the same engine escapes, so the audit can fail (exit 1)",
    async () => {
      const { code, report } = await audit("--sandbox", "none");
      expect(code).toBe(1);
      expect(report.ok).toBe(false);
      const escaped = report.attacks.filter((a) => !a.contained).map((a) => a.attack);
      expect(escaped).toContain("outbound network");
      expect(escaped).toContain("read the private prompt file");
      expect(escaped).toContain("read the runner's checkout (earlier runs' raw results)");
      expect(escaped).toContain("daemon that outlives the engine");
      expect(escaped).toContain("disk fill");
    },
    ENGINE_TIMEOUT,
  );
});
