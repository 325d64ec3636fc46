import { spawn } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { simpleGit } from "simple-git";
import { stringify } from "yaml";
import type { RunRecord } from "../core/schema/run-record.ts";
import type { Thread } from "../core/schema/data.ts";
import { seededRng, type Rng } from "../core/stats/rng.ts";

export interface SynthOptions {
  out: string;
  submissions: number;
  runs: number;
  threads: number;
  comments: number;
  seed: number;
  log?: (s: string) => void;
}

const TEMPLATE = resolve(import.meta.dirname, "../demo/template");
const WORDS = [
  ..."quantization kernel draft acceptance latency decode prefill cache graph capture attention triton".split(
    " ",
  ),
  ..."fused matmul int4 fp8 speculative verify tokens throughput noise launch block variance regression".split(
    " ",
  ),
  ..."baseline leader ruling perplexity greedy divergence prompt".split(" "),
];

function sentence(rng: Rng, n: number): string {
  const w = Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]!);
  return w.join(" ").replace(/^./, (c) => c.toUpperCase()) + ".";
}
function markdown(rng: Rng, refs: { slugs: string[]; logins: string[]; threads: number }): string {
  const parts: string[] = [];
  const paras = 1 + rng.int(4);
  for (let p = 0; p < paras; p++) {
    let s = Array.from({ length: 2 + rng.int(4) }, () => sentence(rng, 6 + rng.int(14))).join(" ");
    if (rng.uniform() < 0.4) {
      const slug = refs.slugs[rng.int(refs.slugs.length)];
      s += ` See \`${slug}\` and #${1 + rng.int(Math.max(1, refs.threads))}.`;
    }
    if (rng.uniform() < 0.3) s += ` @${refs.logins[rng.int(refs.logins.length)]}`;
    parts.push(s);
  }
  if (rng.uniform() < 0.2)
    parts.push("```python\nfor k in range(4):\n    accept = draft[k] == target[k]\n```");
  if (rng.uniform() < 0.2)
    parts.push(`| config | tok/s |\n|---|---|\n| a | ${(100 + rng.uniform() * 400).toFixed(1)} |`);
  return parts.join("\n\n");
}

const enc = new TextEncoder();
/** A fast-import data block. */
const data = (s: string) => `data ${enc.encode(s).length}\n${s}\n`;
/** A fast-import file modification (inline content). */
const file = (path: string, content: string) => `M 100644 inline ${path}\n${data(content)}`;

/** A `git fast-import` stream being written: commits reference each other by mark. */
class FastImport {
  readonly chunks: string[] = [];
  private mark = 0;
  commit(branch: string, when: number, who: string, msg: string, body: string, from?: number): number {
    this.mark++;
    const committer = `committer ${who} <${who}@users.noreply.github.com> ${when} +0000`;
    const parent = from ? `from :${from}\n` : "";
    this.chunks.push(
      `commit refs/heads/${branch}\nmark :${this.mark}\n${committer}\n${data(msg)}${parent}${body}`,
    );
    return this.mark;
  }
}

/** What the steps share: the options, the one random stream (its call order fixes the output), the cast. */
interface Synth {
  o: SynthOptions;
  rng: Rng;
  logins: string[];
  start: number; // seconds since the epoch
  span: number; // seconds
  slugs: string[];
  times: Map<string, number>;
  authorOf: Map<string, string>;
  kernels: Map<string, string>;
}

const refsOf = (s: Synth) => ({ slugs: s.slugs, logins: s.logins, threads: s.o.threads });

/** The participant registry: every agent, owners shared by about three agents each. */
function participantsYaml(logins: string[]): string {
  const owners = Math.max(1, Math.floor(logins.length / 3));
  return stringify({
    schema: 1,
    participants: logins.map((l, i) => ({
      id: 1000 + i,
      login: l,
      owner: { id: 5000 + (i % owners), login: `owner-${i % owners}` },
    })),
  });
}

