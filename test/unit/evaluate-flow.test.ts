import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ShaMoved } from "../../runner/core/errors.ts";
import type { CompletionResponse, StreamMeasurement } from "../../runner/core/protocol/openai.ts";
import { detokenizeBytes } from "../../runner/core/gguf/generate.ts";
import { ChallengeSchema } from "../../runner/core/schema/challenge.ts";
import { EvaluateResult, RunRecord } from "../../runner/core/schema/run-record.ts";
import {
  evaluate,
  evaluateShare,
  type EvaluatePorts,
  type EvaluateRequest,
} from "../../runner/flows/evaluate.ts";
import { encodeResults, gatheredShares } from "../../runner/adapters/block-workers.ts";
import { parseRunRecord } from "../../runner/core/schema/run-record.ts";
import type { Reservation } from "../../runner/core/schema/data.ts";
import type {
  DataState,
  EngineClient,
  EngineLauncher,
  PullValidation,
  RepoFiles,
  WorkFiles,
} from "../../runner/ports.ts";
import { ALICE, reservation, runRecord, type Scenario } from "../fakes/bot-fixtures.ts";
import { REPO_ROOT } from "../paths.ts";

// The evaluate flow (what a GPU runner executes) on an in-memory file system and fake engines. Its
// result file is uploaded as a public artifact, so an attacker's engine that puts private prompts
// or anything else into its error text must find none of it in that file.

const SECRET = "SECRET-PRIVATE-PROMPT";
const MAIN = "/main";
const raw = parse(readFileSync(join(REPO_ROOT, "runner/demo/template/challenge/challenge.yaml"), "utf8"));
raw.metric.max_tokens = 4;
raw.verification.confirm_tolerance = 0.12;
const challenge = ChallengeSchema.parse(raw);

const manifestText = (title: string, threads = 1) =>
  stringify({
    schema: 1,
    title,
    description: "A test submission.",
    authors: ["alice"],
    parents: [],
    engine: { kind: "embedded", args: { quantization: "f32", threads } },
  });

/** What the candidate's engine does: honest, crashing with a chatty message, or leaking on private prompts. */
type Candidate = "honest" | "crash-leaking" | "leak-on-private" | "slow-on-private" | "close";

/** The map is the whole disk: absolute path → text. */
function memoryDisk(files: Map<string, string>): WorkFiles {
  return {
    read: async (p) => files.get(p),
    write: async (p, text) => void files.set(p, text),
    mkdir: async () => undefined,
    remove: async (p) => {
      for (const k of [...files.keys()]) if (k === p || k.startsWith(`${p}/`)) files.delete(k);
    },
    copyDir: async (from, to) => {
      for (const [k, v] of [...files]) if (k.startsWith(`${from}/`)) files.set(to + k.slice(from.length), v);
    },
  };
}

function repoOn(files: Map<string, string>, root: string): RepoFiles {
  return {
    root,
    read: async (rel) => files.get(`${root}/${rel}`),
    dirs: async () => [],
    walk: async () => [],
  };
}

const text = (ids: number[]) => detokenizeBytes(ids);
const continuation = (prompt: number[]) => Array.from({ length: 4 }, (_, i) => (prompt[0]! + i) % 256);

