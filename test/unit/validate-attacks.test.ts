/**
 * Validation tried as an attacker would: every way a manifest could reach code loading, the
 * network, credentials or the harness's own flags is refused with a file:line problem.
 */
import { describe, expect, it } from "vitest";
import { parseSubmission } from "../../runner/core/validate/manifest.ts";
import { PROBLEM_CODES } from "../../runner/core/validate/problem.ts";
import { challengeWith, codes, MANIFEST, only, validate } from "./validate-fixtures.ts";

const withEnv = (lines: string) => MANIFEST.replace('    VLLM_USE_V1: "1"\n', lines);
const withArgs = (lines: string) =>
  MANIFEST.replace("    max-num-seqs: 1\n", `    max-num-seqs: 1\n${lines}`);
const withExtra = (...args: string[]) => withArgs(`    extra_args: ${JSON.stringify(args)}\n`);

describe("env: the deny-list always wins over the challenge's allow-list", () => {
  // An organizer who allows everything still cannot let these through.
  const permissive = challengeWith({
    env_allow: [
      "VLLM_*",
      "LD_*",
      "PYTHON*",
      "HTTPS_*",
      "HF_*",
      "HUGGING_*",
      "GITHUB_*",
      "ACTIONS_*",
      "NODE_*",
      "CC",
      "CXX",
      "TORCH*",
      "TRITON_*",
    ],
  });
  const hostile = [
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "HTTPS_PROXY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "GITHUB_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "NODE_OPTIONS",
    "VLLM_PLUGINS",
    "VLLM_HOST_IP",
    "VLLM_LOGGING_CONFIG_PATH",
    "VLLM_ALLOW_INSECURE_SERIALIZATION",
    // Load a library, run a program, read or write a folder, reach a host (vLLM 0.32's envs.py).
    "VLLM_NCCL_SO_PATH",
    "VLLM_CUDART_SO_PATH",
    "VLLM_RUST_FRONTEND_PATH",
    "VLLM_USE_RUST_FRONTEND",
    "VLLM_CUDA_COMPATIBILITY_PATH",
    "VLLM_DEBUG_DUMP_PATH",
    "VLLM_MODEL_REDIRECT_PATH",
    "VLLM_TUNED_CONFIG_FOLDER",
    "VLLM_NIXL_SIDE_CHANNEL_HOST",
    // A server, hosts, folders, the forced load format and the debug endpoints (envs.py, again).
    "VLLM_USAGE_STATS_SERVER",
    "VLLM_DP_MASTER_IP",
    "VLLM_LOOPBACK_IP",
    "VLLM_ASSETS_CACHE",
    "VLLM_MEDIA_CACHE",
    "VLLM_PRECOMPILED_WHEEL_LOCATION",
    "VLLM_TEST_FORCE_LOAD_FORMAT",
    "VLLM_SERVER_DEV_MODE",
    // Compiled-library caches loaded inside the engine, whatever a challenge allows.
    "TORCHINDUCTOR_CACHE_DIR",
    "TRITON_CACHE_DIR",
    "TORCH_EXTENSIONS_DIR",
    // The C++ compiler torch.compile runs inside the engine.
    "CXX",
    "CC",
  ];
  for (const name of hostile)
    it(`refuses ${name}`, () => {
      const ps = validate(withEnv(`    ${name}: "x"\n`), { challenge: permissive });
      expect(codes(ps)).toEqual(["env-denied"]);
      expect(ps[0]).toMatchObject({ line: 15, col: 5, path: ["engine", "env", name] });
      expect(ps[0]!.fix).toBe(`remove \`${name}\``);
    });

  it("still allows what the allow-list names and the deny-list does not", () => {
    expect(validate(withEnv('    VLLM_USE_V1: "1"\n    VLLM_ATTENTION_BACKEND: FLASHINFER\n'))).toEqual([]);
  });

  it("a lower-case proxy variable cannot even pass the schema", () => {
    expect(codes(validate(withEnv('    https_proxy: "http://evil:8080"\n')))).toEqual(["invalid"]);
  });
});