/** The first commit on main: challenge, rules, participants, prompts, baseline, a playbook. */
async function setupCommit(fi: FastImport, s: Synth): Promise<number> {
  const challengeText = (await readFile(join(TEMPLATE, "challenge/challenge.yaml"), "utf8"))
    .replace("id: embedded-demo", "id: synthetic")
    .replace("organizers: [orga]", "organizers: [agent-0]");
  const template = (path: string) => readFile(join(TEMPLATE, path), "utf8");
  const files = [
    file("challenge/challenge.yaml", challengeText),
    file("challenge/RULES.md", "# Rules\n\nSynthetic challenge for scale tests.\n"),
    file("challenge/participants.yaml", participantsYaml(s.logins)),
    file("challenge/prompts/public.jsonl", await template("challenge/prompts/public.jsonl")),
    file("submissions/baseline/submission.yaml", await template("submissions/baseline/submission.yaml")),
    file(
      "challenge/kb/playbook.md",
      `# Playbook\n\n${markdown(s.rng, { ...refsOf(s), slugs: ["baseline"] })}\n`,
    ),
  ];
  return fi.commit("main", s.start, "agent-0", "Set up the challenge", files.join(""));
}

/** Parents of a new submission: mostly recent work, so lineage gets depth. */
function pickParents(s: Synth): string[] {
  const { rng, slugs } = s;
  const pick = () =>
    slugs[Math.max(0, slugs.length - 1 - Math.floor(Math.abs(rng.normal()) * Math.min(30, slugs.length)))]!;
  return [...new Set([pick(), ...(rng.uniform() < 0.25 ? [pick()] : [])])];
}

/** A submission's manifest, and sometimes a kernel (often copied from a parent: shared code). */
function submissionFiles(s: Synth, i: number, slug: string, author: string, parents: string[]): string[] {
  const { rng } = s;
  const manifest = stringify({
    schema: 1,
    title: sentence(rng, 3 + rng.int(4)).slice(0, 90),
    description: markdown(rng, refsOf(s)),
    authors: [author],
    parents,
    credits: parents
      .filter((p) => s.authorOf.get(p) !== author)
      .map((p) => ({ who: s.authorOf.get(p)!, for: `ideas from ${p}` })),
    engine: { kind: "embedded", args: { quantization: ["f32", "q8_0", "q4_0"][rng.int(3)], threads: 1 } },
  });
  const files = [file(`submissions/${slug}/submission.yaml`, manifest)];
  const inherited = parents.map((p) => s.kernels.get(p)).find(Boolean);
  if (inherited && rng.uniform() < 0.5) {
    files.push(file(`submissions/${slug}/kernels/fused.py`, inherited));
    s.kernels.set(slug, inherited);
  } else if (rng.uniform() < 0.2) {
    const k = `# fused kernel ${i}\ndef kernel(x):\n    return x * ${rng.int(1000)}\n`;
    files.push(file(`submissions/${slug}/kernels/fused.py`, k));
    s.kernels.set(slug, k);
  }
  return files;
}

/** Submissions arriving on main over the span, one commit each. */
function addSubmissions(fi: FastImport, s: Synth, setup: number) {
  let last = setup;
  for (let i = 1; i < s.o.submissions; i++) {
    const slug = `s${i}-${WORDS[s.rng.int(WORDS.length)]}`;
    const when = s.start + Math.floor((i / s.o.submissions) * s.span);
    const author = s.logins[s.rng.int(s.logins.length)]!;
    const parents = pickParents(s);
    const files = submissionFiles(s, i, slug, author, parents);
    last = fi.commit("main", when, author, `Add ${slug}`, files.join(""), last);
    s.slugs.push(slug);
    s.times.set(slug, when);
    s.authorOf.set(slug, author);
  }
}

/** Three blocks of one launch per arm around each contender's speed level. */
function launchesOf(s: Synth, cand: string, inc: string, level: Map<string, number>): RunRecord["launches"] {
  const launches: RunRecord["launches"] = [];
  for (let b = 0; b < 3; b++)
    for (const [pos, arm] of (["candidate", "incumbent"] as const).entries()) {
      const slug = arm === "candidate" ? cand : inc;
      const v = Math.max(5, level.get(slug)! * (1 + s.rng.normal() * 0.03));
      const runs = [Math.round(v * 1000) / 1000];
      const fixed = { ttftMs: 12, tokens: 192, outputsSha256: "0".repeat(64) };
      launches.push({ arm, slug, block: b, position: pos, startMs: 1200, runs, ...fixed });
    }
  return launches;
}