/** Fake engines: the baseline decodes at 100 tok/s; the candidate per `behaviour`. */
function engines(behaviour: Candidate, launched: string[]) {
  let slug = "";
  let jitter = 0;
  const launcher: EngineLauncher = {
    kind: "embedded",
    version: async () => "fake-engine 1",
    async launch(spec) {
      slug = spec.slug;
      launched.push(`launch ${slug}`);
      jitter++;
      if (slug === "fast" && behaviour === "crash-leaking")
        throw new Error(`engine exited with code 1. Last log lines: ${SECRET} {"text": "hidden prompt"}`);
      return {
        endpoint: { unix: `${spec.scratch}/engine.sock` },
        servedName: "velodrome",
        pid: 1,
        argv: [],
        startMs: 1000,
        stop: async () => undefined,
        exited: () => false,
      };
    },
  };
  const client: EngineClient = {
    async stream(_ep, body): Promise<StreamMeasurement> {
      const isPrivate = text(body.prompt).includes("private");
      if (slug === "fast" && isPrivate && behaviour === "leak-on-private")
        throw new Error(`engine answered 400: ${SECRET}: ${text(body.prompt)}`);
      const slowed = slug === "fast" && isPrivate && behaviour === "slow-on-private" ? 0.3 : 1;
      const fast = behaviour === "close" ? 102 : 200; // close: too near the baseline for one look to decide
      const tps = (slug === "fast" ? fast : 100) * slowed * [1, 1.003, 0.998][jitter % 3]!;
      const tokens = continuation(body.prompt);
      const last = (tokens.length / tps) * 1000;
      return {
        tokens,
        promptTokenIds: body.prompt,
        start: 0,
        firstTokenAt: 1000 / tps,
        lastTokenAt: last,
        end: last + 1,
        interChunkMs: tokens.slice(1).map(() => 1000 / tps),
        chunks: tokens.length,
        clientCpuDuringStreamUs: 0,
      };
    },
    async complete(_ep, body): Promise<CompletionResponse> {
      // With prompt_logprobs 2 (the plain-decode reference), a clear runner-up 2 nats behind.
      const runnerUp = (t: number) =>
        (body.prompt_logprobs ?? 0) >= 2 ? { [String((t + 1) % 256)]: { logprob: -2.5 } } : {};
      const lps = body.prompt.map((t, i) =>
        i === 0 ? null : { [String(t)]: { logprob: -0.5 }, ...runnerUp(t) },
      );
      return {
        id: "c",
        object: "text_completion",
        created: 0,
        model: "velodrome",
        choices: [{ index: 0, text: "", finish_reason: "length", prompt_logprobs: lps }],
        usage: {
          prompt_tokens: body.prompt.length,
          total_tokens: body.prompt.length + 1,
          completion_tokens: 1,
        },
      };
    },
  };
  return { launcher, client };
}

/** The record in evaluate's result file (publish's reading: `nextLook` must be null). */
const resultRecord = (text: string) => {
  const { record, error } = parseRunRecord(text);
  if (!record) throw new Error(error);
  return record;
};

const jsonl = (lines: object[]) => lines.map((l) => JSON.stringify(l)).join("\n") + "\n";

const VALID = { ok: true, problems: [] };

/** The reservation the bot wrote at `/bench` for `request` (alice's PR #7). */
const reservationOf = (o: Partial<Reservation> = {}): Reservation =>
  reservation("run-1", ALICE, 1, { slug: "fast", sha: "a".repeat(40), ...o });

/** The data branch as evaluate reads it: the run's reservation and any recorded runs. */
const dataState = (o: Partial<DataState> = {}): DataState => ({
  runs: [],
  reservations: [reservationOf()],
  rulings: [],
  threads: [],
  problems: [],
  ...o,
});

function world(
  behaviour: Candidate,
  fetchError?: Error,
  validation: PullValidation = VALID,
  data: DataState = dataState(),
) {
  const files = new Map<string, string>([
    [`${MAIN}/challenge/challenge.yaml`, stringify(raw)],
    [
      `${MAIN}/${challenge.metric.prompts}`,
      jsonl(["alpha", "bravo", "charlie"].map((t) => ({ id: t, text: t }))),
    ],
    [
      `${MAIN}/private.jsonl`,
      jsonl(["private one", "private two"].map((t, i) => ({ id: `s${i}`, text: t }))),
    ],
    [`${MAIN}/submissions/baseline/submission.yaml`, manifestText("Baseline")],
  ]);
  const launched: string[] = [];
  const fetched: string[] = [];
  const { launcher, client } = engines(behaviour, launched);
  const ports: EvaluatePorts = {
    launcher,
    client,
    files: memoryDisk(files),
    clock: () => 1_000_000,
    progress: { start() {}, tick() {}, line() {}, done() {} },
    main: repoOn(files, MAIN),
    repoAt: (root) => repoOn(files, root),
    fetcher: {
      async fetch(o) {
        if (fetchError) throw fetchError;
        fetched.push(`${o.slug}@${o.sha.slice(0, 7)}`);
        files.set(`${o.into}/submissions/${o.slug}/submission.yaml`, manifestText("Fast", 2));
        return [`submissions/${o.slug}/submission.yaml`];
      },
    },
    dataStore: () => ({
      read: async () => data,
      transact: async () => {
        throw new Error("evaluate never writes the data branch");
      },
    }),
    validator: {
      validate: async (o) => (
        launched.push(`validate ${o.pr}@${o.sha.slice(0, 7)} by ${o.author?.login ?? "nobody"}`),
        validation
      ),
    },
  };
  return { ports, files, launched, fetched };
}

