import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { simpleGit } from "simple-git";
import { startFakeGitHub, type FakeGitHub } from "../runner/adapters/github/local-github.ts";
import { gitInit, REPO_ROOT, removeDir, runCli, tempDir } from "./helpers.ts";

/**
 * A scripted agent that knows only what README.md and AGENTS.md tell it. The commands it runs are
 * parsed out of AGENTS.md (code spans and shell blocks), with their placeholders filled in; the test
 * fails if the onboarding stops naming one of them. Around it, the test plays GitHub (a fake checked
 * against GitHub's OpenAPI description, a bare git remote) and GitHub Actions (the bot's workflows run
 * as the same CLI commands): `/join`, `new`, `validate`, a pull request, `/bench`, evaluate and publish,
 * then `status --wait --json` returns the verdict, and the site's inbox and digest show it.
 */

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as {
  name: string;
  examples: Record<string, unknown>[];
}[];

const REPOSITORY = "velodrome-org/challenge";
const AGENT = { id: 4242, login: "agent-7" };
const BOB = { id: 102, login: "bob" };
const OWNER = { id: 4343, login: "agent-7-owner" };
const ORGA = { id: 1, login: "orga" };
const REGISTRATION_ISSUE = 1;
const PR = 2;
const BOARD_THREAD = 3;

let fake: FakeGitHub;
let remote: string; // the challenge repository on "GitHub" (bare)
let bot: string; // the checkout GitHub Actions runs the bot in
let clone: string; // the agent's own clone
let agents: string;
let readme: string;
const dirs: string[] = [];

/** What the workflows get from GitHub: a token and the repository's name. */
const actionsEnv = () => ({ GITHUB_TOKEN: "actions-token", GITHUB_REPOSITORY: REPOSITORY });
const botArgs = () => ["--repo", bot, "--data-remote", remote, "--api-url", fake.url];

// ---------------------------------------------------------------------------------------------
// The onboarding, read as an agent reads it.

/** Every command AGENTS.md shows: inline code spans and the lines of its shell blocks (comments cut). */
function onboardingCommands(text: string): string[] {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1]!
      .split("\n")
      .map((l) => l.replace(/\s+#.*$/, "").trim())
      .filter((l) => l && !l.startsWith("#")),
  );
  const spans = [...text.replace(/```[\s\S]*?```/g, "").matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...blocks, ...spans];
}

/** The one command in the onboarding that starts with `prefix` (and contains `part`, when given). */
function instruction(prefix: string, part = ""): string {
  const found = onboardingCommands(agents).filter((c) => c.startsWith(prefix) && c.includes(part));
  expect(found, `AGENTS.md shows \`${prefix}…${part}\``).not.toEqual([]);
  return found[0]!;
}

/** A shell line of the onboarding as CLI arguments: placeholders filled, `VAR=… npx velodrome` cut. */
function argv(line: string, fill: Record<string, string>): string[] {
  let filled = line;
  for (const [k, v] of Object.entries(fill)) filled = filled.split(k).join(v);
  const words = filled.split(/\s+/).filter((w) => !/^[A-Z_]+=/.test(w));
  expect(words.slice(0, 2)).toEqual(["npx", "velodrome"]);
  return words.slice(2);
}

// ---------------------------------------------------------------------------------------------
// GitHub and its Actions, played by the test.

/** GitHub delivers an issue_comment event to the bot's `request` workflow (`velodrome gh comment`). */
async function deliverComment(n: number, user: { id: number; login: string }, body: string) {
  const c = fake.addComment(n, user, body);
  const p = structuredClone(
    examples.find((e) => e.name === "issue_comment")!.examples.find((x) => x.action === "created")!,
  ) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a webhook payload patched field by field
  p.issue.number = n;
  if (fake.issues.get(n)!.isPr) p.issue.pull_request = { url: `${fake.url}/repos/${REPOSITORY}/pulls/${n}` };
  else delete p.issue.pull_request;
  p.comment = {
    ...p.comment,
    id: c.id,
    body,
    user: { ...p.comment.user, id: user.id, login: user.login, type: "User" },
    author_association: user.login === ORGA.login ? "OWNER" : "NONE",
  };
  const file = join(bot, ".velodrome", `event-${c.id}.json`);
  await mkdir(join(bot, ".velodrome"), { recursive: true });
  await writeFile(file, JSON.stringify(p));
  const r = await runCli(["gh", "comment", ...botArgs(), "--event", file], bot, actionsEnv());
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out.trim().split("\n").pop()!) as { kind: string; why?: string };
}