describe("harness-owned vLLM flags are refused typed or in extra_args", () => {
  const typed = ["host: 0.0.0.0", "port: 9000", "api-key: x", "trust-remote-code: true", "seed: 7"];
  const typedMore = ["worker_extension_cls: evil.Ext", "generation-config: auto", "served-model-name: m"];
  for (const line of [...typed, ...typedMore])
    it(`typed \`${line}\``, () => {
      const ps = validate(withArgs(`    ${line}\n`));
      expect(codes(ps)).toEqual(["harness-owned-flag"]);
      expect(ps[0]!.line).toBe(11);
    });

  const smuggled: string[][] = [
    ["--port", "9000"],
    ["--host=0.0.0.0"],
    ["--api_key", "k"],
    ["--trust-remote-code"],
    ["--trust-remote"], // argparse expands unambiguous abbreviations
    ["--TRUST_REMOTE_CODE"],
    ["--worker-extension-cls", "evil.Ext"],
    ["--plugins", "evil"],
    ["--uds", "/tmp/s"],
    ["--max-logprobs", "1000"],
    ["--generation-config.temperature", "0"],
    ["--middleware", "evil.app"],
    ["--config", "other.yaml"],
    // JSON settings whose keys import code (vLLM 0.32): a Python file run at start-up, a class.
    ["--structured-outputs-config", '{"reasoning_parser_plugin": "submissions/x/evil.py"}'],
    ["--structured-outputs-config.reasoning_parser_plugin", "submissions/x/evil.py"],
    ['--structured_outputs_config={"reasoning_parser_plugin": "evil.py"}'],
    ["--ec-manager-config", '{"encoder_cache_manager_cls": "submissions.x.evil.Manager"}'],
  ];
  for (const args of smuggled)
    it(`extra_args ${JSON.stringify(args)}`, () => {
      const ps = validate(withExtra(...args));
      expect(codes(ps)).toEqual(["harness-owned-flag"]);
      expect(ps[0]!.path).toEqual(["engine", "args", "extra_args", 0]);
    });

  it("typed settings cannot be smuggled through extra_args past their checks", () => {
    const ps = validate(withExtra("--tokenizer", "/etc", "--compilation_config", '{"backend": "os.system"}'));
    expect(codes(ps)).toEqual(["typed-flag-in-extra-args", "typed-flag-in-extra-args"]);
    expect(ps[1]!.fix).toContain("compilation-config:\n  backend: os.system");
    expect(codes(validate(withExtra("-O", '{"backend": "os.system"}')))).toEqual([
      "typed-flag-in-extra-args",
    ]);
  });

  it("short flags must be written long, except plain parallel sizes", () => {
    expect(codes(validate(withExtra("-dpa", "0.0.0.0")))).toEqual(["short-flag"]);
    expect(validate(withExtra("-tp", "1", "--disable-cascade-attn"))).toEqual([]);
  });

  it("compilation-config may not name code to import or paths to write", () => {
    const ps = validate(withArgs("    compilation-config: { backend: os.system, cache_dir: /tmp }\n"));
    expect(codes(ps)).toEqual(["unsafe-setting", "unsafe-setting"]);
    expect(validate(withArgs("    compilation-config: { cudagraph_mode: FULL }\n"))).toEqual([]);
  });

  it("inductor_compile_config may not name a program: cpp.cxx ran a submission's file in vLLM", () => {
    const cxx = '    compilation-config: { inductor_compile_config: { "cpp.cxx": [kernels/cc, g++] } }\n';
    const ps = validate(withArgs(cxx));
    expect(codes(ps)).toEqual(["unsafe-setting"]);
    expect(ps[0]!.path).toEqual([
      "engine",
      "args",
      "compilation-config",
      "inductor_compile_config",
      "cpp.cxx",
    ]);
    expect(ps[0]!.message).toContain("C++ compiler");
    expect(codes(validate(withArgs("    compilation-config: { inductor_compile_config: x }\n")))).toEqual([
      "unsafe-setting",
    ]);
    const switches =
      '    compilation-config: { inductor_compile_config: { max_autotune: true, "cpp.simdlen": 8 } }\n';
    expect(validate(withArgs(switches))).toEqual([]);
  });
});

