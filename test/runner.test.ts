import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { embeddedLauncher, groupAlive, type EngineLauncher } from "../runner/adapters/engines/launch.ts";
import { nodeBenchPorts } from "../runner/adapters/runner-ports.ts";
import { silentProgress } from "../runner/adapters/progress.ts";
import { httpEngineClient } from "../runner/adapters/engines/client.ts";
import {
  HERE,
  runBenchmark,
  type BenchOptions,
  type BlockPool,
  type PromptSet,
} from "../runner/flows/run/index.ts";
import { processPool } from "../runner/adapters/block-workers.ts";
import { makeReference as makeReferenceFlow, type Contender } from "../runner/flows/reference.ts";
import { corpusPerplexity, type PromptItem } from "../runner/core/verify.ts";
import { bubblewrap, bubblewrapAvailable } from "../runner/adapters/sandbox/sandbox.ts";
import { vllmServeArgv } from "../runner/core/engine-args.ts";
import { currentLeader } from "../runner/core/standings.ts";
import { parsePrompts } from "../runner/core/prompts.ts";
import { ChallengeSchema, type Challenge } from "../runner/core/schema/challenge.ts";
import { RunRecord } from "../runner/core/schema/run-record.ts";
import { SubmissionSchema } from "../runner/core/schema/submission.ts";
import { parse } from "yaml";
import { REPO_ROOT, removeDir, tempDir } from "./helpers.ts";

const MODELS = join(REPO_ROOT, ".velodrome/models");
/** Each engine-launching test gets this much: a loaded 2-core machine is several times slower. */
const ENGINE_TEST_MS = 240_000;
let work: string;
let challenge: Challenge;
let pub: PromptSet;
let priv: PromptSet;
let usedPublic: string; // the public prompt lines the tests time (what a pre-warming cheat would cache)
// Engines run as they do on a runner: in the sandbox (as the unprivileged engine user when the
// tests run as root), wherever bubblewrap is installed (.ci/run installs it).
const launcher = (entry?: string, sandbox = bubblewrapAvailable()): EngineLauncher =>
  embeddedLauncher({
    repoRoot: REPO_ROOT,
    modelsDir: MODELS,
    ...(entry ? { entry: join(REPO_ROOT, "test/fixtures/engines", entry) } : {}),
    ...(sandbox ? { sandbox: bubblewrap() } : {}),
  });
/** The benchmark flow on this machine's adapters, with the launcher under test. */
const runBench = ({ launcher: l, ...o }: BenchOptions & { launcher: EngineLauncher }) =>
  runBenchmark(nodeBenchPorts(l, silentProgress), o);
const makeReference = (
  l: EngineLauncher,
  ch: Challenge,
  base: Contender,
  prompts: PromptItem[],
  dir: string,
) => makeReferenceFlow({ launcher: l, client: httpEngineClient }, ch, base, prompts, dir);
const sub = (engine: unknown, extra: Record<string, unknown> = {}) =>
  SubmissionSchema.parse({
    schema: 1,
    title: "t",
    authors: ["alice"],
    parents: ["baseline"],
    engine,
    ...extra,
  });
const baseline = {
  slug: "baseline",
  manifest: sub({ kind: "embedded", args: { quantization: "f32" } }, { parents: [] }),
};

beforeAll(async () => {
  work = await tempDir("velodrome-runner-");
  const raw = parse(await readFile(join(REPO_ROOT, "runner/demo/template/challenge/challenge.yaml"), "utf8"));
  raw.metric.max_tokens = 12;
  raw.metric.repeats = 1;
  delete raw.significance.prompts_per_group; // every prompt in every launch; the --runners test sets it
  challenge = ChallengeSchema.parse(raw);
  const text = await readFile(join(REPO_ROOT, "runner/demo/template/challenge/prompts/public.jsonl"), "utf8");
  const { prompts } = parsePrompts("public.jsonl", text, "embedded", 3);
  usedPublic = text.split("\n").filter(Boolean).slice(0, prompts.length).join("\n") + "\n";
  // A "private" set of other prompts for the confirmation test; one reference launch serves both sets.
  const privText = await readFile(join(REPO_ROOT, "challenge/prompts/public.jsonl"), "utf8");
  const privPrompts = parsePrompts(
    "private.jsonl",
    privText.split("\n").slice(60, 62).join("\n"),
    "embedded",
  ).prompts;
  const ref = await makeReference(launcher(), challenge, baseline, [...prompts, ...privPrompts], work);
  const setOf = (items: PromptItem[]): PromptSet => {
    const lines = ref.lines.filter((l) => items.some((p) => p.id === l.id));
    return {
      prompts: items,
      reference: new Map(lines.map((l) => [l.id, l])),
      referencePpl: corpusPerplexity(lines),
    };
  };
  pub = setOf(prompts);
  priv = setOf(privPrompts);
}, ENGINE_TEST_MS);
afterAll(async () => removeDir(work));

