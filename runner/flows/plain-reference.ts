import { createHash } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { decodeOnlyArgs, plainReferenceKey, stripDecodeOnly } from "../core/plain-decode.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import type { PlainLine, PromptItem, Scored } from "../core/verify.ts";
import type { EngineClient, EngineLauncher, RunningEngine, WorkFiles } from "../ports.ts";
import { continuationGaps, continuationNll, scoringRequest, timedRequest } from "./engine-requests.ts";
import { launchPaths } from "./launch-paths.ts";
import type { Contender } from "./reference.ts";

/**
 * Two launches the harness adds to a run for verification:
 * - the plain-decode reference of each arm: its own configuration with the decode-time-only options
 *   off, decoding every prompt greedily, with the top-2 logprob gap of each step. Timed outputs must
 *   be identical to it (near-ties excepted). Made once per commit and configuration: cached as a
 *   JSONL file in the runner's cache folder (PLAIN_REFERENCE_CACHE), keyed by the contender's commit
 *   and the sha256 of the stripped configuration and prompts. Never on the data branch: it holds
 *   outputs on the private prompts.
 * - the trusted scorer: the challenge's baseline (the harness's copy, never the submission's code)
 *   scoring what each arm generated, to compare timed outputs with plain-decode outputs.
 */

export interface PlainPorts {
  launcher: EngineLauncher;
  client: EngineClient;
  files: WorkFiles;
}

export interface PlainOptions {
  challenge: Challenge;
  contender: Contender;
  prompts: PromptItem[];
  /** The cache folder (absolute). */
  cacheDir: string;
  /** Scratch and logs of the launch go here. */
  workDir: string;
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface PlainReference {
  file: string;
  lines: Map<string, PlainLine>;
  /** Whether this call launched an engine (false: read from the cache). */
  launched: boolean;
}

const PlainLineSchema = z.strictObject({
  id: z.string(),
  output: z.array(z.number().int().nonnegative()),
  gaps: z.array(z.number().nonnegative()),
});

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** The cache file of a contender's plain reference on these prompts. */
function cacheFile(o: PlainOptions): string {
  const stripped = stripDecodeOnly(
    o.contender.manifest,
    decodeOnlyArgs(o.challenge, o.contender.manifest.engine.kind),
  );
  const key = sha256(plainReferenceKey(stripped, o.challenge, o.prompts)).slice(0, 32);
  const owner = o.contender.commit ?? `${o.contender.slug}-uncommitted`;
  return join(o.cacheDir, `${owner}-${key}.jsonl`);
}

/** Cached lines when they cover every prompt; anything unreadable is ignored (and remade). */
function parseCached(text: string | undefined, prompts: PromptItem[]): Map<string, PlainLine> | undefined {
  if (text === undefined) return undefined;
  const lines = new Map<string, PlainLine>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return undefined;
    }
    const r = PlainLineSchema.safeParse(json);
    if (!r.success) return undefined;
    lines.set(r.data.id, r.data);
  }
  return prompts.every((p) => lines.has(p.id)) ? lines : undefined;
}

/** A contender's plain-decode reference, from the cache or from one launch of its stripped config. */
export async function plainReference(ports: PlainPorts, o: PlainOptions): Promise<PlainReference> {
  const file = cacheFile(o);
  const cached = parseCached(await ports.files.read(file), o.prompts);
  if (cached) return { file, lines: cached, launched: false };
  const kind = o.contender.manifest.engine.kind;
  const manifest = stripDecodeOnly(o.contender.manifest, decodeOnlyArgs(o.challenge, kind));
  const lines = await withEngine(ports, o, { ...o.contender, manifest }, "plain", async (engine) => {
    const out = new Map<string, PlainLine>();
    for (const p of o.prompts) out.set(p.id, await plainLine(ports.client, o, engine, p));
    return out;
  });
  await ports.files.write(file, [...lines.values()].map((l) => JSON.stringify(l)).join("\n") + "\n");
  return { file, lines, launched: true };
}

/** One prompt's plain greedy decode, then its top-2 gaps from a scoring request on prompt + output. */
async function plainLine(client: EngineClient, o: PlainOptions, engine: RunningEngine, p: PromptItem) {
  const m = await client.stream(engine.endpoint, timedRequest(o.challenge, p.ids), o.requestTimeoutMs);
  const ids = [...p.ids, ...m.tokens];
  const r = await client.complete(engine.endpoint, scoringRequest(ids, 2), o.requestTimeoutMs);
  return { id: p.id, output: m.tokens, gaps: continuationGaps(p.id, r, ids, p.ids.length) };
}

/**
 * Runs `fn` on a fresh engine of `contender` in its own scratch folder, stopping it whatever happens.
 * The folder's name is a timed launch's kind of name: nothing tells the engine it is a reference.
 */
async function withEngine<T>(
  ports: PlainPorts,
  o: Pick<PlainOptions, "challenge" | "workDir" | "startTimeoutMs">,
  contender: Contender,
  label: string,
  fn: (engine: RunningEngine) => Promise<T>,
): Promise<T> {
  const { scratch, logFile } = await launchPaths(ports.files, o.workDir, `${label} ${contender.slug}`);
  await ports.files.mkdir(scratch);
  let engine: RunningEngine | undefined;
  try {
    engine = await ports.launcher.launch({
      slug: contender.slug,
      manifest: contender.manifest,
      challenge: o.challenge,
      scratch,
      logFile,
      startTimeoutMs: o.startTimeoutMs ?? 10 * 60_000,
    });
    return await fn(engine);
  } finally {
    await engine?.stop();
    await ports.files.remove(scratch);
  }
}

/** A continuation to score: a prompt and tokens some engine generated after it. */
export interface ToScore {
  key: string;
  prompt: PromptItem;
  output: readonly number[];
}

/**
 * The trusted scorer: one launch of the baseline configuration (from the harness's checkout) that
 * scores each continuation by prompt logprobs. Returns the total NLL and token count per key.
 */
export async function trustedScores(
  ports: PlainPorts,
  o: Omit<PlainOptions, "contender" | "prompts" | "cacheDir"> & { scorer: Contender },
  items: readonly ToScore[],
): Promise<Map<string, Scored>> {
  return withEngine(ports, o, o.scorer, "scorer", (engine) =>
    scoreOn(ports.client, engine, items, o.requestTimeoutMs),
  );
}

/**
 * Scores each continuation on an engine already running the trusted scorer's configuration (its
 * own launch above, or the confirmation's gauge launch of the baseline, after its timed requests).
 */
export async function scoreOn(
  client: EngineClient,
  engine: RunningEngine,
  items: readonly ToScore[],
  requestTimeoutMs?: number,
): Promise<Map<string, Scored>> {
  const out = new Map<string, Scored>();
  for (const it of items) {
    const ids = [...it.prompt.ids, ...it.output];
    const r = await client.complete(engine.endpoint, scoringRequest(ids), requestTimeoutMs);
    out.set(it.key, {
      nll: continuationNll(it.prompt.id, r, ids, it.prompt.ids.length),
      n: it.output.length,
    });
  }
  return out;
}