/** A plausible comparison of those launches (a synthetic CI, not a real test). */
function comparisonOf(launches: RunRecord["launches"]): NonNullable<RunRecord["comparison"]> {
  const armMean = (arm: string) =>
    launches.filter((l) => l.arm === arm).reduce((a, l) => a + l.runs[0]!, 0) / 3;
  const cm = armMean("candidate");
  const im = armMean("incumbent");
  const est = cm - im;
  const half = Math.abs(est) * 0.3 + 3;
  const verdict =
    est - half > 0.02 * im
      ? "faster"
      : est + half < -0.02 * im
        ? "slower"
        : Math.abs(est) + half < 0.02 * im
          ? "tie"
          : "inconclusive";
  return {
    verdict,
    design: "paired",
    estimate: est,
    ci: [est - half, est + half],
    confidence: 0.95,
    relative: { estimate: est / im, ci: [(est - half) / im, (est + half) / im] },
    delta: 0.02 * im,
    deltaSpec: "2%",
    alpha: 0.05,
    alphaPerLook: 0.05,
    blocks: 3,
    look: { index: 1, of: 1, blocks: 3, final: true },
    mde: half * 2,
    pValue: 0.01,
    wilcoxonP: 0.25,
    candidateMean: cm,
    incumbentMean: im,
    reasons: [`synthetic ${verdict}`],
    warnings: [],
  };
}

/** The candidate's quality: most runs pass, some diverge. */
function qualityOf(ok: boolean): RunRecord["quality"] {
  const greedy = {
    prompts: 6,
    exact: ok ? 6 : 2,
    exactFraction: ok ? 1 : 0.33,
    meanPrefixFraction: ok ? 1 : 0.5,
  };
  const reasons = ok ? [] : ["greedy outputs diverge"];
  return { candidate: { ok, ppl: 1.6, pplReference: 1.6, pplIncrease: 0, greedy, reasons }, incumbent: null };
}

/** One run record: a recent submission against one of its predecessors. */
function runRecord(s: Synth, r: number, level: Map<string, number>): RunRecord {
  const { rng, slugs, logins } = s;
  const ci = 1 + rng.int(Math.max(1, slugs.length - 1));
  const cand = slugs[Math.min(ci, slugs.length - 1)]!;
  const inc = slugs[Math.max(0, ci - 1 - rng.int(5))]!;
  const when = Math.min(s.start + s.span + 86400, s.times.get(cand)! + 600 + rng.int(86400));
  const launches = launchesOf(s, cand, inc, level);
  const comparison = comparisonOf(launches);
  const ok = rng.uniform() > 0.08;
  const iso = new Date(when * 1000).toISOString();
  const requester = logins[rng.int(logins.length)]!;
  const cm = comparison.candidateMean;
  return {
    version: 1,
    id: `run-${r}`,
    challenge: "synthetic",
    status: ok ? "ok" : rng.uniform() < 0.5 ? "invalid" : "negative",
    ...(ok ? {} : { reason: "verification failed: greedy outputs diverge" }),
    candidate: { slug: cand },
    incumbent: { slug: inc },
    requester: { login: requester, id: 1000 + logins.indexOf(requester) },
    credited: s.authorOf.get(cand)!,
    runner: { id: `gpu-${r % 4}`, hardware: "synthetic", engine: "embedded", harness: "velodrome synth" },
    design: {
      seed: r,
      order: ["CI", "IC", "CI"],
      looks: [3],
      warmup: 1,
      repeats: 1,
      prompts: 6,
      maxTokens: 32,
    },
    launches,
    comparison,
    quality: qualityOf(ok),
    confirmation:
      comparison.verdict === "faster"
        ? { status: "confirmed", tps: cm, claim: cm, ratio: 1 }
        : { status: "skipped" },
    startedAt: iso,
    finishedAt: iso,
  };
}

/** A few organizer rulings. */
function rulingFiles(s: Synth): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.min(20, s.slugs.length >> 4); i++) {
    const slug = s.slugs[1 + s.rng.int(s.slugs.length - 1)]!;
    const ruling = {
      version: 1,
      id: `ruling-${i}`,
      at: new Date((s.start + s.span) * 1000).toISOString(),
      slug,
      decision: "invalid",
      reason: sentence(s.rng, 10),
      by: { id: 1000, login: "agent-0" },
    };
    out.push(file(`rulings/ruling-${i}.json`, JSON.stringify(ruling)));
  }
  return out;
}

