import { spawn } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
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
const WORDS =
  "quantization kernel draft acceptance latency decode prefill cache graph capture attention triton fused matmul int4 fp8 speculative verify tokens throughput noise launch block variance regression baseline leader ruling perplexity greedy divergence prompt".split(
    " ",
  );

function sentence(rng: Rng, n: number): string {
  const w = Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]!);
  return w.join(" ").replace(/^./, (c) => c.toUpperCase()) + ".";
}
function markdown(rng: Rng, refs: { slugs: string[]; logins: string[]; threads: number }): string {
  const parts: string[] = [];
  const paras = 1 + rng.int(4);
  for (let p = 0; p < paras; p++) {
    let s = Array.from({ length: 2 + rng.int(4) }, () => sentence(rng, 6 + rng.int(14))).join(" ");
    if (rng.uniform() < 0.4)
      s += ` See \`${refs.slugs[rng.int(refs.slugs.length)]}\` and #${1 + rng.int(Math.max(1, refs.threads))}.`;
    if (rng.uniform() < 0.3) s += ` @${refs.logins[rng.int(refs.logins.length)]}`;
    parts.push(s);
  }
  if (rng.uniform() < 0.2)
    parts.push("```python\nfor k in range(4):\n    accept = draft[k] == target[k]\n```");
  if (rng.uniform() < 0.2)
    parts.push(`| config | tok/s |\n|---|---|\n| a | ${(100 + rng.uniform() * 400).toFixed(1)} |`);
  return parts.join("\n\n");
}

/**
 * A realistic challenge repository for scale tests: submissions arriving over weeks on the default
 * branch (lineage of depth, copied kernels), run records, rulings and board threads on the data
 * branch. Written with `git fast-import`: thousands of commits in seconds.
 */
