import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT, runCli } from "./helpers.ts";

type Step = {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  "working-directory"?: string;
};
type Job = { permissions?: unknown; "runs-on"?: unknown; steps?: Step[]; if?: string };
type Workflow = { on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> };

const dir = join(REPO_ROOT, ".github/workflows");
/** The GPU jobs' runs-on: the labels the shares job read from challenge.yaml (never a literal here). */
const GPU_RUNS_ON = "${{ fromJSON(needs.shares.outputs.runs_on) }}";
const workflows = readdirSync(dir)
  .filter((f) => f.endsWith(".yml"))
  .map((f) => [f, parse(readFileSync(join(dir, f), "utf8")) as Workflow] as const);

/** rhysd/actionlint, installed by `npm run setup:act` (.ci/install-act) beside act. */
const ACTIONLINT = [
  join(homedir(), ".cache/velodrome/go/bin/actionlint"),
  join(homedir(), "go/bin/actionlint"),
].find((p) => existsSync(p));
if (!ACTIONLINT)
  console.log("test/workflows.test.ts: actionlint check skipped: not installed (npm run setup:act)");

describe("actionlint", () => {
  it.skipIf(!ACTIONLINT)(
    "finds nothing wrong in the shipped workflows (expressions, contexts, needs, runs-on)",
    () => {
      const r = spawnSync(ACTIONLINT!, ["-no-color"], { cwd: REPO_ROOT, encoding: "utf8" });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    },
  );

  it.skipIf(!ACTIONLINT)("would catch a broken workflow: an undefined job in needs", () => {
    const broken =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: nowhere\n    steps:\n      - run: echo\n";
    const r = spawnSync(ACTIONLINT!, ["-no-color", "-"], { input: broken, encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/nowhere/);
  });
});

describe("workflow lint", () => {
  it("finds the bot's workflows", () => {
    expect(workflows.map(([f]) => f).sort()).toEqual(
      expect.arrayContaining([
        "board.yml",
        "calibrate.yml",
        "ci.yml",
        "evaluate.yml",
        "pages.yml",
        "request.yml",
        "reverify.yml",
        "validate-comment.yml",
        "validate.yml",
      ]),
    );
  });
  for (const [file, wf] of workflows) {
    describe(file, () => {
      it("declares least permissions on the workflow and every job", () => {
        expect(wf.permissions, "workflow-level permissions").toBeDefined();
        for (const [name, job] of Object.entries(wf.jobs)) {
          if (file === "ci.yml") continue; // one read-only job; workflow level says contents: read
          expect(job.permissions, `${file}: job ${name} declares no permissions`).toBeDefined();
        }
      });
      it("never expands ${{ }} inside run: (untrusted strings reach scripts through env only)", () => {
        for (const job of Object.values(wf.jobs))
          for (const s of job.steps ?? [])
            if (s.run) expect(s.run, `${file}: ${s.run}`).not.toMatch(/\$\{\{/);
      });
      it("pins third-party actions by full commit SHA", () => {
        for (const job of Object.values(wf.jobs))
          for (const s of job.steps ?? [])
            if (s.uses && !s.uses.startsWith("./"))
              expect(s.uses, file).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      });
      it("checks out without persisted credentials", () => {
        for (const job of Object.values(wf.jobs))
          for (const s of job.steps ?? [])
            if (s.uses?.startsWith("actions/checkout@"))
              expect(s.with?.["persist-credentials"], file).toBe(false);
      });
      it("never uses pull_request_target, and privileged triggers never check out PR code", () => {
        expect(Object.keys(wf.on)).not.toContain("pull_request_target");
        const privileged = ["issue_comment", "workflow_run", "issues", "schedule"].some((t) => t in wf.on);
        if (!privileged) return;
        for (const job of Object.values(wf.jobs))
          for (const s of job.steps ?? []) {
            if (!s.uses?.startsWith("actions/checkout@")) continue;
            expect(s.with?.ref, `${file} must check out the default branch`).toBe(
              "${{ github.event.repository.default_branch }}",
            );
          }
      });
    });
  }
  it("evaluate runs only on workflow_dispatch, with no token permissions on the self-hosted jobs", () => {
    const wf = workflows.find(([f]) => f === "evaluate.yml")![1];
    expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
    const gpu = Object.entries(wf.jobs).filter(([, j]) => j["runs-on"] === GPU_RUNS_ON);
    expect(gpu.map(([name]) => name)).toEqual(["evaluate", "verify"]); // the blocks; the final look's checks
    for (const [, job] of gpu) {
      expect(job.permissions).toEqual({});
      expect(JSON.stringify(job)).not.toMatch(/secrets\./);
    }
  });
  for (const [file, command] of [
    ["calibrate.yml", "gh calibrate"],
    ["reverify.yml", "gh reverify"],
  ] as const)
    it(`${file} runs daily and on demand, only dispatching through the bot from a GitHub-hosted job`, () => {
      const wf = workflows.find(([f]) => f === file)![1] as Workflow & { concurrency: { group: string } };
      expect(Object.keys(wf.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
      const crons = (wf.on.schedule as { cron: string }[]).map((s) => s.cron);
      expect(crons).toHaveLength(1);
      expect(crons[0]).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/); // once a day
      expect(wf.permissions).toEqual({});
      expect(wf.concurrency.group).toBe(file.replace(".yml", ""));
      const jobs = Object.values(wf.jobs);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!["runs-on"]).toBe("ubuntu-24.04");
      expect(jobs[0]!.permissions).toEqual({ contents: "write", actions: "write" });
      const runs = (jobs[0]!.steps ?? []).map((s) => s.run ?? "");
      expect(runs.some((r) => r.startsWith(`node runner/bin/velodrome.mjs ${command}`))).toBe(true);
      expect(JSON.stringify(wf)).not.toMatch(/secrets\./);
    });
  it("reference runs only on workflow_dispatch, on the challenge's runner labels read by a hosted job, with no token", () => {
    const wf = workflows.find(([f]) => f === "reference.yml")![1] as Workflow & {
      jobs: Record<string, Job & { needs?: string; outputs?: Record<string, string> }>;
    };
    expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
    expect(wf.jobs.labels!["runs-on"]).toBe("ubuntu-24.04");
    // The same command as evaluate.yml's shares job: one reader of challenge.yaml's labels.
    const labelStep = wf.jobs.labels!.steps!.find((s) => s.run?.includes("velodrome.mjs runner-pool"));
    expect(labelStep?.run).toBe('node runner/bin/velodrome.mjs runner-pool >> "$GITHUB_OUTPUT"');
    expect(wf.jobs.labels!.outputs?.labels).toBe("${{ steps.labels.outputs.runs_on }}");
    const gpu = wf.jobs.reference!;
    expect(gpu.needs).toBe("labels");
    expect(gpu["runs-on"]).toBe("${{ fromJSON(needs.labels.outputs.labels) }}");
    expect(gpu.permissions).toEqual({});
    expect(JSON.stringify(wf)).not.toMatch(/secrets\./);
    expect(gpu.steps!.some((s) => s.run?.includes("node runner/bin/velodrome.mjs prompts reference"))).toBe(
      true,
    );
  });
  it("evaluate's GPU jobs take their labels from challenge.yaml (one place), plus a pinned runner's own label", () => {
    const wf = workflows.find(([f]) => f === "evaluate.yml")![1];
    const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { default?: string }> }).inputs;
    expect(inputs.runner?.default).toBe("");
    // No label is written in the workflow: the GitHub-hosted shares job reads main's challenge.yaml.
    expect(JSON.stringify(wf.jobs)).not.toMatch(/gpu-|"self-hosted"/);
    const pool = wf.jobs.shares!.steps!.find((x) => x.run?.includes("velodrome.mjs runner-pool"))!;
    expect(pool.run).toContain('--pinned "$PINNED"');
    expect(pool.env?.PINNED).toBe("${{ inputs.runner }}");
    for (const name of ["evaluate", "verify"]) {
      const job = wf.jobs[name] as Job & { needs?: string | string[] };
      expect(job["runs-on"]).toBe(GPU_RUNS_ON);
      expect([job.needs].flat()).toContain("shares");
    }
  });
  it("runner-pool (both workflows' one reader of the labels) prints challenge.yaml's pool, a pinned label added", async () => {
    const ch = parse(readFileSync(join(REPO_ROOT, "challenge/challenge.yaml"), "utf8")) as {
      hardware: { runner_labels: string[] };
      runners: { count: number };
    };
    const pool = await runCli(["runner-pool"], REPO_ROOT);
    expect(pool.code, pool.err).toBe(0);
    const lines = (r: { out: string }) =>
      Object.fromEntries(
        r.out
          .trim()
          .split("\n")
          .map((l) => l.split(/=(.*)/s)),
      );
    expect(lines(pool)).toEqual({
      shares: JSON.stringify([...Array(ch.runners.count).keys()]),
      count: String(ch.runners.count),
      runs_on: JSON.stringify(ch.hardware.runner_labels),
    });
    const pinned = await runCli(["runner-pool", "--pinned", "machine-0a1b"], REPO_ROOT);
    expect(JSON.parse(lines(pinned).runs_on!)).toEqual([...ch.hardware.runner_labels, "machine-0a1b"]);
    // The dispatch input is the bot's, but a label with spaces or quotes would reach runs-on: refused.
    const bad = await runCli(["runner-pool", "--pinned", 'a" b'], REPO_ROOT);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/is not a runner label/);
  });
  it("a share that fails its job still uploads its error, and the gather and verify hold the dispatched look", () => {
    // The look bound itself is the gather's code (flows/run/looks.ts), shown on the real workflow by
    // test/workflows/share-dies.test.ts: a share that dies without a result ends the run in error.
    const wf = workflows.find(([f]) => f === "evaluate.yml")![1];
    const steps = wf.jobs.evaluate!.steps!;
    const at = steps.findIndex((x) => x.run?.includes("velodrome.mjs evaluate"));
    expect(steps[at]!.run).not.toMatch(/\|\|\s*true/);
    const upload = steps[at + 1] as Step & { if?: string };
    expect(upload.uses).toMatch(/^actions\/upload-artifact@/);
    expect(upload.if).toBe("always()");
    for (const job of ["gather", "verify"]) {
      const step = wf.jobs[job]!.steps!.find((x) => x.run?.includes("--gather out/shares"))!;
      expect(step.env?.LOOK, job).toBe("${{ inputs.look }}");
      expect(step.run, job).toContain('--look "$LOOK"');
      expect(step.run).not.toMatch(/GITHUB_OUTPUT"\s*\|\|\s*true/);
    }
  });
  it("every bot step that writes may dispatch the board mirror or the site build (actions: write)", () => {
    // GITHUB_TOKEN's pushes and comments start no workflow: the bot dispatches board.yml after each
    // command, and board.yml dispatches pages.yml (runner/flows/bot/refresh.ts).
    for (const [file, wf] of workflows)
      for (const [name, job] of Object.entries(wf.jobs))
        if ((job.steps ?? []).some((x) => /velodrome\.mjs gh /.test(x.run ?? "")))
          expect((job.permissions as Record<string, string>).actions, `${file}: ${name}`).toBe("write");
    const pages = workflows.find(([f]) => f === "pages.yml")![1];
    const board = workflows.find(([f]) => f === "board.yml")![1];
    expect(Object.keys(pages.on)).toContain("workflow_dispatch");
    expect(Object.keys(board.on)).toContain("workflow_dispatch");
  });
  it("evaluate fans a look out as a matrix over the runner pool and gathers it on a GitHub-hosted job", () => {
    type Matrix = Job & {
      needs?: string | string[];
      if?: string;
      strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown> };
      outputs?: Record<string, string>;
    };
    const wf = workflows.find(([f]) => f === "evaluate.yml")![1] as Workflow & {
      jobs: Record<string, Matrix>;
    };
    const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, unknown> }).inputs;
    expect(Object.keys(inputs)).toEqual(expect.arrayContaining(["look", "previous_run"]));
    const gpu = wf.jobs.evaluate!;
    // One matrix job per runner share, the shares computed from main's challenge, none cancelling the rest.
    expect(gpu.strategy?.matrix?.share).toBe("${{ fromJSON(needs.shares.outputs.shares) }}");
    expect(gpu.strategy?.["fail-fast"]).toBe(false);
    expect(wf.jobs.shares!["runs-on"]).toBe("ubuntu-24.04");
    expect(wf.jobs.shares!.permissions).toEqual({});
    const run = gpu.steps!.find((x) => x.run?.includes("velodrome.mjs evaluate"))!;
    expect(run.run).toMatch(/--share "\$SHARE" --shares "\$SHARES"/);
    expect(run.env?.SHARE).toBe("${{ matrix.share }}");
    // The runner job holds no token at all: nothing it uploads is trusted.
    expect(JSON.stringify(gpu)).not.toMatch(/github\.token|GITHUB_TOKEN|GH_TOKEN/);
    const upload = gpu.steps!.find((x) => x.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.with?.name).toBe("look-${{ inputs.look }}-share-${{ matrix.share }}");
    // The gather job runs GitHub-hosted after every share (even failed ones) with no write token:
    // it analyses the shares, then dispatches the next look of the same run (evaluate.yml again: no
    // new /bench, no quota charge) or hands the final look to the verify job.
    const gj = wf.jobs.gather!;
    expect(gj["runs-on"]).toBe("ubuntu-24.04");
    expect(gj.needs).toEqual(expect.arrayContaining(["evaluate"]));
    expect(gj.if).toBe("always()");
    expect(gj.permissions).toEqual({ actions: "write" });
    expect(gj.outputs?.next_look).toBe("${{ steps.gather.outputs.next_look }}");
    const steps = gj.steps!;
    const gather = steps.findIndex((x) => x.run?.includes("--gather out/shares"));
    const next = steps.findIndex((x) => x.run?.includes("gh workflow run evaluate.yml"));
    expect(gather).toBeGreaterThan(0);
    expect(next).toBeGreaterThan(gather);
    expect(steps[gather]!.run).not.toMatch(/--verify/); // no engine on a GitHub-hosted machine
    // The next look is read from the result JSON's `nextLook`, never picked out of the log.
    expect(steps[gather]!.run).toMatch(/readFileSync\("out\/unverified\.json"[\s\S]*r\.nextLook/);
    expect(steps[gather]!.run).not.toMatch(/grep/);
    expect(steps[gather]!.env?.GITHUB_TOKEN).toBeUndefined(); // gathering untrusted shares needs no token
    expect(steps[next]!.run).toMatch(/-f look="\$NEXT_LOOK"[\s\S]*-f previous_run="\$GITHUB_RUN_ID"/);
    expect(steps[next]!.run).toMatch(/-f run_id="\$RUN_ID"/); // the same reservation
    expect((steps[next] as { if?: string }).if).toBe("steps.gather.outputs.next_look != ''");
    // The final look is verified on a runner of the pool (engines may start there), with no token.
    const verify = wf.jobs.verify!;
    expect(verify["runs-on"]).toBe(GPU_RUNS_ON);
    expect(verify.permissions).toEqual({});
    expect(JSON.stringify(verify)).not.toMatch(/github\.token|GITHUB_TOKEN|GH_TOKEN/);
    expect(verify.if).toContain("needs.gather.outputs.next_look == ''");
    const check = verify.steps!.find((x) => x.run?.includes("velodrome.mjs evaluate"))!;
    expect(check.run).toMatch(/--gather out\/shares --verify --out out\/result\.json/);
    // Publish, GitHub-hosted with the write token, only reads the verify job's result as data.
    const pub = wf.jobs.publish!;
    expect(pub["runs-on"]).toBe("ubuntu-24.04");
    expect(pub.needs).toEqual(["gather", "verify"]);
    expect(pub.if).toContain("needs.gather.outputs.next_look == ''");
    const publish = pub.steps!.find((x) => x.run?.includes("gh publish"))!;
    expect(publish.run).toMatch(/--result out\/result\.json/);
    expect(pub.steps!.some((x) => x.run?.includes("velodrome.mjs evaluate"))).toBe(false);
  });
  it("no two commands share a concurrency group (a newer pending run replaces the older one)", () => {
    const wf = workflows.find(([f]) => f === "request.yml")![1] as Workflow & { concurrency?: unknown };
    // A workflow-level group applies before any job's `if:`: every comment would share it.
    expect(wf.concurrency).toBeUndefined();
    const request = wf.jobs.request as Workflow["jobs"][string] & { concurrency: { group: string } };
    expect(request.concurrency.group).toMatch(/^[\w-]*\$\{\{ github\.event\.comment\.id \}\}$/);
    expect(request.if).toContain("github.event_name == 'issue_comment'");
    const reconcile = wf.jobs.reconcile!;
    expect(reconcile.if).toBe("github.event_name != 'issue_comment'");
    expect(reconcile.steps!.some((x) => x.run === "node runner/bin/velodrome.mjs gh reconcile")).toBe(true);
    expect(Object.keys(wf.on).sort()).toEqual(["issue_comment", "schedule", "workflow_dispatch"]);
  });
  it("the reconciler and the board mirror run at different minutes (their runs would start together)", () => {
    const minutes = (file: string) =>
      ((workflows.find(([f]) => f === file)![1].on.schedule ?? []) as { cron: string }[])
        .filter((s) => / \* \* \*$/.test(s.cron)) // the hourly ones
        .flatMap((s) => {
          const m = s.cron.split(" ")[0]!;
          const every = /^\*\/(\d+)$/.exec(m);
          return every
            ? Array.from({ length: 60 / Number(every[1]) }, (_, k) => k * Number(every[1]))
            : m.split(",").map(Number);
        });
    const reconcile = minutes("request.yml");
    expect(reconcile.length).toBeGreaterThan(0);
    expect(reconcile.filter((m) => minutes("board.yml").includes(m))).toEqual([]);
  });
  it("validate runs the base branch's validator; the PR's head is data under pr/ and never runs", () => {
    const wf = workflows.find(([f]) => f === "validate.yml")![1];
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
    const checkouts = steps.filter((s) => s.uses?.startsWith("actions/checkout@"));
    // The workspace (where node, npm and the validator run) is the base commit.
    const workspace = checkouts.filter((s) => s.with?.path === undefined);
    expect(workspace.map((s) => s.with?.ref)).toEqual(["${{ github.event.pull_request.base.sha }}"]);
    // The PR's head is checked out only into its own folder.
    const head = checkouts.filter((s) => JSON.stringify(s.with?.ref).includes("pull_request.head"));
    expect(head).toHaveLength(1);
    const prDir = head[0]!.with!.path as string;
    expect(prDir).toMatch(/^[a-z]+$/);
    for (const s of steps) {
      expect(s["working-directory"], "no step runs inside the PR's folder").toBeUndefined();
      if (!s.run) continue;
      // Nothing from the PR's folder is executed or installed: it is only passed as --repo.
      const mentions = s.run
        .split(/\s+/)
        .filter((w) => w === prDir || w.startsWith(`${prDir}/`) || w.startsWith(`./${prDir}`));
      for (const w of mentions)
        expect(s.run, "the PR folder appears only as --repo's value").toMatch(new RegExp(`--repo ${w}\\b`));
      expect(s.run).not.toMatch(/\bcd\b|npm (?:ci|install|run)\s.*--prefix|npx\s/);
    }
    expect(steps.some((s) => s.run?.includes(`validate --repo ${prDir} --base`))).toBe(true);
  });

  it("no workflow hands a secret or a write token to a job that checks out PR code", () => {
    for (const [file, wf] of workflows)
      for (const [name, job] of Object.entries(wf.jobs)) {
        const checksOutPr = (job.steps ?? []).some(
          (s) =>
            s.uses?.startsWith("actions/checkout@") &&
            /pull_request\.head|refs\/pull|github\.head_ref/.test(JSON.stringify(s.with?.ref ?? "")),
        );
        if (!checksOutPr) continue;
        expect(JSON.stringify(job), `${file}: ${name}`).not.toMatch(/secrets\.|github\.token|GITHUB_TOKEN/);
        expect(JSON.stringify(job.permissions ?? wf.permissions), `${file}: ${name}`).not.toMatch(/write/);
      }
  });
});