const request: EvaluateRequest = {
  runId: "run-1",
  pr: 7,
  sha: "a".repeat(40),
  slug: "fast",
  against: "baseline",
  blocks: 4,
  privatePrompts: "private.jsonl",
  out: "/out/result.json",
  runner: { id: "test", hardware: "none" },
};

describe("evaluate's public result file carries no engine-made text", () => {
  it("an engine that crashes with private text in its message: a fixed phrase out, the raw text kept locally", async () => {
    const { ports, files } = world("crash-leaking");
    const outcome = await evaluate(ports, challenge, request);
    const out = files.get(request.out)!;
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain("hidden prompt");
    expect(resultRecord(out)).toMatchObject({
      status: "error",
      reason: "the engine exited before or during the run",
    });
    expect(files.get(outcome.log)).toContain(SECRET); // the runner's own log keeps the detail
    expect(outcome.log.startsWith(`${MAIN}/.velodrome/evaluate/run-1/`)).toBe(true);
  });

  it("an engine that leaks private prompts through its error body: nothing of it leaves", async () => {
    // The candidate first meets the private prompts in its plain-decode reference (before any block).
    const { ports, files } = world("leak-on-private");
    const outcome = await evaluate(ports, challenge, request);
    const out = files.get(request.out)!;
    const record = resultRecord(out);
    expect(record.status).toBe("error");
    expect(record.reason).toBe("the runner reported an error (details stay in the runner's log)");
    expect(out).not.toMatch(/SECRET|private one|private two/);
    expect(outcome.log && files.get(outcome.log)).toContain(SECRET); // kept on the runner only
  });

  it("private figures leave coarse: no private tok/s, the ratio in 5% steps and a fixed reason", async () => {
    const { ports, files } = world("slow-on-private");
    await evaluate(ports, challenge, request);
    const record = resultRecord(files.get(request.out)!);
    expect(record.confirmation.status).toBe("failed");
    expect(record.confirmation.tps).toBeUndefined();
    expect(record.confirmation.claim).toBeUndefined();
    expect(record.confirmation.quality).toBeUndefined();
    expect((record.confirmation.ratio! * 20) % 1).toBeCloseTo(0, 9);
    expect(record.confirmation.reason).toBe("the private re-run reached under 30% of the claimed speed");
    // The raw record, with the exact figures, stays on the runner.
    const rawRecord = RunRecord.parse(
      JSON.parse(files.get(`${MAIN}/.velodrome/evaluate/run-1/result.raw.json`)!),
    );
    expect(rawRecord.confirmation.tps).toBeGreaterThan(0);
  });

  it("an honest confirmed lead stays confirmed after rounding (publish rounds again and agrees)", async () => {
    const { ports, files } = world("honest");
    await evaluate(ports, challenge, request);
    const record = resultRecord(files.get(request.out)!);
    expect(record.confirmation.status, JSON.stringify([record.status, record.reason, record.quality])).toBe(
      "confirmed",
    );
    expect([0.95, 1]).toContain(record.confirmation.ratio); // ≈1 with launch noise, in 5% steps
  });

  it("a fetch that fails with the git's own words, or a moved SHA: fixed phrases in the result file", async () => {
    const moved = world("honest", new ShaMoved(`PR #7 moved from aaaaaaa to bbbbbbb ${SECRET}`));
    const a = await evaluate(moved.ports, challenge, request);
    expect(a).toMatchObject({ kind: "not-fetched", shaMoved: true });
    expect(JSON.parse(moved.files.get(request.out)!)).toEqual({
      version: 1,
      id: "run-1",
      status: "error",
      reason: "the pull request moved after the run was requested",
      nextLook: null,
    });
    const broken = world("honest", new Error(`fatal: ${SECRET} exited with code 128`));
    const b = await evaluate(broken.ports, challenge, request);
    expect(b.kind === "not-fetched" && b.reason).toBe(
      "the runner could not fetch the submission at its pinned commit",
    );
    expect(broken.files.get(request.out)).not.toContain(SECRET);
  });

  it("evaluate re-runs validation on the pinned SHA before any launch: a failing commit launches nothing", async () => {
    const problem = {
      file: "submissions/fast/submission.yaml",
      line: 7,
      col: 5,
      code: "env-denied" as const,
      message: "`LD_PRELOAD` is never allowed",
    };
    const { ports, files, launched } = world("honest", undefined, { ok: false, problems: [problem] });
    const outcome = await evaluate(ports, challenge, request);
    expect(launched).toEqual(["validate 7@aaaaaaa by alice"]); // not even the reference's baseline launch
    expect(outcome).toMatchObject({
      kind: "not-fetched",
      reason: "the submission failed validation at its pinned commit",
    });
    expect(JSON.parse(files.get(request.out)!)).toMatchObject({ status: "error" });
    expect(files.get(outcome.log)).toContain("LD_PRELOAD"); // the detail stays in the local log
    // A valid commit is validated once, first, then benchmarked.
    const ok = world("honest");
    await evaluate(ok.ports, challenge, request);
    expect(ok.launched[0]).toBe("validate 7@aaaaaaa by alice");
    expect(ok.launched.filter((l) => l.startsWith("validate"))).toHaveLength(1);
  });
});

