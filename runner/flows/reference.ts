import { isAbsolute, join } from "node:path";
import { NotFound, ValidationFailed } from "../core/errors.ts";
import { parsePrompts, ReferenceLine } from "../core/prompts.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import type { Submission } from "../core/schema/submission.ts";
import { corpusPerplexity, type PromptItem } from "../core/verify.ts";
import { formatProblem } from "../core/validate/problem.ts";
import type { EngineClient, EngineLauncher, RepoFiles, WorkFiles } from "../ports.ts";
import { continuationNll, scoringRequest, timedRequest } from "./engine-requests.ts";
import { loadManifest } from "./repo-load.ts";

/**
 * Reference outputs: what the baseline decodes greedily for each prompt, and its perplexity on
 * that continuation. Made once per prompt set; every run's quality is judged against them.
 */

export interface Contender {
  slug: string;
  manifest: Submission;
  commit?: string;
}

/** A prompt set with its reference outputs, ready to bench on. */
export interface PromptSet {
  prompts: PromptItem[];
  reference: Map<string, ReferenceLine>;
  referencePpl: number;
}

export interface ReferencePorts {
  launcher: EngineLauncher;
  client: EngineClient;
}

/** Reference outputs and perplexity, made from the baseline with plain greedy decoding. */
export async function makeReference(
  ports: ReferencePorts,
  challenge: Challenge,
  baseline: Contender,
  prompts: PromptItem[],
  workDir: string,
): Promise<{ lines: ReferenceLine[]; ppl: number }> {
  const engine = await ports.launcher.launch({
    slug: baseline.slug,
    manifest: baseline.manifest,
    challenge,
    scratch: join(workDir, "reference"),
    logFile: join(workDir, "logs", "reference.log"),
    startTimeoutMs: 10 * 60_000,
  });
  try {
    const lines: ReferenceLine[] = [];
    for (const p of prompts) {
      const m = await ports.client.stream(engine.endpoint, timedRequest(challenge, p.ids));
      const ids = [...p.ids, ...m.tokens];
      const scored = await ports.client.complete(engine.endpoint, scoringRequest(ids));
      lines.push({
        id: p.id,
        output: m.tokens,
        nll: continuationNll(p.id, scored, ids, p.ids.length),
        n: m.tokens.length,
      });
    }
    return { lines, ppl: corpusPerplexity(lines) };
  } finally {
    await engine.stop();
  }
}

/** Reference lines as the JSONL file the repository keeps. */
export const referenceJsonl = (lines: readonly ReferenceLine[]) =>
  lines.map((l) => JSON.stringify(l)).join("\n") + "\n";

export interface PromptSetSource {
  repo: RepoFiles;
  challenge: Challenge;
  promptsPath: string;
  referencePath: string;
  workDir: string;
  limit?: number;
}

/** Reads a prompt set and its reference; makes the reference from the baseline when missing (embedded only). */
export async function loadPromptSet(
  ports: ReferencePorts & { files: WorkFiles },
  o: PromptSetSource,
): Promise<PromptSet> {
  const abs = (p: string) => (isAbsolute(p) ? p : join(o.repo.root, p));
  const text = await ports.files.read(abs(o.promptsPath));
  if (text === undefined) throw new NotFound(`prompt set ${o.promptsPath} not found`);
  const { prompts, problems } = parsePrompts(o.promptsPath, text, o.challenge.engine.kind, o.limit);
  if (problems.length) throw new ValidationFailed(problems.map(formatProblem).join("\n"));
  let refText = await ports.files.read(abs(o.referencePath));
  if (refText === undefined) {
    refText = await referenceFromBaseline(ports, o, prompts);
    await ports.files.write(abs(o.referencePath), refText);
  }
  return withReference(prompts, parseReference(o.referencePath, refText), o);
}

/** The missing reference file's text, made now from the baseline (only the embedded engine may). */
async function referenceFromBaseline(ports: ReferencePorts, o: PromptSetSource, prompts: PromptItem[]) {
  if (o.challenge.engine.kind !== "embedded")
    throw new NotFound(
      `reference outputs ${o.referencePath} are missing: make them once on a runner from the baseline ` +
        "(`velodrome prompts reference`, or the reference workflow)",
    );
  const baseline = { slug: o.challenge.baseline, manifest: await loadManifest(o.repo, o.challenge.baseline) };
  const ref = await makeReference(ports, o.challenge, baseline, prompts, o.workDir);
  return referenceJsonl(ref.lines);
}

/** Parses a reference JSONL file; a malformed line is a validation error naming file and line. */
export function parseReference(path: string, text: string): Map<string, ReferenceLine> {
  const reference = new Map<string, ReferenceLine>();
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new ValidationFailed(`${path}:${i + 1}: not JSON`, { cause: e });
    }
    const r = ReferenceLine.safeParse(json);
    if (!r.success)
      throw new ValidationFailed(`${path}:${i + 1}: not a reference line: ${r.error.issues[0]?.message}`);
    reference.set(r.data.id, r.data);
  });
  return reference;
}

/** Keeps the reference lines of the prompts in use; their pooled perplexity is the bar to meet. */
function withReference(
  prompts: PromptItem[],
  reference: Map<string, ReferenceLine>,
  o: PromptSetSource,
): PromptSet {
  const used = [...reference.values()].filter((r) => prompts.some((p) => p.id === r.id));
  if (!used.length)
    throw new ValidationFailed(`${o.referencePath} has no reference for any prompt in ${o.promptsPath}`);
  return { prompts, reference: new Map(used.map((r) => [r.id, r])), referencePpl: corpusPerplexity(used) };
}
