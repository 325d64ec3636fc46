import { describe, expect, it } from "vitest";
import { requireVllm } from "../../runner/adapters/runner-ports.ts";
import { main } from "../../runner/cli/main.ts";

const NO_VLLM = {
  HOME: "/nonexistent-home",
  VELODROME_VLLM_VENV: "/nonexistent-venv",
  PATH: "/nonexistent-bin",
};

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  let out = "";
  let err = "";
  const code = await main(args, {
    cwd: "/nonexistent-velodrome-test-dir",
    out: (t) => (out += t + "\n"),
    err: (t) => (err += t + "\n"),
    isTTY: false,
    env,
  });
  return { code, out, err };
}

describe("bench --engine vllm: which vLLM runs, or one clear line", () => {
  it("without vLLM anywhere, names `npm run setup:vllm` in one line", () => {
    expect(() => requireVllm("bwrap", NO_VLLM)).toThrow(
      /^vLLM is not installed \(.*\): run `npm run setup:vllm`[^\n]*$/,
    );
  });

  it("a VELODROME_VLLM_BIN that does not exist is named as such", () => {
    expect(() => requireVllm("auto", { ...NO_VLLM, VELODROME_VLLM_BIN: "/nope/vllm" })).toThrow(
      /VELODROME_VLLM_BIN=\/nope\/vllm does not exist/,
    );
  });

  it("an existing binary is used; an OCI sandbox brings its own vLLM and needs none on the host", () => {
    expect(requireVllm("bwrap", { ...NO_VLLM, VELODROME_VLLM_BIN: process.execPath })).toBe(process.execPath);
    expect(requireVllm("oci", NO_VLLM)).toMatch(/OCI image/);
    expect(requireVllm("auto", { ...NO_VLLM, VELODROME_OCI_IMAGE: "vllm/vllm-openai@sha256:abc" })).toMatch(
      /OCI/,
    );
    expect(() => requireVllm("none", NO_VLLM)).toThrow(/setup:vllm/);
  });

  it("--engine takes only embedded or vllm, and must be the challenge's own", async () => {
    const bad = await cli(["bench", "baseline", "--engine", "sglang"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--engine must be one of embedded, vllm/);
    const wrong = await cli(["bench", "baseline", "--demo", "--engine", "vllm"], NO_VLLM);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/this challenge runs on embedded; its submissions cannot run on vllm/);
  });
});
