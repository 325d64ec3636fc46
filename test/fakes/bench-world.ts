import { readFileSync } from "node:fs";
import { EngineFailure } from "../../runner/core/errors.ts";
import { join } from "node:path";
import { parse } from "yaml";
import type { CompletionResponse, StreamMeasurement } from "../../runner/core/protocol/openai.ts";
import { ChallengeSchema } from "../../runner/core/schema/challenge.ts";
import { SubmissionSchema } from "../../runner/core/schema/submission.ts";
import { seedFrom } from "../../runner/core/stats/rng.ts";
import { makeReference } from "../../runner/flows/reference.ts";
import type { BenchOptions, BenchPorts, PromptSet } from "../../runner/flows/run/types.ts";
import type { EngineClient, EngineLauncher, RunningEngine, WorkFiles } from "../../runner/ports.ts";
import { REPO_ROOT } from "../paths.ts";

// In-memory fakes of the benchmark's ports: no engine, no disk, no clock. Each fake engine decodes
// a fixed continuation at a fixed speed, so every assertion made on them is exact.

export const raw = parse(
  readFileSync(join(REPO_ROOT, "runner/demo/template/challenge/challenge.yaml"), "utf8"),
);
raw.metric.max_tokens = 4;
delete raw.significance.prompts_per_group; // every prompt in every launch; the groups' tests set it
export const challenge = ChallengeSchema.parse(raw);
export const manifest = SubmissionSchema.parse({
  schema: 1,
  title: "t",
  authors: ["a"],
  engine: { kind: "embedded", args: { quantization: "f32" } },
});
export const withDraft = SubmissionSchema.parse({
  ...manifest,
  engine: { kind: "embedded", args: { quantization: "f32", draft: { model: "draft", tokens: 4 } } },
});

/** What a fake engine does: its decode speed (tok/s), and whether it answers with the right tokens. */
export interface Behaviour {
  tps: number;
  /** Decodes at `tps` but holds every token back and sends them all in one 3 ms burst at the end. */
  burst?: boolean;
  /** Decodes 7s instead of the right tokens; `with-draft`: only when its manifest has a draft (lossy speculation). */
  wrongTokens?: boolean | "with-draft";
  /** Its scoring says its top two tokens are nearly tied everywhere (gap 0.1 nats). */
  ties?: boolean;
  crashAtStart?: boolean;
  /** Decodes a continuation of its own (honestly other than the baseline's, as quantized weights do). */
  own?: boolean;
  /** Decodes right in its first `n` launches (its plain decode included), 7s from then on. */
  wrongAfter?: number;
  /** After its first launch (its plain decode): 7s on the first (`first`) or every later (`repeats`) pass of a prompt. */
  wrongPass?: "first" | "repeats";
  /** Its wrong tokens (as set above) come only on prompts this accepts (e.g. the private ones). */
  wrongOn?: (prompt: number[]) => boolean;
  /** Its speed on prompts outside the public set (first token 40 or more: the private prompts). */
  privateTps?: number;
  /**
   * Requests take their time: the fake clock moves on by each request's duration, and a request
   * over its timeout fails as the trusted client fails it (an engine failure, after the timeout).
   */
  realTime?: boolean;
  /** Ends its turns one token short: on every prompt, or on the prompt whose first token is this. */
  short?: "always" | number;
}

/** The continuation every honest engine decodes for a prompt: a function of the prompt only. */
export const continuation = (prompt: number[]) => Array.from({ length: 4 }, (_, i) => (prompt[0]! + i) % 256);