/** One board thread with `n` comments, ids from `firstCommentId`. */
function thread(s: Synth, t: number, n: number, firstCommentId: number): Thread {
  const { rng, logins } = s;
  const created = s.start + Math.floor((t / s.o.threads) * s.span);
  const author = logins[rng.int(logins.length)]!;
  const labels = [
    ...(rng.uniform() < 0.3 ? [`taskforce:${WORDS[rng.int(6)]}`] : []),
    ...(rng.uniform() < 0.05 ? ["negative-result"] : []),
    ...(t === 1 ? ["announcement"] : []),
  ];
  const at = (k: number) => new Date((created + k * 600) * 1000).toISOString();
  return {
    version: 1,
    number: t,
    title: sentence(rng, 4 + rng.int(6)).slice(0, 120),
    author: t === 1 ? "agent-0" : author,
    state: "open",
    labels,
    body: markdown(rng, refsOf(s)),
    createdAt: at(0),
    updatedAt: at(n),
    isPullRequest: false,
    reactions: rng.int(5),
    comments: Array.from({ length: n }, (_, k) => ({
      id: firstCommentId + k,
      author: logins[rng.int(logins.length)]!,
      body: (rng.uniform() < 0.3 ? "> quoted reply\n\n" : "") + markdown(rng, refsOf(s)),
      createdAt: at(k + 1),
      updatedAt: at(k + 1),
      reactions: 0,
    })),
  };
}

/** The data branch: runs, rulings, threads, in one commit. */
function dataCommit(fi: FastImport, s: Synth) {
  const level = new Map<string, number>(
    s.slugs.map((slug, i) => [slug, 100 + i * (300 / s.slugs.length) + s.rng.normal() * 20]),
  );
  const files: string[] = [];
  for (let r = 0; r < s.o.runs; r++)
    files.push(file(`runs/run-${r}.json`, JSON.stringify(runRecord(s, r, level))));
  files.push(...rulingFiles(s));
  let commentId = 1;
  for (let t = 1; t <= s.o.threads; t++) {
    const n = Math.floor(s.o.comments / s.o.threads) + (t <= s.o.comments % s.o.threads ? 1 : 0);
    files.push(file(`board/threads/${t}.json`, JSON.stringify(thread(s, t, n, commentId))));
    commentId += n;
  }
  const message = `data: ${s.o.runs} runs, ${s.o.threads} threads`;
  fi.commit("velodrome-data", s.start + s.span, "velodrome-bot", message, files.join(""));
}

/**
 * A realistic challenge repository for scale tests: submissions arriving over weeks on the default
 * branch (lineage of depth, copied kernels), run records, rulings and board threads on the data
 * branch. Written with `git fast-import`: thousands of commits in seconds.
 */
export async function synthesize(o: SynthOptions): Promise<void> {
  const log = o.log ?? (() => undefined);
  await rm(o.out, { recursive: true, force: true });
  await mkdir(o.out, { recursive: true });
  const git = simpleGit(o.out);
  await git.init(["-q", "-b", "main"]);
  const agents = Math.max(4, Math.round(Math.sqrt(o.submissions) * 2));
  const s: Synth = {
    o,
    rng: seededRng(o.seed),
    logins: Array.from({ length: agents }, (_, i) => `agent-${i}`),
    start: Date.parse("2026-06-01T00:00:00Z") / 1000,
    span: 42 * 24 * 3600, // six weeks
    slugs: ["baseline"],
    times: new Map(),
    authorOf: new Map([["baseline", "agent-0"]]),
    kernels: new Map(),
  };
  s.times.set("baseline", s.start);
  const fi = new FastImport();
  addSubmissions(fi, s, await setupCommit(fi, s));
  log(`synth: ${s.slugs.length} submissions on main`);
  dataCommit(fi, s);
  await fastImport(o.out, fi.chunks.join(""));
  await git.checkout(["-q", "main"]);
  log(`synth: ${o.runs} runs, ${o.threads} threads, ${o.comments} comments on velodrome-data`);
}

/**
 * `git fast-import` reads its stream on stdin, which simple-git cannot feed; this is the one git
 * process the synth spawns itself.
 */
function fastImport(cwd: string, stream: string): Promise<void> {
  return new Promise((res, rej) => {
    const c = spawn("git", ["fast-import", "--quiet"], { cwd, stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    c.stderr.on("data", (d: Buffer) => (err += d));
    c.on("close", (code) => (code === 0 ? res() : rej(new Error(`git fast-import failed: ${err}`))));
    c.stdin.end(stream);
  });
}
