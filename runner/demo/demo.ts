import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { fittingWorkFolder } from "../adapters/work-folder.ts";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { stringify } from "yaml";
import { octokitApi } from "../adapters/github/api.ts";
import { startFakeGitHub, type FakeGitHub } from "../adapters/github/local-github.ts";
import { gitSubmissionFetcher } from "../adapters/git-fetch.ts";
import { gitDataStore } from "../adapters/git-store.ts";
import { gitPullValidator } from "../adapters/git-validate.ts";
import { describeHardware } from "../adapters/hardware.ts";
import { progressFor, silentProgress, type Progress } from "../adapters/progress.ts";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import { makeLauncher, nodeBenchPorts, type SandboxMode } from "../adapters/runner-ports.ts";
import { SERVED_NAME } from "../core/engine-args.ts";
import { DEFAULT_PUBLIC_REFERENCE, PARTICIPANTS_FILE } from "../core/layout.ts";
import { parsePrompts } from "../core/prompts.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import { ParticipantsSchema } from "../core/schema/data.ts";
import { evaluate, type EvaluatePorts } from "../flows/evaluate.ts";
import { processPool } from "../adapters/block-workers.ts";
import {
  handleIssueComment,
  mirrorChanges,
  postValidation,
  publishResult,
  type FlowContext,
  type Outcome,
} from "../flows/bot/index.ts";
import { makeReference, referenceJsonl } from "../flows/reference.ts";
import { loadChallenge, loadManifest } from "../flows/repo-load.ts";
import { CAST, KB_NOTE, PRS, THREADS, type Actor, type StoryPr } from "./story.ts";

const TEMPLATE = resolve(import.meta.dirname, "template");
const PROGRAM_ROOT = resolve(import.meta.dirname, "../..");
const OWNER = "velodrome-demo";
const REPO = "challenge";

/** Use cases the demo plays that live behind the command line's own wiring (passed in by `velodrome demo`). */
export interface DemoServices {
  /** What validate.yml computes for a PR checkout: the JSON validation report against origin/main. */
  validatePr(checkout: string): Promise<string>;
  /** Builds the static site of a repository into `out`. */
  buildSite(repo: string, out: string, log: (line: string) => void): Promise<unknown>;
}

export interface DemoOptions {
  dir: string; // workspace, recreated
  out: string; // site output
  log: (line: string) => void;
  sandbox?: SandboxMode;
  services: DemoServices;
}

export interface DemoResult {
  repo: string;
  out: string;
  steps: { step: string; outcome: string; detail?: unknown }[];
}

/** Everything the steps of the demo share: the workspace, the repositories, the bot's context. */
interface Demo {
  o: DemoOptions;
  say: (line: string) => void;
  steps: DemoResult["steps"];
  remote: string;
  repo: string;
  git: SimpleGit; // the organizer's checkout
  challenge: Challenge;
  participants: { schema: 1; participants: { id: number; login: string; owner: unknown }[] };
  privatePrompts: string;
  clones: Map<Actor, SimpleGit>;
  /** Set while the local GitHub stand-in runs. */
  gh?: FakeGitHub;
  ctx?: FlowContext;
  dispatchesHandled: number;
}

const requireCjs = createRequire(import.meta.url);

/** Each actor commits from a clone configured with their identity. */
async function identify(git: SimpleGit, who: Actor) {
  await git.addConfig("user.name", who);
  await git.addConfig("user.email", `${who}@users.noreply.github.com`);
  await git.addConfig("commit.gpgsign", "false");
}

/** The organizer's repository from the template, with the cast registered, committed on main. */
async function createChallengeRepo(o: DemoOptions, repo: string) {
  await cp(TEMPLATE, repo, { recursive: true });
  await cp(join(PROGRAM_ROOT, "challenge/RULES.md"), join(repo, "challenge/RULES.md"));
  const participants = {
    schema: 1 as const,
    participants: Object.values(CAST).map((c) => ({ id: c.id, login: c.login, owner: c.owner })),
  };
  await writeFile(join(repo, PARTICIPANTS_FILE), stringify(participants));
  await writeFile(join(repo, ".gitignore"), ".velodrome/\n");
  const git = simpleGit(repo);
  await git.init(["-b", "main"]);
  await git.addConfig("commit.gpgsign", "false");
  await identify(git, "orga");
  return { git, participants };
}