describe("load-format reads the challenge's checkpoint and nothing else", () => {
  for (const f of ["dummy", "ipc_cache", "modelexpress", "runai_streamer", "tensorizer", "npcache", "evil"])
    it(`refuses load-format ${f}`, () => {
      const ps = validate(withArgs(`    load-format: ${f}\n`));
      expect(codes(ps)).toEqual(["unsafe-setting"]);
      expect(ps[0]!.path).toEqual(["engine", "args", "load-format"]);
    });
  it("keeps the formats that read the checkpoint as it is", () => {
    for (const f of ["auto", "safetensors", "fastsafetensors", "Safetensors"])
      expect(validate(withArgs(`    load-format: ${f}\n`)), f).toEqual([]);
  });
});

describe("paths stay inside the submission folder; models are pinned hub ids", () => {
  const tok = (t: string, files?: string[]) => validate(withArgs(`    tokenizer: ${t}\n`), { files });
  it("refuses a tokenizer outside the folder, or a hub tokenizer", () => {
    for (const t of ["/home/runner/.cache", "../baseline", "tok/../../..", "~/x", "org/evil-tokenizer"])
      expect(codes(tok(t, ["submission.yaml"])), t).toEqual(["path-outside-submission"]);
    expect(tok("org/evil-tokenizer")[0]!.message).toContain("model hub tokenizer");
  });
  it("accepts a tokenizer committed in the folder", () => {
    expect(tok("tokenizer/", ["submission.yaml", "tokenizer/tokenizer.json"])).toEqual([]);
    expect(tok("./tokenizer", ["submission.yaml", "tokenizer/tokenizer.json"])).toEqual([]);
  });
  it("refuses a checkpoint given as a runner path, and an unpinned draft model", () => {
    const model = MANIFEST + "model: { id: /srv/private, revision: x }\n";
    expect(codes(validate(model))).toEqual(["model-path"]);
    const draft = MANIFEST.replace("method: mtp", "method: eagle3\n      model: org/draft");
    expect(codes(validate(draft))).toEqual(["unpinned-model"]);
    const pinned = MANIFEST.replace(
      "method: mtp",
      "method: eagle3\n      model: org/draft\n      revision: abc",
    );
    expect(validate(pinned)).toEqual([]);
  });
});

describe("parser attacks become file:line problems, never exceptions", () => {
  const laughs = [
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
    "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f]",
  ].join("\n");

  it("a billion-laughs document is reported at its first alias", () => {
    const r = parseSubmission("s.yaml", laughs);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: "yaml-alias-limit", line: 2, col: 8 });
    expect(r.problems[0]!.fix).toBeTruthy();
  });

  it("deep nesting, huge files and odd documents are problems", () => {
    const cases: [string, string][] = [
      ["[".repeat(5000) + "]".repeat(5000), "yaml-unreadable"],
      ["title: " + "x".repeat(300 * 1024), "file-too-large"],
      ["a: 1\na: 2\n", "yaml-syntax"],
      ["a: 1\n---\nb: 2\n", "yaml-syntax"],
      ["a: *undefined\n", "yaml-unreadable"],
      ["- just\n- a list\n", "wrong-type"],
      ["title: !!binary aGVsbG8=\n", "wrong-type"],
    ];
    for (const [text, code] of cases) {
      const r = parseSubmission("s.yaml", text);
      expect(r.value, text.slice(0, 40)).toBeUndefined();
      expect(codes(r.problems), text.slice(0, 40)).toContain(code);
    }
  });

  it("every problem any of these produce carries a known code and a position", () => {
    for (const text of [laughs, "{", "a: [", "\t- x", "? [a]\n: b", "%YAML 9.9\n---\na: 1"]) {
      const r = parseSubmission("s.yaml", text);
      for (const p of r.problems) {
        expect(PROBLEM_CODES).toContain(p.code);
        expect(p.line).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it("the schema's own problems carry the path the attacker wrote", () => {
    expect(only(validate(withEnv("    VLLM_USE_V1: [1]\n")), "wrong-type")[0]!.path).toEqual([
      "engine",
      "env",
      "VLLM_USE_V1",
    ]);
  });
});