export function fakeWorld(
  behaviour: Record<string, Behaviour>,
  now = 1_000_000,
  disk = new Map<string, string>(),
) {
  const log: string[] = [];
  let running:
    (Behaviour & { slug: string; wrong: boolean; timed: boolean; seen: Map<string, number> }) | undefined;
  let launches = 0;
  let t = now;
  const launchesOf = new Map<string, number>();
  const launcher: EngineLauncher = {
    kind: "embedded",
    version: async () => "fake-engine 1",
    async launch(spec) {
      const b = behaviour[spec.slug]!;
      log.push(`launch ${spec.slug} ${spec.scratch.split("/").pop()}`);
      if (b.crashAtStart) throw new Error(`engine ${spec.slug} exited with code 3`);
      // Launch-to-launch noise, deterministic: a real engine is never exactly as fast twice, and
      // the statistics rightly give no verdict from a zero-width interval.
      const jitter = [1, 1.003, 0.998][launches++ % 3]!;
      const hasDraft =
        spec.manifest.engine.kind === "embedded" && spec.manifest.engine.args.draft !== undefined;
      const nth = (launchesOf.get(spec.slug) ?? 0) + 1;
      launchesOf.set(spec.slug, nth);
      const wrong =
        b.wrongTokens === true ||
        (b.wrongTokens === "with-draft" && hasDraft) ||
        (b.wrongAfter !== undefined && nth > b.wrongAfter);
      // Its plain decode is its first launch (the references come before the blocks).
      const timed = nth > 1;
      const privateTps = b.privateTps && { privateTps: b.privateTps * jitter };
      running = { ...b, tps: b.tps * jitter, ...privateTps, slug: spec.slug, wrong, timed, seen: new Map() };
      const engine: RunningEngine = {
        endpoint: { unix: `${spec.scratch}/engine.sock` },
        servedName: "velodrome",
        pid: 1,
        argv: [],
        startMs: 1000,
        stop: async () => void log.push(`stop ${spec.slug}`),
        exited: () => false,
      };
      return engine;
    },
  };
  const client: EngineClient = {
    async stream(_ep, body, timeoutMs): Promise<StreamMeasurement> {
      const b = running!;
      log.push(`stream ${body.prompt.join(",")}`);
      const right = b.own ? continuation(body.prompt).map((t) => (t + 1) % 256) : continuation(body.prompt);
      const key = body.prompt.join(",");
      const pass = b.seen.get(key) ?? 0;
      b.seen.set(key, pass + 1);
      const lossyPass =
        b.timed && (b.wrongPass === "first" ? pass === 0 : b.wrongPass === "repeats" && pass > 0);
      const wrong = (b.wrong || lossyPass) && (b.wrongOn?.(body.prompt) ?? true);
      const full = wrong ? [7, 7, 7, 7] : right;
      const short = b.short === "always" || b.short === body.prompt[0];
      const tokens = short ? full.slice(0, -1) : full;
      const tps = body.prompt[0]! >= 40 && b.privateTps ? b.privateTps : b.tps;
      // One token every 1000/tps ms after the request is sent (the honest engine streams each).
      const last = (tokens.length / tps) * 1000;
      const first = b.burst ? last - 3 : 1000 / tps;
      if (b.realTime) {
        t += Math.min(last, timeoutMs ?? Infinity);
        if (timeoutMs !== undefined && last > timeoutMs)
          throw new EngineFailure(`the engine did not finish its response within ${timeoutMs} ms`);
      }
      return {
        tokens,
        promptTokenIds: body.prompt,
        start: 0,
        firstTokenAt: first,
        lastTokenAt: last,
        end: last + 1,
        interChunkMs: b.burst ? [3] : tokens.slice(1).map(() => 1000 / tps),
        chunks: tokens.length,
        clientCpuDuringStreamUs: 0,
      };
    },
    async complete(_ep, body): Promise<CompletionResponse> {
      log.push(`score ${body.prompt.join(",")}`);
      // Every engine finds 7 unlikely; the runner-up token is 1.5 nats (or, with ties, 0.1) behind.
      const top = body.prompt_logprobs ?? 0;
      const runnerUp = running!.ties ? -0.6 : -2;
      const lps = body.prompt.map((t, i) =>
        i === 0
          ? null
          : {
              [String(t)]: { logprob: t === 7 ? -3 : -0.5 },
              ...(top >= 2 ? { [String((t + 1) % 256)]: { logprob: runnerUp } } : {}),
            },
      );
      const choice = { index: 0, text: "", finish_reason: "length", prompt_logprobs: lps };
      return {
        id: "c",
        object: "text_completion",
        created: 0,
        model: "velodrome",
        choices: [choice],
        usage: {
          prompt_tokens: body.prompt.length,
          total_tokens: body.prompt.length + 1,
          completion_tokens: 1,
        },
      };
    },
  };
  const files: WorkFiles = {
    read: async (p) => disk.get(p),
    write: async (p, text) => void disk.set(p, text),
    mkdir: async (p) => void log.push(`mkdir ${p.split("/").pop()}`),
    remove: async (p) => void log.push(`remove ${p.split("/").pop()}`),
    copyDir: async () => undefined,
  };
  const progress = { start() {}, tick() {}, line() {}, done() {} };
  const ports: BenchPorts = { launcher, client, files, clock: () => t, progress };
  return { ports, log };
}

export const prompts = (ids: number[][], prefix = "p") =>
  ids.map((p, i) => ({ id: `${prefix}${i}`, ids: p }));

/** A prompt set with its reference, made by the reference flow from an honest fake engine. */
export async function promptSet(
  ids: number[][],
  prefix = "p",
  baseline: Behaviour = { tps: 100 },
): Promise<PromptSet> {
  const { ports } = fakeWorld({ baseline });
  const items = prompts(ids, prefix);
  const ref = await makeReference(ports, challenge, { slug: "baseline", manifest }, items, "/work");
  return { prompts: items, reference: new Map(ref.lines.map((l) => [l.id, l])), referencePpl: ref.ppl };
}

export const options = async (extra: Partial<BenchOptions> = {}) => ({
  id: "run-1",
  challenge,
  candidate: { slug: "fast", manifest },
  incumbent: { slug: "baseline", manifest },
  public: await promptSet([
    [10, 11],
    [20, 21],
    [30, 31],
  ]),
  workDir: "/work",
  plainCacheDir: "/cache",
  scorer: { slug: "baseline", manifest },
  seed: seedFrom("run-1"), // what publish requires of run-1
  blocks: 4,
  runner: { id: "test", hardware: "none" },
  ...extra,
});