/** Reference outputs made once from the baseline (plain greedy decoding), written into the repo. */
async function makeReferenceFile(o: DemoOptions, repo: string, challenge: Challenge) {
  const promptsText = await readFile(join(repo, challenge.metric.prompts), "utf8");
  const { prompts } = parsePrompts("public.jsonl", promptsText, "embedded");
  const ports = nodeBenchPorts(makeLauncher("embedded", PROGRAM_ROOT, o.sandbox ?? "auto"), silentProgress);
  const baseline = { slug: "baseline", manifest: await loadManifest(nodeRepoFiles(repo), "baseline") };
  const ref = await makeReference(ports, challenge, baseline, prompts, join(o.dir, "work"));
  await ports.files.write(
    join(repo, challenge.verification.reference.outputs ?? DEFAULT_PUBLIC_REFERENCE),
    referenceJsonl(ref.lines),
  );
  return { ppl: ref.ppl, prompts: prompts.length };
}

/** The private prompt set lives on the runner only, outside the repository. */
async function writePrivatePrompts(o: DemoOptions): Promise<string> {
  const file = join(o.dir, "runner-private", "prompts.jsonl");
  await mkdir(join(o.dir, "runner-private"), { recursive: true });
  const lines = (await readFile(join(PROGRAM_ROOT, "challenge/prompts/public.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .slice(40, 44)
    .map((l, i) => JSON.stringify({ id: `private-${i}`, text: (JSON.parse(l) as { text: string }).text }));
  await writeFile(file, lines.join("\n") + "\n");
  return file;
}

/** Step 1: the organizer sets up the challenge repository and its bare remote. */
async function setUp(o: DemoOptions, say: (s: string) => void, steps: DemoResult["steps"]): Promise<Demo> {
  await rm(o.dir, { recursive: true, force: true });
  const remote = join(o.dir, "origin.git");
  const repo = join(o.dir, "repo");
  await mkdir(remote, { recursive: true });
  await simpleGit(remote).init(true, ["-b", "main"]);
  say("organizer: creating the challenge repository (embedded engine, generated byte-level llama)");
  const { git, participants } = await createChallengeRepo(o, repo);
  const challenge = await loadChallenge(nodeRepoFiles(repo));
  say("organizer: making reference outputs once from the baseline (plain greedy decoding)");
  const ref = await makeReferenceFile(o, repo, challenge);
  await git.add(".").commit("Set up the challenge: definition, rules, baseline, reference outputs");
  await git.addRemote("origin", remote);
  await git.push("origin", "main");
  const privatePrompts = await writePrivatePrompts(o);
  steps.push({
    step: "setup",
    outcome: "ok",
    detail: { referencePpl: ref.ppl, prompts: ref.prompts, served: SERVED_NAME },
  });
  const base = { o, say, steps, remote, repo, git, challenge, participants, privatePrompts };
  return { ...base, clones: new Map(), dispatchesHandled: 0 };
}

/** Step 2: a local GitHub stand-in (OpenAPI-checked) and the bot's real flows against it. */
async function startBot(d: Demo): Promise<{ gh: FakeGitHub; ctx: FlowContext }> {
  const gh = await startFakeGitHub(OWNER, REPO);
  const ctx: FlowContext = {
    api: octokitApi({ token: "demo-token", owner: OWNER, repo: REPO, baseUrl: gh.url, retries: 0 }),
    store: gitDataStore({
      remote: d.remote,
      branch: d.challenge.data_branch,
      dir: join(d.o.dir, "bot-data"),
    }),
    challenge: d.challenge,
    participants: ParticipantsSchema.parse(d.participants),
    now: () => new Date(),
    ref: "main",
    evaluateWorkflow: "evaluate.yml",
    knownSlugs: ["baseline"],
    validator: gitPullValidator(nodeRepoFiles(d.repo), d.remote, "main"),
  };
  return { gh, ctx };
}

const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** An issue_comment webhook payload, from GitHub's own example with this comment filled in. */
function commentPayload(d: Demo, n: number, who: Actor, commentId: number, body: string, assoc: string) {
  const examples = requireCjs("@octokit/webhooks-examples/api.github.com/index.json") as {
    name: string;
    examples: Record<string, unknown>[];
  }[];
  const template = examples
    .find((e) => e.name === "issue_comment")!
    .examples.find((x) => x.action === "created")! as Record<string, Record<string, unknown>>;
  const user = CAST[who];
  const gh = d.gh!;
  const pull = gh.issues.get(n)!.isPr
    ? { pull_request: { url: `${gh.url}/repos/${OWNER}/${REPO}/pulls/${n}` } }
    : {};
  return {
    ...template,
    action: "created",
    issue: { ...template.issue, number: n, ...pull },
    comment: {
      ...template.comment,
      id: commentId,
      body,
      author_association: assoc,
      user: { ...(template.comment!.user as object), id: user.id, login: user.login, type: "User" },
    },
  };
}

/** Someone comments on an issue or PR; the bot handles it as the issue_comment workflow would. */
async function comment(
  d: Demo,
  n: number,
  who: Actor,
  body: string,
  assoc = "CONTRIBUTOR",
): Promise<Outcome> {
  const user = CAST[who];
  const c = d.gh!.addComment(n, { id: user.id, login: user.login }, body);
  const out = await handleIssueComment(d.ctx!, commentPayload(d, n, who, c.id, body, assoc));
  d.say(`@${who} on #${n}: "${body.split("\n")[0]}" → ${out.kind}${"why" in out ? `: ${out.why}` : ""}`);
  return out;
}

/**
 * The evaluation's progress in the story's log: blocks done of planned, with an ETA from the pace so
 * far (progressFor's), at most one line every 15 s plus each look's result, so a run that takes
 * minutes on a busy machine never leaves the terminal silent for long.
 */
function demoProgress(d: Demo): Progress {
  let last = 0;
  let mute = false;
  const inner = progressFor((s) => mute || d.say(`runner: ${s.trimEnd()}`), false);
  return {
    start: (total, label) => ((last = Date.now()), inner.start(total, label)),
    tick(label) {
      const now = Date.now();
      mute = now - last < 15_000; // counted for the ETA, not printed
      if (!mute) last = now;
      inner.tick(label);
      mute = false;
    },
    line: (m) => inner.line(m),
    done: () => undefined,
  };
}

/** The runner's side of one dispatched run: the evaluate flow on this machine's adapters. */
async function evaluateDispatch(d: Demo, inputs: Record<string, string>, out: string) {
  const launcher = makeLauncher(d.challenge.engine.kind, PROGRAM_ROOT, d.o.sandbox ?? "auto");
  const main = nodeRepoFiles(d.repo);
  const ports: EvaluatePorts = {
    ...nodeBenchPorts(launcher, demoProgress(d)),
    main,
    // The demo lives in `.velodrome/demo/` of the checkout: from a deep folder its engine socket
    // paths would pass the kernel's 107 bytes, so the runs' work then goes under /tmp.
    workRoot: await fittingWorkFolder(join(d.repo, ".velodrome/evaluate"), 1 + inputs.run_id!.length),
    repoAt: nodeRepoFiles,
    fetcher: gitSubmissionFetcher(d.repo, d.remote),
    validator: gitPullValidator(main, d.remote, "main"),
    dataStore: () =>
      gitDataStore({
        remote: d.remote,
        branch: d.challenge.data_branch,
        dir: join(d.o.dir, "work", `${inputs.run_id}-data`),
      }),
  };
  const challenge = await loadChallenge(main);
  const hardware = `${challenge.hardware.description} — ${await describeHardware()}`.slice(0, 300);
  // `--runners 2`: each look's blocks shared out over two worker processes, as on a runner pool.
  const launcherOfWorkers = {
    kind: challenge.engine.kind,
    programRoot: PROGRAM_ROOT,
    sandbox: d.o.sandbox ?? "auto",
  };
  const mode = { kind: "pool" as const, pool: processPool(2, launcherOfWorkers) };
  const request = {
    runId: inputs.run_id!,
    pr: Number(inputs.pr),
    sha: inputs.sha!,
    slug: inputs.slug!,
    against: inputs.against!,
    blocks: Number(inputs.blocks ?? "0"),
    privatePrompts: d.privatePrompts,
    out,
    runner: { id: process.env.RUNNER_NAME ?? "local", hardware },
  };
  await evaluate(ports, challenge, request, mode);
}

/** One line for the log and one entry for api/demo.json, from what the publish flow returned. */
function reportPublished(
  d: Demo,
  inputs: Record<string, string>,
  pub: Awaited<ReturnType<typeof publishResult>>,
) {
  const rec = pub.kind === "published" ? pub.record : undefined;
  const c = rec?.comparison;
  const verdict = c
    ? `, ${c.verdict.toUpperCase()} Δ ${c.estimate.toFixed(1)} tok/s ` +
      `[${c.ci[0].toFixed(1)}, ${c.ci[1].toFixed(1)}] after ${c.blocks} blocks`
    : "";
  d.say(
    `bot: ${inputs.slug} vs ${inputs.against}: ${rec?.status ?? pub.kind}${verdict}` +
      (rec?.reason ? ` — ${rec.reason}` : "") +
      (pub.kind === "refused" ? ` — ${pub.why}` : ""),
  );
  d.steps.push({
    step: `run ${inputs.slug}`,
    outcome: rec ? `${rec.status}${c ? `/${c.verdict}` : ""}` : pub.kind,
    detail: rec
      ? { id: rec.id, verdict: c?.verdict ?? null, ci: c?.ci ?? null, reason: rec.reason ?? null }
      : pub,
  });
  return rec;
}

/** Runs every run the bot dispatched since last time, publishes it, merges verified submissions. */
async function runDispatched(d: Demo) {
  const gh = d.gh!;
  for (; d.dispatchesHandled < gh.dispatches.length; d.dispatchesHandled++) {
    if (gh.dispatches[d.dispatchesHandled]!.workflow !== "evaluate.yml") continue; // board, pages: no runner
    const inputs = gh.dispatches[d.dispatchesHandled]!.inputs as Record<string, string>;
    d.say(
      `runner: evaluating ${inputs.slug} against ${inputs.against} (run ${inputs.run_id}) in blocks of fresh launches`,
    );
    const result = join(d.o.dir, "work", `${inputs.run_id}.json`);
    await evaluateDispatch(d, inputs, result);
    const pub = await publishResult(d.ctx!, {
      runId: inputs.run_id!,
      resultText: await readFile(result, "utf8").catch(() => ""),
      logUrl: `${gh.url}/demo/logs/${inputs.run_id}`,
    });
    const rec = reportPublished(d, inputs, pub);
    if (rec?.status === "ok" && rec.quality.candidate?.ok && inputs.slug !== "q8-tuned")
      await mergePr(d, Number(inputs.pr), inputs.slug!);
  }
}

/** An actor's clone of the remote (made on first use). */
async function cloneOf(d: Demo, who: Actor): Promise<SimpleGit> {
  let c = d.clones.get(who);
  if (!c) {
    const dir = join(d.o.dir, "clones", who);
    await mkdir(dir, { recursive: true });
    await simpleGit(dir).clone(d.remote, dir);
    c = simpleGit(dir);
    await identify(c, who);
    d.clones.set(who, c);
  }
  return c;
}

/** The organizers merge verified submissions (a merge commit keeps the PR's own commits). */
async function mergePr(d: Demo, n: number, slug: string) {
  const g = d.git;
  await g.fetch([
    "origin",
    `+refs/pull/${n}/head:refs/pull/${n}/head`,
    "+refs/heads/main:refs/remotes/origin/main",
  ]);
  await g.reset(["--hard", "origin/main"]);
  await g.raw([
    "merge",
    "--no-ff",
    "--quiet",
    "-m",
    `Merge pull request #${n}: ${slug}`,
    `refs/pull/${n}/head`,
  ]);
  await g.push("origin", "main");
  d.gh!.issues.get(n)!.state = "closed";
  d.ctx!.knownSlugs.push(slug);
  d.say(`organizer: merged #${n} (${slug}) into main`);
}

/** The PR's author commits its files on a branch and pushes it as the PR's head; returns the head SHA. */
async function pushPrBranch(d: Demo, pr: StoryPr) {
  const c = await cloneOf(d, pr.author);
  const dir = (await c.revparse(["--show-toplevel"])).trim();
  await c.fetch(["origin", "+refs/pull/*/head:refs/remotes/pull/*", "+refs/heads/*:refs/remotes/origin/*"]);
  await c.checkout([
    "-B",
    `${pr.author}/${pr.slug}`,
    pr.basedOn ? `refs/remotes/pull/${pr.basedOn}` : "origin/main",
  ]);
  for (const [f, text] of Object.entries(pr.files)) {
    await mkdir(join(dir, "submissions", pr.slug, f, ".."), { recursive: true });
    await writeFile(join(dir, "submissions", pr.slug, f), text);
  }
  await c.add(".").commit(`Add ${pr.slug}: ${pr.title}`);
  const sha = (await c.revparse(["HEAD"])).trim();
  await c.push("origin", `HEAD:refs/pull/${pr.n}/head`);
  const files = (await c.raw(["diff", "--name-only", "origin/main", "HEAD"])).split("\n").filter(Boolean);
  return { dir, sha, files };
}

/** A PR is opened: pushed, registered on the stand-in, validated (validate.yml, then validate-comment.yml). */
async function openPr(d: Demo, pr: StoryPr) {
  const { dir, sha, files } = await pushPrBranch(d, pr);
  const at = stamp();
  d.gh!.issues.set(pr.n, {
    number: pr.n,
    title: pr.title,
    body: pr.body,
    user: { id: CAST[pr.author].id, login: pr.author },
    labels: ["submission"],
    state: "open",
    isPr: true,
    headSha: sha,
    files,
    comments: [],
    created_at: at,
    updated_at: at,
  });
  const report = await d.o.services.validatePr(dir);
  await postValidation(d.ctx!, { sha, reportText: report });
  const ok = JSON.parse(report).ok as boolean;
  const branched = pr.basedOn ? `, branched from #${pr.basedOn}` : "";
  d.say(
    `@${pr.author} opened PR #${pr.n} "${pr.title}" (${pr.slug}${branched}) → validation ${ok ? "passed" : "FAILED"}`,
  );
  d.steps.push({ step: `open ${pr.slug}`, outcome: ok ? "valid" : "invalid", detail: { pr: pr.n, sha } });
}

/** A board thread with its replies, opened on the stand-in. */
function openThread(d: Demo, t: (typeof THREADS)[number]) {
  const at = stamp();
  d.gh!.issues.set(t.n, {
    number: t.n,
    title: t.title,
    body: t.body,
    user: { id: CAST[t.author].id, login: t.author },
    labels: t.labels,
    state: "open",
    isPr: false,
    comments: [],
    created_at: at,
    updated_at: at,
  });
  for (const r of t.replies) d.gh!.addComment(t.n, { id: CAST[r.author].id, login: r.author }, r.body);
  d.say(`@${t.author} opened thread #${t.n} "${t.title}"`);
}

/** The organizer merges a knowledge-base note proposed on the board. */
async function mergeKbNote(d: Demo) {
  const og = await cloneOf(d, "orga");
  const dir = (await og.revparse(["--show-toplevel"])).trim();
  await og.fetch(["origin", "+refs/heads/*:refs/remotes/origin/*"]);
  await og.checkout(["-B", "main", "origin/main"]);
  await mkdir(join(dir, "challenge/kb"), { recursive: true });
  await writeFile(join(dir, "challenge/kb/speculative-decoding.md"), KB_NOTE);
  await og.add(".").commit("Knowledge base: speculative decoding playbook (from #8)");
  await og.push("origin", "main");
  d.say("organizer merged the knowledge-base note proposed in #8");
}

/** A PR of the story opened and benched on someone's request. */
async function submitAndBench(d: Demo, n: number, who: Actor, command: string) {
  await openPr(
    d,
    PRS.find((p) => p.n === n)!,
  );
  await comment(d, n, who, command);
  await runDispatched(d);
}

/** Step 3: the story — submissions, runs, a pooled run, a ruling, threads, the knowledge base. */
async function playStory(d: Demo) {
  openThread(d, THREADS[0]!);
  await submitAndBench(d, 1, "alice", "/bench");
  await submitAndBench(d, 2, "bob", "/bench --against baseline");
  await submitAndBench(d, 3, "bob", "/bench"); // pooled: bob spends his quota on carol's PR
  // A fixed block count for runs whose story is not their speed (a verification failure, a ruling):
  // the agent's own choice, and half the launches of the challenge's two looks.
  await submitAndBench(d, 4, "dave", "/bench --blocks 4");
  await submitAndBench(d, 5, "alice", "/bench --against q8 --blocks 4");
  await submitAndBench(d, 11, "dave", "/bench --blocks 4");
  openThread(d, THREADS[1]!);
  await comment(d, 5, "bob", "/rule invalid I think so too"); // refused: not an organizer
  const why = "tuned on the public prompt set, which the rules forbid (see #7)";
  await comment(d, 5, "orga", `/rule invalid ${why}`, "OWNER");
  d.steps.push({ step: "ruling", outcome: "q8-tuned ruled invalid" });
  openThread(d, THREADS[2]!);
  await mergeKbNote(d);
  openThread(d, THREADS[3]!);
  openThread(d, THREADS[4]!);
  const mirrored = await mirrorChanges(d.ctx!);
  d.say(`bot: mirrored ${"threads" in mirrored ? mirrored.threads.length : 0} threads into the data branch`);
  d.steps.push({ step: "board", outcome: "mirrored", detail: mirrored });
  if (d.gh!.violations.length)
    throw new Error(
      `the GitHub stand-in saw requests outside GitHub's API description:\n${d.gh!.violations.join("\n")}`,
    );
}

/** Step 4: the site, from git history and the data branch. */
async function buildDemoSite(d: Demo) {
  await d.git.fetch([
    "origin",
    "+refs/heads/main:refs/remotes/origin/main",
    `+refs/heads/${d.challenge.data_branch}:refs/heads/${d.challenge.data_branch}`,
    "+refs/pull/*/head:refs/pull/*/head",
  ]);
  await d.git.reset(["--hard", "origin/main"]);
  d.say("building the site from git history and the data branch");
  await d.o.services.buildSite(d.repo, d.o.out, d.say);
  await writeFile(
    join(d.o.out, "api/demo.json"),
    JSON.stringify({ version: 1, steps: d.steps }, null, 1) + "\n",
  );
}

/** `velodrome demo`: a whole challenge, played for real on the embedded engine, then its site. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const t0 = Date.now();
  const say = (s: string) => o.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${s}`);
  const d = await setUp(o, say, []);
  const bot = await startBot(d);
  d.gh = bot.gh;
  d.ctx = bot.ctx;
  try {
    await playStory(d);
  } finally {
    await bot.gh.close();
  }
  await buildDemoSite(d);
  say(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return { repo: d.repo, out: o.out, steps: d.steps };
}
