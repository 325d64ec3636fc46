/** The launchers' argv and env builders fail closed on what validation refuses. */
import { describe, expect, it } from "vitest";
import { engineEnv, RefusedEngineConfig, vllmServeArgv } from "../../runner/core/engine-args.ts";
import { ownedFlagIn } from "../../runner/core/validate/engine-policy.ts";
import { challengeWith, load, MANIFEST } from "./validate-fixtures.ts";

const manifest = (text: string) => load(text).sub!.manifest;

describe("engine-args refuse what validation refuses, even if validation was skipped", () => {
  it("a harness-owned flag in extra_args never reaches the vllm command line", () => {
    const m = manifest(
      MANIFEST.replace("max-num-seqs: 1", 'max-num-seqs: 1\n    extra_args: ["--host=0.0.0.0"]'),
    );
    expect(() => vllmServeArgv(m, challengeWith(), "/s/engine.sock")).toThrow(RefusedEngineConfig);
  });
  it("a denied environment variable never reaches the engine's environment", () => {
    const m = manifest(MANIFEST.replace('VLLM_USE_V1: "1"', 'PYTHONPATH: "."'));
    expect(() => engineEnv(m, { PATH: "/usr/bin" })).toThrow(/PYTHONPATH/);
  });
  it("a clean manifest passes, with the harness's values winning", () => {
    const m = manifest(MANIFEST);
    expect(engineEnv(m, { PATH: "/usr/bin" })).toEqual({ VLLM_USE_V1: "1", PATH: "/usr/bin" });
    expect(vllmServeArgv(m, challengeWith(), "/s/engine.sock")).toContain("--kv-cache-dtype");
  });
  it("ownedFlagIn reads flags as vLLM's parser does, and skips values", () => {
    expect(ownedFlagIn(["--max-num-seqs", "1", "--Trust_Remote"])).toBe("--Trust_Remote");
    expect(ownedFlagIn(["--tokenizer", "tok"])).toBeUndefined();
    expect(ownedFlagIn(["--disable-cascade-attn", "--port"])).toBe("--port");
    expect(ownedFlagIn(["--enable-lora", "--no-enable-prefix-caching"])).toBeUndefined();
  });
});

describe("the tokenizer is opened inside the submission folder", () => {
  const withTok = (t: string) =>
    manifest(MANIFEST.replace("max-num-seqs: 1", `max-num-seqs: 1\n    tokenizer: ${t}`));
  it("resolves a relative tokenizer against the submission folder", () => {
    const argv = vllmServeArgv(withTok("./tok/"), challengeWith(), "/s/engine.sock", {
      submissionDir: "/repo/submissions/x",
    });
    expect(argv[argv.indexOf("--tokenizer") + 1]).toBe("/repo/submissions/x/tok");
  });
  it("refuses a tokenizer that escapes the folder", () => {
    for (const t of ["/etc", "../baseline", "~/x"])
      expect(() =>
        vllmServeArgv(withTok(t), challengeWith(), "/s/engine.sock", { submissionDir: "/r" }),
      ).toThrow(RefusedEngineConfig);
  });
});