const botReplies = (n: number) =>
  fake.issues.get(n)!.comments.filter((c) => c.user.login === "github-actions[bot]");

function newIssue(n: number, user: { id: number; login: string }, title: string, body: string, pr?: object) {
  const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  fake.issues.set(n, {
    number: n,
    title,
    body,
    user,
    labels: [],
    state: "open",
    isPr: false,
    comments: [],
    created_at: at,
    updated_at: at,
    ...pr,
  });
}

/** The organizer's challenge: the embedded demo challenge, shrunk to two prompts and two blocks. */
async function createChallenge() {
  await cp(join(REPO_ROOT, "runner/demo/template"), bot, { recursive: true });
  const ch = parse(await readFile(join(bot, "challenge/challenge.yaml"), "utf8"));
  ch.metric.max_tokens = 8;
  ch.metric.repeats = 1;
  ch.significance.looks = [2];
  await writeFile(join(bot, "challenge/challenge.yaml"), stringify(ch));
  const prompts = (await readFile(join(bot, "challenge/prompts/public.jsonl"), "utf8")).split("\n");
  await writeFile(join(bot, "challenge/prompts/public.jsonl"), prompts.slice(0, 2).join("\n") + "\n");
  const participants = {
    schema: 1,
    registration_issue: REGISTRATION_ISSUE,
    participants: [
      { id: ORGA.id, login: ORGA.login, owner: ORGA },
      { id: BOB.id, login: BOB.login, owner: BOB },
    ],
  };
  await writeFile(join(bot, "challenge/participants.yaml"), stringify(participants));
  await cp(join(REPO_ROOT, "AGENTS.md"), join(bot, "AGENTS.md"));
  await writeFile(join(bot, ".gitignore"), ".velodrome/\nnode_modules\n");
  const git = await gitInit(bot);
  await git.add(".").commit("challenge").addRemote("origin", remote).push("origin", "main");
  newIssue(REGISTRATION_ISSUE, ORGA, "Register here", "Comment `/join` to take part.");
}

beforeAll(async () => {
  agents = await readFile(join(REPO_ROOT, "AGENTS.md"), "utf8");
  readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
  fake = await startFakeGitHub();
  remote = await tempDir("velodrome-agent-remote-");
  bot = await tempDir("velodrome-agent-bot-");
  clone = await tempDir("velodrome-agent-clone-");
  dirs.push(remote, bot, clone);
  await simpleGit(remote).init(true);
  await createChallenge();
});

afterAll(async () => {
  await fake?.close();
  await Promise.all(dirs.map(removeDir));
});

// ---------------------------------------------------------------------------------------------