describe("evaluate takes nothing on the dispatch's word", () => {
  const notOwner = {
    file: "submissions/fast/submission.yaml",
    line: 4,
    col: 1,
    code: "not-owner" as const,
    message: "`fast` was added to the base branch by PR #9 (authors: bob); @alice is not one of them",
  };

  it("folder ownership is checked again at evaluate, as the reservation's PR author", async () => {
    // After /bench, bob's PR #9 adding `fast` was merged: alice's PR now edits bob's folder. Like
    // the git validator, this one checks ownership only when it is told the PR's author.
    const w = world("honest");
    w.ports.validator = {
      validate: async (o) => {
        w.launched.push(`validate by ${o.author?.login ?? "nobody"}`);
        return o.author && o.author.login !== "bob" ? { ok: false, problems: [notOwner] } : VALID;
      },
    };
    const outcome = await evaluate(w.ports, challenge, request);
    expect(w.launched).toEqual(["validate by alice"]); // no engine launched
    expect(outcome).toMatchObject({ reason: "the submission failed validation at its pinned commit" });
    expect(w.files.get(outcome.log)).toContain("not-owner");
  });

  it("a run without a matching reservation on the data branch launches nothing", async () => {
    for (const reservations of [[], [reservationOf({ slug: "other" })], [reservationOf({ pr: 8 })]]) {
      const w = world("honest", undefined, VALID, dataState({ reservations }));
      const outcome = await evaluate(w.ports, challenge, request);
      expect(w.launched).toEqual([]); // not even validation
      expect(outcome).toMatchObject({ reason: "the submission failed validation at its pinned commit" });
    }
  });

  it("an unmerged incumbent is fetched at the run that gave it the lead, whatever ran later", async () => {
    const at = (hour: number) => `2026-01-15T${hour}:00:00Z`;
    const run = (
      id: string,
      commit: string,
      o: Partial<RunRecord>,
      hour: number,
      scenario: Scenario = "faster",
    ) =>
      runRecord(scenario, {
        id,
        candidate: { slug: "leader", commit: commit.repeat(40) },
        finishedAt: at(hour),
        ...o,
      });
    const runs = [
      run("lead", "b", {}, 12), // leader beats the baseline: it leads from here
      run("broken", "c", { status: "error", comparison: null }, 13),
      run("slower", "d", {}, 14, "slower"), // clean, but moves no lead
      run("forged", "e", { incumbent: { slug: "other" } }, 15), // "faster" than someone who never led
    ];
    // Validation fails after the fetch, so nothing launches: only what was fetched matters here.
    const failing = { ok: false, problems: [notOwner] };
    const w = world("honest", undefined, failing, dataState({ runs }));
    await evaluate(w.ports, challenge, { ...request, against: "leader" });
    expect(w.fetched).toEqual(["fast@aaaaaaa", "leader@bbbbbbb"]);
  });
});