const bench = (
  candidate: { slug: string; manifest: ReturnType<typeof sub> },
  l: EngineLauncher = launcher(),
  blocks = 2,
  ch: Challenge = challenge,
) =>
  runBench({
    id: `t-${candidate.slug}`,
    challenge: ch,
    candidate,
    incumbent: baseline,
    launcher: l,
    public: pub,
    workDir: join(work, candidate.slug),
    plainCacheDir: join(work, "plain-cache"),
    scorer: baseline,
    seed: 5,
    blocks,
    runner: { id: "test", hardware: "ci" },
    startTimeoutMs: 60_000,
    requestTimeoutMs: 60_000,
  });

describe("runner on the embedded engine (real llama.cpp launches)", { timeout: ENGINE_TEST_MS }, () => {
  it("runs blocks of fresh launches in the seeded order and records them", async () => {
    const { record } = await bench({
      slug: "q8",
      manifest: sub({ kind: "embedded", args: { quantization: "q8_0" } }),
    });
    expect(RunRecord.parse(record)).toEqual(record);
    expect(record.status, record.reason).toBe("ok");
    expect(record.launches).toHaveLength(4);
    // Each block has one launch of each arm, in the order the design chose.
    for (const [b, o] of record.design.order.entries()) {
      const ls = record.launches.filter((l) => l.block === b).sort((x, y) => x.position - y.position);
      expect(ls.map((l) => l.arm)).toEqual(
        o === "CI" ? ["candidate", "incumbent"] : ["incumbent", "candidate"],
      );
    }
    expect(record.design.order.filter((o) => o === "CI")).toHaveLength(1); // balanced
    expect(record.comparison).not.toBeNull();
    expect(record.comparison!.ci[0]).toBeLessThan(record.comparison!.ci[1]);
    expect(record.quality.candidate!.greedy.prompts).toBe(3);
    // q8_0 weights decoded plainly: identical to its own plain decode, whatever the f32 baseline says.
    expect(record.quality.candidate!.identity).toMatchObject({ ok: true, prompts: 3, exact: 3 });
    expect(record.quality.candidate!.outputNll).toMatchObject({ ok: true, increase: 0 });
    expect(record.quality.incumbent!.ok).toBe(true);
    expect(record.quality.incumbent!.pplIncrease).toBeCloseTo(0, 6);
    for (const l of record.launches) {
      expect(l.runs.every((r) => r > 10)).toBe(true);
      expect(l.tokens).toBe(3 * 12);
      expect(l.outputsSha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  // The three verification outcomes on real engine configurations (lossy top-2 acceptance fails
  // identity; exact speculation on a q8 target passes it; a lossy path behind exact prompt logprobs
  // is caught by the scorer) are asserted by test/demo.test.ts on the demo's lossy-top2, q8-spec
  // and loose-tail, the same engine options; here they would cost ~100 s of launches again.

  it("the plain-decode reference is made once per commit and configuration, then reused", async () => {
    let launches = 0;
    const inner = launcher();
    const counting: EngineLauncher = { ...inner, launch: (s) => (launches++, inner.launch(s)) };
    const candidate = {
      slug: "q8c",
      manifest: sub({ kind: "embedded", args: { quantization: "q8_0" } }),
      commit: "c".repeat(40),
    };
    const run = (id: string) =>
      runBench({
        id,
        challenge,
        candidate,
        incumbent: baseline,
        launcher: counting,
        public: pub,
        workDir: join(work, id),
        plainCacheDir: join(work, "counted-cache"),
        scorer: baseline,
        seed: 5,
        blocks: 2,
        runner: { id: "test", hardware: "ci" },
        startTimeoutMs: 60_000,
        requestTimeoutMs: 60_000,
      });
    const first = await run("t-cache-1");
    expect(first.record.status, first.record.reason).toBe("ok");
    expect(launches).toBe(4 + 2 + 1); // 2 blocks, a plain reference per arm, the scorer
    launches = 0;
    const second = await run("t-cache-2");
    expect(second.record.status, second.record.reason).toBe("ok");
    expect(launches).toBe(4 + 1); // both plain references came from the cache
    expect(second.record.quality.candidate!.identity).toEqual(first.record.quality.candidate!.identity);
  });

  // Nine launches (four blocks of two, then the private re-run): twice the others' budget.
  it(
    "a cheat that pre-warms the public prompts before reporting healthy gains nothing: the private re-run fails confirmation",
    { timeout: 2 * ENGINE_TEST_MS },
    async () => {
      // The cheat caches exactly what is timed (the prompts in use, max_tokens each): no wasted
      // decoding. It learns them from a file in its scratch dir (the public set is public anyway;
      // a submission cannot pass it through env, whose VELODROME_* names are refused).
      const plan = JSON.stringify({ prompts: usedPublic, maxTokens: challenge.metric.max_tokens });
      const manifest = sub({ kind: "embedded", args: { quantization: "f32" } });
      const cheat = launcher("prewarm.ts");
      const { record } = await runBench({
        id: "t-prewarm",
        challenge,
        candidate: { slug: "prewarm", manifest },
        incumbent: baseline,
        launcher: {
          kind: "embedded",
          version: async () => "test",
          launch: async (spec) => {
            if (spec.slug !== "prewarm") return launcher().launch(spec);
            await mkdir(spec.scratch, { recursive: true });
            await writeFile(join(spec.scratch, "prewarm-plan.json"), plan);
            return cheat.launch(spec);
          },
        },
        public: pub,
        private: priv,
        workDir: join(work, "prewarm"),
        seed: 5,
        // Eight blocks: the cheat's cached speed swings from block to block, and with four a loaded
        // CI machine once left an 11× gain unresolved (t with 3 degrees of freedom, p 0.09).
        blocks: 8,
        runner: { id: "test", hardware: "ci" },
        startTimeoutMs: 60_000,
        requestTimeoutMs: 60_000,
      });
      expect(record.status, record.reason).toBe("ok");
      expect(record.quality.candidate!.ok).toBe(true); // its outputs are right…
      expect(record.comparison!.verdict, JSON.stringify(record.comparison)).toBe("faster"); // …and on the public prompts it looks much faster,
      // …but the private re-run is far slower than the claim: below the tolerance, or (on a loaded
      // machine) past the per-token budget its private requests get from the claim (F1).
      const c = record.confirmation;
      expect(c.status, JSON.stringify(c)).toBe("failed");
      const tooSlow =
        c.ratio !== undefined
          ? c.ratio < 1 - challenge.verification.confirm_tolerance
          : /did not finish its response within \d+ ms/.test(c.reason ?? "");
      expect(tooSlow, JSON.stringify(c)).toBe(true);
      expect(currentLeader(challenge, [record], []).slug).toBe("baseline");
    },
  );

  it("a cheat that decodes differently on prompts it has seen before is caught", async () => {
    // Two timed passes: the second sees every prompt again. Every pass's outputs are verified, so
    // being exact on first sight and different on repeats does not pass.
    const twice = { ...challenge, metric: { ...challenge.metric, repeats: 2 } };
    const { record } = await bench(
      { slug: "seen", manifest: baseline.manifest },
      launcher("seen-before.ts"),
      2,
      twice,
    );
    expect(record.status).toBe("invalid");
    expect(record.quality.candidate!.greedy.exactFraction).toBeLessThan(1);
    expect(record.quality.candidate!.identity!.ok).toBe(false);
  });
});

describe(
  "bad engines end with a clear error record and no leftover process",
  { timeout: ENGINE_TEST_MS },
  () => {
    for (const [name, entry, pattern] of [
      [
        "crashes at start",
        "crash.ts",
        /exited with code 3 before becoming healthy[\s\S]*failing to load the model on purpose/,
      ],
      ["never becomes healthy", "never-healthy.ts", /did not become healthy within/],
      [
        "cuts the stream mid-way",
        "cut-stream.ts",
        /closed the connection|without \[DONE\]|ECONNRESET|socket hang up|stream/,
      ],
    ] as const) {
      it(name, async () => {
        // Only the engine that never turns healthy waits out its start timeout; the others get a
        // generous one so a slow start on a loaded machine is not mistaken for their own failure.
        const startTimeoutMs = entry === "never-healthy.ts" ? 4000 : 60_000;
        const l = launcher(entry);
        const pids: number[] = [];
        const spy: EngineLauncher = {
          kind: l.kind,
          version: l.version,
          launch: async (s) => {
            const e = await l.launch({ ...s, startTimeoutMs });
            pids.push(e.pid);
            return e;
          },
        };
        const t0 = Date.now();
        const { record } = await bench(
          { slug: "x", manifest: baseline.manifest },
          entry === "cut-stream.ts" ? spy : { ...l, launch: (s) => l.launch({ ...s, startTimeoutMs }) },
        );
        expect(record.status).toBe("error");
        expect(record.reason).toMatch(pattern);
        expect(record.comparison).toBeNull();
        // Far below the default 10-minute start timeout: a bad engine ends the run promptly.
        expect(Date.now() - t0).toBeLessThan(120_000);
        for (const pid of pids) expect(groupAlive(pid)).toBe(false);
      });
    }

    it("an unknown engine arg is refused before any launch, with a line-anchored message", async () => {
      const r = SubmissionSchema.safeParse({
        schema: 1,
        title: "t",
        authors: ["a"],
        engine: { kind: "embedded", args: { "flash-attn": true } },
      });
      expect(r.success).toBe(false);
    });
  },
);

describe("--runners: blocks shared out over worker processes", { timeout: 2 * ENGINE_TEST_MS }, () => {
  it("two workers give the records one process gives, modulo timing, each block on one worker", async () => {
    const candidate = { slug: "q8w", manifest: sub({ kind: "embedded", args: { quantization: "q8_0" } }) };
    const grouped = { ...challenge, significance: { ...challenge.significance, prompts_per_group: 2 } };
    const run = (pool?: BlockPool) =>
      runBenchmark(
        nodeBenchPorts(launcher(), silentProgress),
        {
          id: "t-workers",
          challenge: grouped,
          candidate,
          incumbent: baseline,
          public: pub,
          workDir: join(work, pool ? "workers" : "single"),
          seed: 9,
          blocks: 2,
          runner: { id: "host", hardware: "ci" },
          startTimeoutMs: 60_000,
          requestTimeoutMs: 60_000,
        },
        pool ? { kind: "pool", pool } : HERE,
      );
    const sandbox = bubblewrapAvailable() ? "bwrap" : "none";
    const pool = processPool(2, { kind: "embedded", programRoot: REPO_ROOT, sandbox });
    const [one, two] = [(await run()).record, (await run(pool)).record];
    expect(one.status, one.reason).toBe("ok");
    expect(two.status, two.reason).toBe("ok");
    // Each block ran whole on one worker, recorded as its machine; one process records none.
    for (const b of [0, 1])
      expect(new Set(two.launches.filter((l) => l.block === b).map((l) => l.machine))).toEqual(
        new Set([`host/worker-${b + 1}`]),
      );
    expect(one.launches.every((l) => l.machine === undefined)).toBe(true);
    // Everything but the timings is the same: design, launches in order, groups, outputs, quality.
    const untimed = (r: typeof one) => ({
      design: r.design,
      launches: r.launches.map((l) => ({
        arm: l.arm,
        block: l.block,
        position: l.position,
        group: l.group,
        tokens: l.tokens,
        prompts: l.perPrompt!.map((p) => p.slice(0, 2)),
        outputs: l.outputsSha256,
      })),
      quality: r.quality.candidate!.greedy,
      verdictGiven: r.comparison !== null,
    });
    expect(untimed(two)).toEqual(untimed(one));
    // Engine start is measured per launch: from spawn to healthy and serving, never zero.
    for (const l of [...one.launches, ...two.launches]) expect(l.startMs).toBeGreaterThan(0);
  });
});

// The sandbox's containment (network, private prompts, credentials, writes, daemons, limits) is
// tested with the shipped hostile engine in test/audit.test.ts.

describe("vLLM launch contract", () => {
  it("builds `vllm serve` argv with harness-owned flags first and typed args as vLLM spells them", async () => {
    const { parseChallenge } = await import("../runner/core/validate/manifest.ts");
    const ch = parseChallenge(
      "c",
      await readFile(join(REPO_ROOT, "challenge/challenge.yaml"), "utf8"),
    ).value!;
    const m = SubmissionSchema.parse({
      schema: 1,
      title: "t",
      authors: ["a"],
      parents: ["baseline"],
      engine: {
        kind: "vllm",
        args: {
          "kv-cache-dtype": "fp8",
          "enforce-eager": false,
          "speculative-config": { method: "mtp", num_speculative_tokens: 4 },
          "max-num-seqs": 1,
          extra_args: ["--disable-cascade-attn"],
        },
      },
    });
    const argv = vllmServeArgv(m, ch, "/scratch/engine.sock");
    expect(argv.slice(0, 2)).toEqual(["serve", "google/gemma-4-E4B-it"]);
    // A Unix socket in scratch, never a TCP port: the sandbox has no network.
    expect(argv[argv.indexOf("--uds") + 1]).toBe("/scratch/engine.sock");
    expect(argv).not.toContain("--host");
    expect(argv).not.toContain("--port");
    expect(argv).toEqual(
      expect.arrayContaining([
        "--served-model-name",
        "velodrome",
        "--generation-config",
        "vllm",
        "--kv-cache-dtype",
        "fp8",
        "--no-enforce-eager",
        "--max-num-seqs",
        "1",
      ]),
    );
    expect(argv[argv.indexOf("--speculative-config") + 1]).toBe(
      '{"method":"mtp","num_speculative_tokens":4}',
    );
    expect(argv.at(-1)).toBe("--disable-cascade-attn");
  });
});
