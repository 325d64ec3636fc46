import { execFile, execFileSync, spawn } from "node:child_process";
import { promisify } from "node:util";
import { cp, mkdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { createServer } from "node:net";
import { parse } from "yaml";
import {
  startFakeGitHub,
  type FakeGitHub,
  type FakeIssue,
} from "../../runner/adapters/github/local-github.ts";
import { REPO_ROOT, tempDir } from "../helpers.ts";

/**
 * The workflows tier's GitHub: the local stand-in (REST checked against @octokit/openapi, git over
 * smart HTTP from a bare repository), nektos/act in host mode running the shipped
 * `.github/workflows/*.yml` on events built from @octokit/webhooks-examples, act's artifact server,
 * and local stand-ins for the third-party actions (standin-actions.mjs). The harness plays GitHub's
 * scheduler: after each run it starts every workflow the bot dispatched (`workflow_dispatch`), and a
 * finished `validate` run starts `validate-comment` (`workflow_run`), as GitHub would.
 */

/** act, at the version `.ci/run` installs (`npm run setup:act`), or on PATH. */
export function findAct(): string | undefined {
  const cached = join(homedir(), ".cache/velodrome/go/bin/act");
  if (existsSync(cached)) return cached;
  try {
    return execFileSync("bash", ["-c", "command -v act"]).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

export const OWNER = "velodrome-org";
export const REPO = "challenge";
export const TOKEN = "ghs_workflows-test-token";

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- webhook payloads patched field by field
type Payload = Record<string, any>;
type User = { id: number; login: string };
const EXAMPLES = require("@octokit/webhooks-examples/api.github.com/index.json") as {
  name: string;
  examples: Payload[];
}[];

/** A payload from @octokit/webhooks-examples, its repository made this challenge's. */
export function webhook(name: string, action?: string): Payload {
  const ex = EXAMPLES.find((e) => e.name === name)!.examples.find(
    (x) => action === undefined || x.action === action,
  );
  if (!ex) throw new Error(`no ${name}.${action} example in @octokit/webhooks-examples`);
  const p = structuredClone(ex);
  p.repository = {
    ...p.repository,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    default_branch: "main",
    owner: { ...p.repository?.owner, login: OWNER },
  };
  return p;
}

/** The stand-in actions, by the `uses:` of the shipped workflows (one table; the YAML pins by SHA). */
const STANDINS: Record<string, { inputs: string[] }> = {
  checkout: { inputs: ["ref", "path", "fetch-depth", "persist-credentials", "repository"] },
  "setup-node": { inputs: ["node-version", "cache"] },
  "upload-artifact": { inputs: ["name", "path", "retention-days", "if-no-files-found"] },
  "download-artifact": { inputs: ["name", "pattern", "path", "merge-multiple", "run-id", "github-token"] },
  "upload-pages-artifact": { inputs: ["path", "name"] },
  "deploy-pages": { inputs: [] },
};

/** Writes one action folder per stand-in and returns act's `--local-repository` mappings for every pinned `uses:`. */
async function standinActions(root: string, workflowsDir: string): Promise<string[]> {
  const uses = new Set<string>();
  for (const f of execFileSync("ls", [workflowsDir])
    .toString()
    .split("\n")
    .filter((x) => x.endsWith(".yml"))) {
    const wf = parse(await readFile(join(workflowsDir, f), "utf8")) as {
      jobs: Record<string, { steps?: { uses?: string }[] }>;
    };
    for (const j of Object.values(wf.jobs)) for (const s of j.steps ?? []) if (s.uses) uses.add(s.uses);
  }
  const maps: string[] = [];
  for (const u of uses) {
    const name = u.replace(/^actions\//, "").replace(/@.*/, "");
    const spec = STANDINS[name];
    if (!spec) throw new Error(`no stand-in for the action ${u}: add one to standin-actions.mjs`);
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    const inputs = spec.inputs.map((i) => `  ${i}: { required: false, default: "" }`).join("\n");
    await writeFile(
      join(dir, "action.yml"),
      `name: ${name} (velodrome stand-in)\ninputs:\n${inputs || "  {}"}\noutputs:\n  page_url: { description: "" }\nruns:\n  using: node20\n  main: index.mjs\n`,
    );
    const lib = join(REPO_ROOT, "test/workflows/standin-actions.mjs");
    await writeFile(
      join(dir, "index.mjs"),
      `import { ACTIONS } from ${JSON.stringify(lib)};\nawait ACTIONS[${JSON.stringify(name)}]();\n`,
    );
    maps.push(`${u}=${dir}`);
  }
  return maps;
}

/** A workflow's concurrency group when it is a fixed string (one group for every run of it). */
async function staticGroup(file: string): Promise<string | undefined> {
  const wf = parse(await readFile(file, "utf8")) as { concurrency?: { group?: string } | string };
  const group = typeof wf.concurrency === "string" ? wf.concurrency : wf.concurrency?.group;
  return group && !group.includes("${{") ? group : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface ActRun {
  id: number;
  workflow: string;
  event: string;
  code: number;
  log: string;
  /** Each job's result as act reported it (`Job succeeded` / `Job failed`). */
  jobs: Record<string, "success" | "failure">;
}

export interface Executor {
  /** The machine identity this executor's host reports (VELODROME_MACHINE_ID). */
  machine: string;
  /** The host goes away during its share step (killed before it leaves any result file). */
  dies?: boolean;
}

/**
 * act runs every job on this one host, so the GPU runners are played here: a `BASH_ENV` script that
 * every `run:` step sources. In a share step (the matrix job, SHARE set) it picks the executor a
 * pinned run names (`inputs.runner`, a runner's own label, which is its machine id) or, for the
 * pool, the executor of that share (share k on executor k mod n, as GitHub would hand the matrix's
 * jobs to the pool's idle runners), exports that host's VELODROME_MACHINE_ID, and kills the step at
 * once on an executor that dies (no result file is left, as when a runner is lost mid-job).
 */
async function executorShim(root: string, executors: readonly Executor[]): Promise<string> {
  const file = join(root, "executors.sh");
  const pinned =
    `node -e 'const e = JSON.parse(require("fs").readFileSync(process.env.GITHUB_EVENT_PATH, "utf8"));` +
    ` process.stdout.write(String(e.inputs?.runner ?? ""))'`;
  const lines = executors.map((x, k) => {
    const pick = `[ "$pinned" = "${x.machine}" ] || { [ -z "$pinned" ] && [ $((SHARE % ${executors.length})) = ${k} ]; }`;
    const act = x.dies
      ? `export VELODROME_MACHINE_ID=${x.machine}; kill -KILL $$`
      : `export VELODROME_MACHINE_ID=${x.machine}`;
    return `  if ${pick}; then ${act}; fi`;
  });
  await writeFile(
    file,
    [
      "# The workflows tier's runner hosts (harness.ts, executorShim): sourced by every run step.",
      'if [ -n "${SHARE:-}" ] && [ -n "${GITHUB_EVENT_PATH:-}" ]; then',
      `  pinned="$(${pinned})"`,
      ...lines,
      "fi",
      "",
    ].join("\n"),
  );
  return file;
}

export interface Harness {
  fake: FakeGitHub;
  /** The bare repository the stand-in serves at `<server>/velodrome-org/challenge.git`. */
  bare: string;
  /** A clone of main where the test makes commits and pushes them. */
  work: string;
  /** The deployed Pages site (deploy-pages' stand-in writes here). */
  pages: string;
  runs: ActRun[];
  /** Runs one workflow on one event; `workflowText` runs another copy of it (a PR's own, on pull_request). */
  act(
    workflow: string,
    event: string,
    payload: Payload,
    o?: { env?: Record<string, string>; workflowText?: string },
  ): Promise<ActRun>;
  /**
   * Runs what the last runs started (dispatches, workflow_run) until nothing is pending, or until
   * `maxRuns` have run (a loop of dispatches then ends the test instead of running forever).
   */
  settle(o?: { maxRuns?: number }): Promise<ActRun[]>;
  git(...args: string[]): Promise<string>;
  /** A file of the data branch as the bare repository has it now. */
  dataFile(path: string): Promise<string>;
  /** Every file of the data branch. */
  dataFiles(): Promise<string[]>;
  /** Files committed onto the data branch (created when missing): earlier days of a contest. */
  seedData(files: Record<string, string>): Promise<void>;
  /** A comment on thread `n` (added to the stand-in), delivered to request.yml as issue_comment. */
  comment(n: number, user: User, body: string, association?: string): Promise<ActRun>;
  /** A PR: `files` committed on main, pushed to refs/pull/<n>/head, opened; its pull_request event. */
  pushPr(n: number, user: User, files: Record<string, string>): Promise<{ head: string; event: Payload }>;
  openPr(
    n: number,
    o: { user: { id: number; login: string }; title: string; head: string; files: string[] },
  ): FakeIssue;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Files written over the copied project (the challenge, participants …) before the first commit. */
  files: Record<string, string>;
  /** Repository variables (act's --var), e.g. the GPU runner labels. */
  vars?: Record<string, string>;
  /** Environment of every act run (the runner hosts'). */
  env?: Record<string, string>;
  /** The organizer's work in the new repository before its first commit (reference outputs …). */
  prepare?: (dir: string) => Promise<unknown>;
  /** The GPU runners act plays on this host, each with its own machine id (see executorShim). */
  executors?: Executor[];
}

/** Tracked files of this checkout (working tree), minus the tests and the example challenge. */
async function copyProject(dest: string): Promise<void> {
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT })
    .toString()
    .split("\0")
    .filter((f) => f && !/^(test|submissions|challenge)\//.test(f));
  for (const f of files) {
    if (!existsSync(join(REPO_ROOT, f))) continue;
    await mkdir(dirname(join(dest, f)), { recursive: true });
    await cp(join(REPO_ROOT, f), join(dest, f));
  }
  await cp(join(REPO_ROOT, "runner/demo/template"), dest, { recursive: true });
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const act = findAct();
  if (!act) throw new Error("act is not installed (npm run setup:act)");
  const root = await tempDir("velodrome-wf-");
  const gitRoot = join(root, "git");
  const bare = join(gitRoot, OWNER, `${REPO}.git`);
  const work = join(root, "work");
  const actDir = join(root, "act-workdir");
  const pages = join(root, "pages");
  const artifacts = join(root, "artifacts");
  await mkdir(bare, { recursive: true });
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
  const fake = await startFakeGitHub(OWNER, REPO, { gitRoot });
  const remote = `${fake.url}/${OWNER}/${REPO}.git`;
  // Asynchronous: the git server runs in this process (a synchronous git would deadlock on it).
  const git = async (cwd: string, ...args: string[]) =>
    (await promisify(execFile)("git", args, { cwd, maxBuffer: 64 << 20 })).stdout;
  /** Commits in a checkout are the organizer's, unsigned. */
  const asOrga = async (dir: string) => {
    for (const [k, v] of [
      ["user.email", "orga@velodrome.invalid"],
      ["user.name", "orga"],
      ["commit.gpgsign", "false"],
    ] as const)
      await git(dir, "config", k, v);
  };
  await mkdir(work);
  await copyProject(work);
  for (const [f, text] of Object.entries(o.files)) {
    await mkdir(dirname(join(work, f)), { recursive: true });
    await writeFile(join(work, f), text);
  }
  await o.prepare?.(work);
  await git(work, "init", "-q", "-b", "main");
  await asOrga(work);
  await git(work, "add", "-A");
  await git(work, "commit", "-q", "-m", "challenge");
  await git(work, "remote", "add", "origin", remote);
  await git(work, "push", "-q", "origin", "main");
  await git(root, "clone", "-q", remote, actDir);
  const maps = await standinActions(join(root, "actions"), join(work, ".github/workflows"));
  const nodeModules = await realpath(join(REPO_ROOT, "node_modules"));
  const shim = o.executors?.length ? await executorShim(root, o.executors) : undefined;
  // `gh`, as GitHub-hosted runners have it (evaluate.yml's next look): gh-standin.mjs on PATH.
  const bin = join(root, "bin");
  await mkdir(bin);
  const gh = join(REPO_ROOT, "test/workflows/gh-standin.mjs");
  await writeFile(join(bin, "gh"), `#!/bin/sh\nexec node ${JSON.stringify(gh)} "$@"\n`, { mode: 0o755 });
  let nextRun = 1000;
  let seenDispatches = 0;
  const runs: ActRun[] = [];
  const pending: { workflow: string; event: string; payload: Payload }[] = [];

  const runAct = async (
    workflow: string,
    event: string,
    payload: Payload,
    extra: Record<string, string> = {},
    workflowText?: string,
  ) => {
    const id = ++nextRun;
    await git(actDir, "fetch", "-q", "origin", "main");
    await git(actDir, "reset", "-q", "--hard", "origin/main");
    if (workflowText !== undefined)
      await writeFile(join(actDir, ".github/workflows", workflow), workflowText);
    const eventFile = join(root, `event-${id}.json`);
    await writeFile(eventFile, JSON.stringify(payload));
    const args = [
      event,
      "-W",
      join(actDir, ".github/workflows", workflow),
      "-C",
      actDir,
      "-e",
      eventFile,
      "-P",
      "ubuntu-24.04=-self-hosted",
      "-P",
      "self-hosted=-self-hosted",
      "--no-skip-checkout",
      "--action-offline-mode",
      "--no-cache-server",
      "--action-cache-path",
      join(root, "act-cache"),
      "--artifact-server-path",
      artifacts,
      "--artifact-server-addr",
      "127.0.0.1",
      "--artifact-server-port",
      String(await freePort()),
      "-s",
      `GITHUB_TOKEN=${TOKEN}`,
      "--env",
      `GITHUB_RUN_ID=${id}`,
      "--env",
      `GITHUB_SERVER_URL=${fake.url}`,
      "--env",
      `GITHUB_API_URL=${fake.url}`,
      "--env",
      `GITHUB_REPOSITORY=${OWNER}/${REPO}`,
      // The board's debounce and the site's cooldown (minutes on GitHub) do not wait in tests.
      ...Object.entries({
        VELODROME_BOARD_DEBOUNCE_S: "0",
        VELODROME_PAGES_COOLDOWN_S: "0",
        ...o.vars,
      }).flatMap(([k, v]) => ["--var", `${k}=${v}`]),
      ...maps.flatMap((m) => ["--local-repository", m]),
    ];
    const env = {
      ...process.env,
      ...o.env,
      ...extra,
      VELODROME_NODE_MODULES: nodeModules,
      VELODROME_PAGES_DIR: pages,
      ...(shim ? { BASH_ENV: shim } : {}),
      PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      HOME: process.env.HOME ?? homedir(),
    };
    let log = "";
    const code = await new Promise<number>((resolve) => {
      const p = spawn(act, args, { cwd: actDir, env });
      p.stdout.on("data", (c: Buffer) => (log += c.toString()));
      p.stderr.on("data", (c: Buffer) => (log += c.toString()));
      p.on("close", (c) => resolve(c ?? 1));
    });
    await writeFile(join(root, `act-${id}-${workflow}.log`), log);
    const jobs: ActRun["jobs"] = {};
    for (const m of log.matchAll(/^\[[^/\]]+\/([^\]]+?)\s*\]\s+🏁\s+Job (succeeded|failed)/gmu))
      jobs[m[1]!.trim()] = m[2] === "succeeded" ? "success" : "failure";
    const run: ActRun = { id, workflow, event, code, log, jobs };
    runs.push(run);
    if (process.env.VELODROME_WF_DEBUG) console.log(log);
    // GitHub's own follow-ups: validate's completion starts validate-comment; dispatches start workflows.
    if (workflow === "validate.yml") {
      const wr = webhook("workflow_run", "completed");
      wr.workflow_run = {
        ...wr.workflow_run,
        id,
        name: "validate",
        event: "pull_request",
        conclusion: code === 0 ? "success" : "failure",
        head_sha: payload.pull_request.head.sha,
        head_repository: {
          ...wr.workflow_run.head_repository,
          full_name: payload.pull_request.head.repo.full_name,
        },
      };
      pending.push({ workflow: "validate-comment.yml", event: "workflow_run", payload: wr });
    }
    for (const d of fake.dispatches.slice(seenDispatches)) {
      const wd = webhook("workflow_dispatch");
      wd.inputs = d.inputs;
      wd.ref = `refs/heads/${d.ref}`;
      wd.workflow = `.github/workflows/${d.workflow}`;
      // GitHub keeps one pending run per concurrency group: a newer one replaces it (board, pages).
      const group = await staticGroup(join(work, ".github/workflows", d.workflow));
      if (group)
        for (let i = pending.length - 1; i >= 0; i--)
          if (pending[i]!.workflow === d.workflow) pending.splice(i, 1);
      pending.push({ workflow: d.workflow, event: "workflow_dispatch", payload: wd });
    }
    seenDispatches = fake.dispatches.length;
    return run;
  };

  const pushPr = async (n: number, user: User, files: Record<string, string>) => {
    const base = (await git(work, "rev-parse", "main")).trim();
    await git(work, "checkout", "-q", "--detach", "main");
    for (const [f, text] of Object.entries(files)) {
      await mkdir(dirname(join(work, f)), { recursive: true });
      await writeFile(join(work, f), text);
    }
    await git(work, "add", "-A");
    await git(work, "commit", "-q", "-m", `PR ${n}`);
    const head = (await git(work, "rev-parse", "HEAD")).trim();
    await git(work, "push", "-q", "origin", `+HEAD:refs/pull/${n}/head`);
    await git(work, "checkout", "-q", "main");
    h.openPr(n, { user, title: `PR ${n}`, head, files: Object.keys(files) });
    const event = webhook("pull_request", "opened");
    event.number = n;
    event.pull_request = {
      ...event.pull_request,
      number: n,
      user: { ...event.pull_request.user, id: user.id, login: user.login },
      head: {
        ...event.pull_request.head,
        sha: head,
        ref: `pr-${n}`,
        repo: { ...event.pull_request.head.repo, full_name: `${OWNER}/${REPO}` },
      },
      base: { ...event.pull_request.base, sha: base, ref: "main" },
    };
    return { head, event };
  };

  const h: Harness = {
    fake,
    bare,
    work,
    pages,
    runs,
    act: (workflow, event, payload, x) => runAct(workflow, event, payload, x?.env, x?.workflowText),
    async settle({ maxRuns = 30 } = {}) {
      const done: ActRun[] = [];
      while (pending.length && done.length < maxRuns) {
        const next = pending.shift()!;
        done.push(await runAct(next.workflow, next.event, next.payload));
      }
      return done;
    },
    git: (...args) => git(work, ...args),
    dataFile: (path) => git(bare, "show", `velodrome-data:${path}`),
    async seedData(files) {
      const dir = join(root, "data-seed");
      await rm(dir, { recursive: true, force: true });
      await git(root, "clone", "-q", remote, dir);
      await asOrga(dir);
      const exists = (await git(bare, "branch", "--list", "velodrome-data")).trim() !== "";
      if (exists) await git(dir, "checkout", "-q", "velodrome-data");
      else {
        await git(dir, "checkout", "-q", "--orphan", "velodrome-data");
        await git(dir, "rm", "-rfq", ".");
      }
      for (const [f, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, f)), { recursive: true });
        await writeFile(join(dir, f), text);
      }
      await git(dir, "add", "-A");
      await git(dir, "commit", "-q", "-m", "seed: earlier days of the contest");
      await git(dir, "push", "-q", "origin", "velodrome-data");
    },
    dataFiles: async () =>
      (await git(bare, "ls-tree", "-r", "--name-only", "velodrome-data")).split("\n").filter(Boolean),
    comment: (n, user, body, association = "CONTRIBUTOR") => {
      const c = fake.addComment(n, user, body);
      const p = webhook("issue_comment", "created");
      p.issue = { ...p.issue, number: n, user: { ...p.issue.user, ...fake.issues.get(n)!.user } };
      if (fake.issues.get(n)!.isPr)
        p.issue.pull_request = { url: `${fake.url}/repos/${OWNER}/${REPO}/pulls/${n}` };
      else delete p.issue.pull_request;
      p.comment = {
        ...p.comment,
        id: c.id,
        body,
        user: { ...p.comment.user, id: user.id, login: user.login, type: "User" },
        author_association: association,
      };
      return runAct("request.yml", "issue_comment", p);
    },
    pushPr: (n, user, files) => pushPr(n, user, files),
    openPr(n, p) {
      const open = fake.issues.get(n);
      if (open) return Object.assign(open, { headSha: p.head, files: p.files }); // a push to the PR
      const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const issue: FakeIssue = {
        number: n,
        title: p.title,
        body: "",
        user: p.user,
        labels: ["submission"],
        state: "open",
        isPr: true,
        headSha: p.head,
        files: p.files,
        comments: [],
        created_at: at,
        updated_at: at,
      };
      fake.issues.set(n, issue);
      return issue;
    },
    async close() {
      await fake.close();
      if (!process.env.VELODROME_WF_KEEP) await rm(root, { recursive: true, force: true });
      else console.log(`workflows harness kept at ${root}`);
    },
  };
  return h;
}