describe("the gather job's result file says which look runs next, as data", () => {
  const run = { id: request.runId, commit: request.sha };
  const looked = { ...request, blocks: 0, privatePrompts: undefined } as EvaluateRequest; // the challenge's looks: [4, 8]
  /** The result files of the matrix's two runners for `look`, each from its own machine. */
  async function shareFiles(w: ReturnType<typeof world>, look: number): Promise<string[]> {
    const texts: string[] = [];
    for (const share of [0, 1]) {
      const runner = { id: `gpu-${share + 1}`, hardware: "none" };
      const out = await evaluateShare(
        w.ports,
        challenge,
        { ...looked, runner },
        { kind: "share", look, share, shares: 2 },
      );
      if (out.kind !== "ran") throw new Error(out.reason);
      texts.push(encodeResults(out.results, run));
    }
    return texts;
  }
  /** evaluate --gather (off the pool: no engine may start) over `texts`, and the JSON it wrote. */
  async function gather(w: ReturnType<typeof world>, texts: string[], look?: number) {
    const before = w.launched.length;
    const mode = {
      kind: "gather" as const,
      shares: gatheredShares(texts, run),
      enginesHere: false,
      ...(look ? { look } : {}),
    };
    const outcome = await evaluate(w.ports, challenge, looked, mode);
    expect(w.launched.slice(before).filter((l) => l.startsWith("launch"))).toEqual([]);
    return { outcome, text: w.files.get(looked.out)! };
  }

  it("a partly run look: nextLook names the look to dispatch, and publish refuses the file", async () => {
    const w = world("close"); // one disk: the public reference the shares made is there
    const { outcome, text } = await gather(w, await shareFiles(w, 1));
    const result = EvaluateResult.parse(JSON.parse(text));
    expect(result.nextLook).toBe(2);
    expect(outcome).toMatchObject({ kind: "benched", nextLook: 2 });
    expect(result).toMatchObject({
      status: "ok",
      comparison: { verdict: "inconclusive", look: { index: 1 } },
    });
    expect(parseRunRecord(text).error).toMatch(/look 2 has not run yet/);
  });

  it("a fully run run: nextLook is null and the file is a record publish can read", async () => {
    const w = world("close");
    const texts = [...(await shareFiles(w, 1)), ...(await shareFiles(w, 2))];
    const { outcome, text } = await gather(w, texts);
    const result = EvaluateResult.parse(JSON.parse(text));
    expect(result.nextLook).toBeNull();
    expect(outcome).toMatchObject({ kind: "benched", nextLook: null });
    expect(result).toMatchObject({ status: "ok", comparison: { look: { index: 2, final: true } } });
    expect(parseRunRecord(text).record?.launches).toHaveLength(16);
  });

  it("the look bound: a share of the dispatched look left no result, so the run ends in error, never naming that look again", async () => {
    const w = world("close");
    const [first] = await shareFiles(w, 1); // the second runner's share of look 1 died without a file
    const { outcome, text } = await gather(w, [first!], 1);
    const result = EvaluateResult.parse(JSON.parse(text));
    expect(result.nextLook).toBeNull();
    expect(result).toMatchObject({
      status: "error",
      reason: expect.stringMatching(/^a share of the look left no result/),
    });
    expect(outcome).toMatchObject({ kind: "benched", nextLook: null });
    // Publish reads it as a record (charged to the requester: no failedArm), not as a look to run.
    expect(parseRunRecord(text).record).toMatchObject({ status: "error" });
    expect(parseRunRecord(text).record?.failedArm).toBeUndefined();
    // The next look (2) is still named when the dispatched one (1) is whole.
    const texts = await shareFiles(w, 1);
    expect(EvaluateResult.parse(JSON.parse((await gather(w, texts, 1)).text)).nextLook).toBe(2);
  });

  it("a share's error names the arm whose engine failed: the gathered run charges that side", async () => {
    const FLOOD =
      "candidate q8: the engine's response passed its size cap of 9 bytes (set by max_tokens = 4)";
    const w = world("close");
    const [first] = await shareFiles(w, 1);
    const failedShare = (arm: "candidate" | "incumbent") =>
      JSON.stringify({ run, error: { code: "engine", message: FLOOD, arm } });
    for (const [arm, failedArm] of [
      ["incumbent", "incumbent"],
      ["candidate", undefined],
    ] as const) {
      const { text } = await gather(w, [first!, failedShare(arm)], 1);
      const record = parseRunRecord(text).record!;
      expect(record.status).toBe("error");
      expect(record.reason).toBe("the engine's response passed its size cap (it flooded the client)");
      expect(record.failedArm).toBe(failedArm);
    }
    // Two shares failed, the incumbent's first: the run is charged, whatever order the files came in.
    for (const order of [
      ["incumbent", "candidate"],
      ["candidate", "incumbent"],
    ] as const) {
      const { text } = await gather(w, order.map(failedShare), 1);
      expect(parseRunRecord(text).record!.failedArm, order.join(" then ")).toBeUndefined();
    }
  });
});