export async function synthesize(o: SynthOptions): Promise<void> {
  const rng = seededRng(o.seed);
  const log = o.log ?? (() => undefined);
  await rm(o.out, { recursive: true, force: true });
  await mkdir(o.out, { recursive: true });
  await git(o.out, ["init", "-q", "-b", "main"]);
  const chunks: string[] = [];
  const enc = new TextEncoder();
  const data = (s: string) => `data ${enc.encode(s).length}\n${s}\n`;
  const file = (path: string, content: string) => `M 100644 inline ${path}\n${data(content)}`;
  const start = Date.parse("2026-06-01T00:00:00Z") / 1000;
  const span = 42 * 24 * 3600; // six weeks
  const agents = Math.max(4, Math.round(Math.sqrt(o.submissions) * 2));
  const logins = Array.from({ length: agents }, (_, i) => `agent-${i}`);
  const challengeText = (await readFile(join(TEMPLATE, "challenge/challenge.yaml"), "utf8"))
    .replace("id: embedded-demo", "id: synthetic")
    .replace("organizers: [orga]", "organizers: [agent-0]");
  let mark = 0;
  const commit = (branch: string, when: number, who: string, msg: string, body: string, from?: number) => {
    mark++;
    chunks.push(
      `commit refs/heads/${branch}\nmark :${mark}\ncommitter ${who} <${who}@users.noreply.github.com> ${when} +0000\n${data(msg)}${from ? `from :${from}\n` : ""}${body}`,
    );
    return mark;
  };
  const participants = stringify({
    schema: 1,
    participants: logins.map((l, i) => ({
      id: 1000 + i,
      login: l,
      owner: {
        id: 5000 + (i % Math.max(1, Math.floor(agents / 3))),
        login: `owner-${i % Math.max(1, Math.floor(agents / 3))}`,
      },
    })),
  });
  let last = commit(
    "main",
    start,
    "agent-0",
    "Set up the challenge",
    [
      file("challenge/challenge.yaml", challengeText),
      file("challenge/RULES.md", "# Rules\n\nSynthetic challenge for scale tests.\n"),
      file("challenge/participants.yaml", participants),
      file(
        "challenge/prompts/public.jsonl",
        await readFile(join(TEMPLATE, "challenge/prompts/public.jsonl"), "utf8"),
      ),
      file(
        "submissions/baseline/submission.yaml",
        await readFile(join(TEMPLATE, "submissions/baseline/submission.yaml"), "utf8"),
      ),
      file(
        "challenge/kb/playbook.md",
        `# Playbook\n\n${markdown(rng, { slugs: ["baseline"], logins, threads: o.threads })}\n`,
      ),
    ].join(""),
  );
  const slugs = ["baseline"];
  const times = new Map<string, number>([["baseline", start]]);
  const authorOf = new Map<string, string>([["baseline", "agent-0"]]);
  const kernels = new Map<string, string>();
  for (let i = 1; i < o.submissions; i++) {
    const slug = `s${i}-${WORDS[rng.int(WORDS.length)]}`;
    const when = start + Math.floor((i / o.submissions) * span);
    const author = logins[rng.int(logins.length)]!;
    // Mostly build on recent work: lineage gets depth.
    const pick = () =>
      slugs[Math.max(0, slugs.length - 1 - Math.floor(Math.abs(rng.normal()) * Math.min(30, slugs.length)))]!;
    const parents = [...new Set([pick(), ...(rng.uniform() < 0.25 ? [pick()] : [])])];
    const files = [
      file(
        `submissions/${slug}/submission.yaml`,
        stringify({
          schema: 1,
          title: sentence(rng, 3 + rng.int(4)).slice(0, 90),
          description: markdown(rng, { slugs, logins, threads: o.threads }),
          authors: [author],
          parents,
          credits: parents
            .filter((p) => authorOf.get(p) !== author)
            .map((p) => ({ who: authorOf.get(p)!, for: `ideas from ${p}` })),
          engine: {
            kind: "embedded",
            args: { quantization: ["f32", "q8_0", "q4_0"][rng.int(3)], threads: 1 },
          },
        }),
      ),
    ];
    const inherited = parents.map((p) => kernels.get(p)).find(Boolean);
    if (inherited && rng.uniform() < 0.5) {
      files.push(file(`submissions/${slug}/kernels/fused.py`, inherited));
      kernels.set(slug, inherited);
    } else if (rng.uniform() < 0.2) {
      const k = `# fused kernel ${i}\ndef kernel(x):\n    return x * ${rng.int(1000)}\n`;
      files.push(file(`submissions/${slug}/kernels/fused.py`, k));
      kernels.set(slug, k);
    }
    last = commit("main", when, author, `Add ${slug}`, files.join(""), last);
    slugs.push(slug);
    times.set(slug, when);
    authorOf.set(slug, author);
  }
  log(`synth: ${slugs.length} submissions on main`);
  // Data branch: runs, rulings, threads.
  const level = new Map<string, number>(
    slugs.map((s, i) => [s, 100 + i * (300 / slugs.length) + rng.normal() * 20]),
  );
  const dataFiles: string[] = [];
  for (let r = 0; r < o.runs; r++) {
    const ci = 1 + rng.int(Math.max(1, slugs.length - 1));
    const cand = slugs[Math.min(ci, slugs.length - 1)]!;
    const inc = slugs[Math.max(0, ci - 1 - rng.int(5))]!;
    const when = Math.min(start + span + 86400, times.get(cand)! + 600 + rng.int(86400));
    const launches: RunRecord["launches"] = [];
    for (let b = 0; b < 3; b++)
      for (const [pos, arm] of (["candidate", "incumbent"] as const).entries()) {
        const s = arm === "candidate" ? cand : inc;
        const v = Math.max(5, level.get(s)! * (1 + rng.normal() * 0.03));
        launches.push({
          arm,
          slug: s,
          block: b,
          position: pos,
          startMs: 1200,
          runs: [Math.round(v * 1000) / 1000],
          ttftMs: 12,
          tokens: 192,
          outputsSha256: "0".repeat(64),
        });
      }
    const cm = launches.filter((l) => l.arm === "candidate").reduce((a, l) => a + l.runs[0]!, 0) / 3;
    const im = launches.filter((l) => l.arm === "incumbent").reduce((a, l) => a + l.runs[0]!, 0) / 3;
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
    const ok = rng.uniform() > 0.08;
    const iso = new Date(when * 1000).toISOString();
    const requester = logins[rng.int(logins.length)]!;
    const rec: RunRecord = {
      version: 1,
      id: `run-${r}`,
      challenge: "synthetic",
      status: ok ? "ok" : rng.uniform() < 0.5 ? "invalid" : "negative",
      ...(ok ? {} : { reason: "verification failed: greedy outputs diverge" }),
      candidate: { slug: cand },
      incumbent: { slug: inc },
      requester: { login: requester, id: 1000 + logins.indexOf(requester) },
      credited: authorOf.get(cand)!,
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
      comparison: {
        verdict: verdict as "faster",
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
      },
      quality: {
        candidate: {
          ok,
          ppl: 1.6,
          pplReference: 1.6,
          pplIncrease: 0,
          greedy: {
            prompts: 6,
            exact: ok ? 6 : 2,
            exactFraction: ok ? 1 : 0.33,
            meanPrefixFraction: ok ? 1 : 0.5,
          },
          reasons: ok ? [] : ["greedy outputs diverge"],
        },
        incumbent: null,
      },
      confirmation:
        verdict === "faster" ? { status: "confirmed", tps: cm, claim: cm, ratio: 1 } : { status: "skipped" },
      startedAt: iso,
      finishedAt: iso,
    };
    dataFiles.push(file(`runs/run-${r}.json`, JSON.stringify(rec)));
  }
  for (let i = 0; i < Math.min(20, slugs.length >> 4); i++) {
    const slug = slugs[1 + rng.int(slugs.length - 1)]!;
    dataFiles.push(
      file(
        `rulings/ruling-${i}.json`,
        JSON.stringify({
          version: 1,
          id: `ruling-${i}`,
          at: new Date((start + span) * 1000).toISOString(),
          slug,
          decision: "invalid",
          reason: sentence(rng, 10),
          by: { id: 1000, login: "agent-0" },
        }),
      ),
    );
  }
  let commentId = 1;
  for (let t = 1; t <= o.threads; t++) {
    const n = Math.floor(o.comments / o.threads) + (t <= o.comments % o.threads ? 1 : 0);
    const created = start + Math.floor((t / o.threads) * span);
    const author = logins[rng.int(logins.length)]!;
    const labels = [
      ...(rng.uniform() < 0.3 ? [`taskforce:${WORDS[rng.int(6)]}`] : []),
      ...(rng.uniform() < 0.05 ? ["negative-result"] : []),
      ...(t === 1 ? ["announcement"] : []),
    ];
    const thread: Thread = {
      version: 1,
      number: t,
      title: sentence(rng, 4 + rng.int(6)).slice(0, 120),
      author: t === 1 ? "agent-0" : author,
      state: "open",
      labels,
      body: markdown(rng, { slugs, logins, threads: o.threads }),
      createdAt: new Date(created * 1000).toISOString(),
      updatedAt: new Date((created + n * 600) * 1000).toISOString(),
      isPullRequest: false,
      reactions: rng.int(5),
      comments: Array.from({ length: n }, (_, k) => ({
        id: commentId++,
        author: logins[rng.int(logins.length)]!,
        body:
          (rng.uniform() < 0.3 ? "> quoted reply\n\n" : "") +
          markdown(rng, { slugs, logins, threads: o.threads }),
        createdAt: new Date((created + (k + 1) * 600) * 1000).toISOString(),
        updatedAt: new Date((created + (k + 1) * 600) * 1000).toISOString(),
        reactions: 0,
      })),
    };
    dataFiles.push(file(`board/threads/${t}.json`, JSON.stringify(thread)));
  }
  commit(
    "velodrome-data",
    start + span,
    "velodrome-bot",
    `data: ${o.runs} runs, ${o.threads} threads`,
    dataFiles.join(""),
  );
  await git(o.out, ["fast-import", "--quiet"], chunks.join(""));
  await git(o.out, ["checkout", "-q", "main"]);
  log(`synth: ${o.runs} runs, ${o.threads} threads, ${o.comments} comments on velodrome-data`);
}

function git(cwd: string, args: string[], input?: string): Promise<void> {
  return new Promise((res, rej) => {
    const c = spawn("git", args, { cwd, stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    c.stderr.on("data", (d: Buffer) => (err += d));
    c.on("close", (code) => (code === 0 ? res() : rej(new Error(`git ${args[0]} failed: ${err}`))));
    c.stdin.end(input ?? "");
  });
}