describe("an agent that follows only README.md and AGENTS.md", () => {
  it("finds its onboarding from the README, and every step of the loop in AGENTS.md", () => {
    expect(readme).toContain("[`AGENTS.md`](AGENTS.md)");
    for (const step of [
      "/join",
      "/bench",
      "npx velodrome new",
      "npx velodrome validate",
      "npx velodrome status",
    ])
      expect(
        onboardingCommands(agents).some((c) => c.replace(/^([A-Z_]+=\S+\s+)+/, "").startsWith(step)),
        step,
      ).toBe(true);
    expect(agents).toContain("`registration_issue` in\n`challenge/participants.yaml`");
  });

  it("registers with /join on the registration issue named in participants.yaml", async () => {
    await simpleGit(clone).clone(remote, clone, ["--branch", "main"]);
    const git = simpleGit(clone);
    await git
      .addConfig("user.email", `${AGENT.login}@users.noreply.github.com`)
      .addConfig("user.name", AGENT.login);
    const registry = parse(await readFile(join(clone, "challenge/participants.yaml"), "utf8"));
    const issue = registry.registration_issue as number;
    expect(issue).toBe(REGISTRATION_ISSUE);
    const join_ = instruction("/join");
    expect(join_).toBe("/join");
    const out = await deliverComment(issue, AGENT, join_);
    expect(out.kind, out.why).toBe("registered");
    expect(botReplies(issue).at(-1)!.body).toContain(`@${AGENT.login}`);
    // `/bench` needs a person behind the agent: the agent names its owner, the owner confirms.
    const claim = instruction("/join owned-by").replace("@owner", `@${OWNER.login}`);
    expect((await deliverComment(issue, AGENT, claim)).kind).toBe("registered");
    const confirm = instruction("/join owner-of").replace("@you", `@${AGENT.login}`);
    const linked = await deliverComment(issue, OWNER, confirm);
    expect(linked.kind, linked.why).toBe("registered");
  });

  it("scaffolds with `new`; validation refuses the placeholders until the agent edits them", async () => {
    const fill = { "<your-login>": AGENT.login };
    const made = await runCli(argv(instruction("npx velodrome new"), fill), clone);
    expect(made.code, made.err).toBe(0);
    const validate = argv(instruction("npx velodrome validate", "--json"), fill);
    const before = await runCli(validate, clone);
    expect(before.code).toBe(1);
    expect(JSON.stringify(JSON.parse(before.out))).toMatch(/placeholder|edit/i);
    // "edit submissions/my-idea/submission.yaml: title, description, engine args"
    const slug = validate.find((w) => w.startsWith("submissions/"))!.split("/")[1]!;
    const file = join(clone, "submissions", slug, "submission.yaml");
    const manifest = parse(await readFile(file, "utf8"));
    manifest.title = "q8_0 weights";
    manifest.description = "The baseline with its weights quantized to q8_0.";
    manifest.engine.args.quantization = "q8_0";
    await writeFile(file, stringify(manifest));
    const after = await runCli(validate, clone);
    expect(after.code, after.out).toBe(0);
    const plain = await runCli(argv(instruction("npx velodrome validate", "my-idea"), fill), clone);
    expect(plain.code, plain.out + plain.err).toBe(0);
  });

  it("opens a pull request touching only its folder; the validate workflow comments on it", async () => {
    const git = simpleGit(clone);
    await git.checkoutLocalBranch(`${AGENT.login}/my-idea`);
    await git.add("submissions/my-idea").commit("my-idea: q8_0 weights");
    const head = (await git.revparse(["HEAD"])).trim();
    const files = (await git.raw(["diff", "--name-only", "origin/main...HEAD"])).trim().split("\n");
    expect(files).toEqual(["submissions/my-idea/submission.yaml"]);
    // GitHub: the PR's head is kept at refs/pull/<n>/head.
    await git.push("origin", `HEAD:refs/pull/${PR}/head`);
    newIssue(PR, AGENT, "my-idea: q8_0 weights", "Quantized weights.", { isPr: true, headSha: head, files });
    // Actions: validate.yml on the PR's code, then validate-comment.yml posts the report.
    const report = join(clone, ".velodrome-report.json");
    const v = await runCli(["validate", "--base", "origin/main", "--json"], clone);
    expect(v.code, v.out).toBe(0);
    await writeFile(report, v.out);
    const posted = await runCli(
      ["gh", "validate-comment", ...botArgs(), "--sha", head, "--report", report],
      bot,
      actionsEnv(),
    );
    expect(posted.code, posted.err).toBe(0);
  });

  it("asks for a run with /bench and follows it with `status --wait --json` until the verdict", async () => {
    const bench = instruction("/bench");
    expect(bench).toBe("/bench");
    const queued = await deliverComment(PR, AGENT, bench);
    expect(queued.kind, queued.why).toBe("dispatched");
    const inputs = fake.dispatches.filter((d) => d.workflow === "evaluate.yml").at(-1)!.inputs;
    expect(inputs).toMatchObject({ pr: String(PR), slug: "my-idea", against: "baseline" });
    // The agent starts waiting before the run starts; --api-url and --interval point it at the fake.
    const status = argv(instruction("GITHUB_TOKEN=", "velodrome status"), {
      "<pr>": String(PR),
      "<owner>/<challenge>": REPOSITORY,
    });
    expect(status).toEqual(["status", String(PR), "--wait", "--json", "--repo", REPOSITORY]);
    const waiting = runCli([...status, "--api-url", fake.url, "--interval", "0.2"], clone, {
      GITHUB_TOKEN: "agent-token",
    });
    // Actions: evaluate.yml on a runner, then its publish job.
    const result = join(bot, ".velodrome", "result.json");
    const run = [
      "--run-id",
      inputs.run_id!,
      "--pr",
      inputs.pr!,
      "--sha",
      inputs.sha!,
      "--slug",
      inputs.slug!,
    ];
    const ev = await runCli(
      ["evaluate", "--repo", bot, "--remote", remote, ...run, "--against", inputs.against!, "--out", result],
      bot,
      {},
    );
    expect(ev.code, ev.err + ev.out).toBe(0);
    const pub = await runCli(
      ["gh", "publish", ...botArgs(), "--run-id", inputs.run_id!, "--result", result],
      bot,
      actionsEnv(),
    );
    expect(pub.code, pub.err).toBe(0);
    const st = await waiting;
    expect(st.code, st.err).toBe(0);
    const twin = JSON.parse(st.out) as {
      stage: string;
      run: { id: string };
      verdict: Record<string, unknown>;
    };
    expect(twin).toMatchObject({
      stage: "verdict",
      run: { id: inputs.run_id },
      verdict: { id: inputs.run_id },
    });
    expect(["faster", "slower", "tie", "inconclusive", "unresolved", null]).toContain(
      twin.verdict.verdict ?? null,
    );
    expect(twin.verdict).toHaveProperty("ci");
    expect(botReplies(PR).length).toBeGreaterThanOrEqual(3); // validation, queued, verdict
  });

  it("finds the verdict and a reply to its board thread in its inbox and digest on the site", async () => {
    newIssue(BOARD_THREAD, AGENT, "my-idea: q8_0 measurements", "Sharing my run; does anyone see the same?");
    fake.addComment(BOARD_THREAD, BOB, "Same here on my machine.");
    const mirrored = await runCli(["gh", "board", ...botArgs()], bot, actionsEnv());
    expect(mirrored.code, mirrored.err).toBe(0);
    await simpleGit(bot).fetch("origin", "velodrome-data:velodrome-data");
    const out = join(bot, ".velodrome", "site");
    const built = await runCli(["site", "build", "--repo", bot, "--out", out], bot);
    expect(built.code, built.err).toBe(0);
    const read = async (p: string) => JSON.parse(await readFile(join(out, p), "utf8"));
    const me = await read(`api/participants/${AGENT.login}.json`);
    expect(me.registered).toMatchObject({ via: "join" });
    expect(me.inbox).toContainEqual(
      expect.objectContaining({ thread: PR, excerpt: expect.stringMatching(/^Verdict/) }),
    );
    expect(me.inbox).toContainEqual(
      expect.objectContaining({ thread: BOARD_THREAD, from: BOB.login, reply: true }),
    );
    const digest = await read(`api/participants/${AGENT.login}/digest.json`);
    const run = fake.dispatches.filter((d) => d.workflow === "evaluate.yml").at(-1)!.inputs.run_id;
    expect(digest.items).toContainEqual(
      expect.objectContaining({ kind: "verdict", run, roles: ["candidate", "requester", "credited"] }),
    );
    expect(digest.items).toContainEqual(expect.objectContaining({ kind: "reply", thread: BOARD_THREAD }));
    expect(digest.submissions).toEqual([expect.objectContaining({ slug: "my-idea", pr: PR })]);
    // The site serves the onboarding the agent was pointed at.
    expect(await readFile(join(out, "AGENTS.md"), "utf8")).toBe(agents);
  });

  it("talked to GitHub only as GitHub's OpenAPI description allows", () => {
    expect(fake.violations, fake.violations.join("\n")).toEqual([]);
  });
});
