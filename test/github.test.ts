import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cp, readFile, writeFile, mkdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { simpleGit } from "simple-git";
import { gitDataStore } from "../runner/adapters/git-store.ts";
import { parseHiddenJson } from "../runner/core/github/comment.ts";
import { startFakeGitHub, type FakeGitHub } from "../runner/adapters/github/local-github.ts";
import { dataPath } from "../runner/core/layout.ts";
import { runRecord } from "./fakes/bot-fixtures.ts";
import { gitInit, REPO_ROOT, removeDir, runCli, tempDir, writeFiles } from "./helpers.ts";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as {
  name: string;
  examples: Record<string, unknown>[];
}[];
const realCommentPayload = () =>
  structuredClone(
    examples.find((e) => e.name === "issue_comment")!.examples.find((x) => x.action === "created")!,
  ) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a webhook payload patched field by field

const ALICE = { id: 101, login: "alice" };
const BOB = { id: 102, login: "bob" };
const MALLORY = { id: 666, login: "mallory" };
const ORGA = { id: 1, login: "orga" };

let fake: FakeGitHub;
let remote: string;
let main: string;
let headSha: string;
const dirs: string[] = [];
/** The runs the bot dispatched (every command also dispatches the board mirror, board.yml). */
const evaluations = () => fake.dispatches.filter((d) => d.workflow === "evaluate.yml");
const env = () => ({ GITHUB_TOKEN: "test-token", GITHUB_REPOSITORY: "velodrome-org/challenge" });
const common = () => ["--repo", main, "--data-remote", remote, "--api-url", fake.url];

async function comment(n: number, user: { id: number; login: string }, body: string, assoc = "CONTRIBUTOR") {
  const c = fake.addComment(n, user, body);
  const p = realCommentPayload();
  p.issue.number = n;
  if (fake.issues.get(n)!.isPr)
    p.issue.pull_request = { url: `${fake.url}/repos/velodrome-org/challenge/pulls/${n}` };
  else delete p.issue.pull_request;
  p.comment = {
    ...p.comment,
    id: c.id,
    body,
    user: { ...p.comment.user, id: user.id, login: user.login, type: "User" },
    author_association: assoc,
  };
  const file = join(main, ".velodrome", `event-${c.id}.json`);
  await mkdir(join(main, ".velodrome"), { recursive: true });
  await writeFile(file, JSON.stringify(p));
  const r = await runCli(["gh", "comment", ...common(), "--event", file], main, env());
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out.trim().split("\n").pop()!);
}
/** A fresh reader/writer of the data branch. */
const seedStore = () =>
  gitDataStore({ remote, branch: "velodrome-data", dir: join(main, ".velodrome", `store-${Math.random()}`) });

/** An A/A record turned into a run of q8 against the baseline: faster on the public set, failed on the private one. */
const lastBotComment = (n: number) =>
  fake.issues
    .get(n)!
    .comments.filter((c) => c.user.login === "github-actions[bot]")
    .at(-1)!;

beforeAll(async () => {
  fake = await startFakeGitHub();
  remote = await tempDir("velodrome-gh-remote-");
  main = await tempDir("velodrome-gh-main-");
  dirs.push(remote, main);
  await simpleGit(remote).init(true);
  // The challenge repository: the embedded demo challenge, shrunk for tests.
  await cp(join(REPO_ROOT, "runner/demo/template"), main, { recursive: true });
  const ch = parse(await readFile(join(main, "challenge/challenge.yaml"), "utf8"));
  ch.metric.max_tokens = 8;
  ch.metric.repeats = 1;
  ch.significance.looks = [2];
  ch.organizers = ["orga"];
  await writeFile(join(main, "challenge/challenge.yaml"), stringify(ch));
  const lines =
    (await readFile(join(main, "challenge/prompts/public.jsonl"), "utf8"))
      .split("\n")
      .slice(0, 2)
      .join("\n") + "\n";
  await writeFile(join(main, "challenge/prompts/public.jsonl"), lines);
  await writeFile(
    join(main, "challenge/participants.yaml"),
    stringify({
      schema: 1,
      participants: [
        { id: ALICE.id, login: "alice", owner: { id: 900, login: "alice-owner" } },
        { id: BOB.id, login: "bob", owner: { id: 900, login: "alice-owner" } },
        { id: ORGA.id, login: "orga", owner: { id: ORGA.id, login: "orga" } },
      ],
    }),
  );
  await writeFile(join(main, ".gitignore"), ".velodrome/\n");
  const git = await gitInit(main);
  await git.add(".").commit("challenge").addRemote("origin", remote).push("origin", "main");
  // Alice's PR: a q8 submission, pushed where GitHub keeps PR heads.
  await git.checkoutLocalBranch("alice/q8-$(touch_/tmp/pwned)-`id`");
  await writeFiles(main, {
    "submissions/q8/submission.yaml": stringify({
      schema: 1,
      title: "q8_0 weights",
      authors: ["alice"],
      parents: ["baseline"],
      engine: { kind: "embedded", args: { quantization: "q8_0" } },
    }),
    "runner/evil.ts": "export {}\n",
  });
  await git.add(".").commit("q8");
  headSha = (await git.revparse(["HEAD"])).trim();
  await git.push("origin", `HEAD:refs/pull/1/head`);
  await git.checkout("main");
  await rm(join(main, "runner"), { recursive: true, force: true });
  const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  fake.issues.set(1, {
    number: 1,
    title: 'q8 "$(rm -rf ~)" `whoami` <script>alert(1)</script>',
    body: "Quantized weights.",
    user: ALICE,
    labels: ["submission"],
    state: "open",
    isPr: true,
    headSha,
    files: ["submissions/q8/submission.yaml"],
    comments: [],
    created_at: at,
    updated_at: at,
  });
  fake.issues.set(2, {
    number: 2,
    title: "Is q8 allowed?",
    body: "Asking @orga about #1.",
    user: BOB,
    labels: ["question", "taskforce:quant"],
    state: "open",
    isPr: false,
    comments: [],
    created_at: at,
    updated_at: at,
  });
});

afterAll(async () => {
  await fake?.close();
  await Promise.all(dirs.map(removeDir));
  expect(
    await readFile("/tmp/pwned").then(
      () => true,
      () => false,
    ),
  ).toBe(false);
});

describe("the bot end to end through a fake GitHub (OpenAPI-checked) and real git remotes", () => {
  it("validation report is posted as one comment, updated in place", async () => {
    const pr = await tempDir("velodrome-gh-pr-");
    dirs.push(pr);
    await simpleGit(pr).clone(remote, pr);
    await simpleGit(pr).raw(["fetch", "origin", `refs/pull/1/head:pr`]);
    await simpleGit(pr).checkout("pr");
    const v = await runCli(["validate", "--base", "origin/main", "--json"], pr);
    expect(v.code).toBe(1); // the PR also touches runner/evil.ts
    const report = join(pr, "report.json");
    await writeFile(report, v.out);
    for (let i = 0; i < 2; i++)
      expect(
        (
          await runCli(
            ["gh", "validate-comment", ...common(), "--sha", headSha, "--report", report],
            main,
            env(),
          )
        ).code,
      ).toBe(0);
    const mine = fake.issues.get(1)!.comments.filter((c) => c.body.includes("velodrome:validate:1"));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toMatch(/runner\/evil\.ts/);
    expect((parseHiddenJson(mine[0]!.body, "validate") as { ok: boolean }).ok).toBe(false);
  });

  it("/bench is refused while the PR's head fails validation; nothing is charged or dispatched", async () => {
    const out = await comment(1, ALICE, "/bench --blocks 2");
    expect(out).toMatchObject({ kind: "refused", why: /does not pass validation at its head/ });
    expect(lastBotComment(1).body).toMatch(/runner\/evil\.ts/);
    expect(evaluations()).toHaveLength(0);
    // Alice drops runner/evil.ts: the new head validates.
    const git = simpleGit(main);
    await git.checkout(["--detach", headSha]);
    await git.rm(["runner/evil.ts"]);
    await git.commit("drop evil.ts");
    headSha = (await git.revparse(["HEAD"])).trim();
    await git.push("origin", "HEAD:refs/pull/1/head", ["--force"]);
    await git.checkout("main");
    fake.issues.get(1)!.headSha = headSha;
  });

  it("/bench by the author: quota charged, pinned SHA dispatched, queued comment", async () => {
    const out = await comment(1, ALICE, "/bench --blocks 2");
    expect(out.kind).toBe("dispatched");
    expect(evaluations()).toHaveLength(1);
    expect(evaluations()[0]).toMatchObject({
      workflow: "evaluate.yml",
      ref: "main",
      inputs: { pr: "1", sha: headSha, slug: "q8", against: "baseline", blocks: "2" },
    });
    const queued = lastBotComment(1);
    expect(queued.body).toMatch(/Queued `q8` against `baseline`.*1 of 10 runs used by @alice/);
    expect(fake.reactions.at(-1)).toMatchObject({ content: "rocket" });
  });

  it("evaluate runs main's code on the pinned SHA, publish records the verdict and comments", async () => {
    const inputs = evaluations()[0]!.inputs;
    const resultFile = join(main, ".velodrome", "result.json");
    const ev = await runCli(
      [
        "evaluate",
        "--repo",
        main,
        "--remote",
        remote,
        "--run-id",
        inputs.run_id!,
        "--pr",
        inputs.pr!,
        "--sha",
        inputs.sha!,
        "--slug",
        inputs.slug!,
        "--against",
        inputs.against!,
        "--blocks",
        inputs.blocks!,
        "--out",
        resultFile,
      ],
      main,
      { VELODROME_MACHINE_ID: "local" }, // the runner host's identity (else /etc/machine-id, hashed)
    );
    expect(ev.code, ev.err + ev.out).toBe(0);
    // Only the submission folder came over, as data (the PR's earlier runner/evil.ts never could).
    expect(
      await readFile(join(main, ".velodrome/evaluate", inputs.run_id!, "repo/runner/evil.ts")).catch(
        () => "absent",
      ),
    ).toBe("absent");
    const pub = await runCli(
      [
        "gh",
        "publish",
        ...common(),
        "--run-id",
        inputs.run_id!,
        "--result",
        resultFile,
        "--log-url",
        "https://example.invalid/log",
      ],
      main,
      env(),
    );
    expect(pub.code, pub.err).toBe(0);
    expect(JSON.parse(pub.out).kind).toBe("published");
    const verdict = lastBotComment(1);
    expect(verdict.body).toMatch(/(FASTER|SLOWER|TIE|UNRESOLVED|INCONCLUSIVE|INVALID)/);
    expect(verdict.body).toMatch(/CI \[/);
    expect(verdict.body).toMatch(/@alice/);
    const twin = parseHiddenJson(verdict.body, "verdict") as {
      candidate: string;
      ci: number[];
      verdict: string;
    };
    expect(twin.candidate).toBe("q8");
    expect(twin.ci).toHaveLength(2);
    const state = await gitDataStore({
      remote,
      branch: "velodrome-data",
      dir: await tempDir("velodrome-gh-read-"),
    }).read();
    expect(state.runs.map((r) => r.id)).toEqual([inputs.run_id]);
    expect(state.runs[0]!.credited).toBe("alice");
    // An agent follows its PR from the command line: `status --wait --json` returns the verdict twin.
    const st = await runCli(
      ["status", "1", "--wait", "--json", "--api-url", fake.url, "--interval", "1"],
      main,
      env(),
    );
    expect(st.code, st.err).toBe(0);
    const status = JSON.parse(st.out) as { stage: string; run: { id: string }; verdict: { id: string } };
    expect(status).toMatchObject({
      stage: "verdict",
      run: { id: inputs.run_id },
      verdict: { id: inputs.run_id },
    });
  });

  it("a pooled run: bob spends his quota on alice's PR; credited to alice, charged to bob", async () => {
    const out = await comment(1, BOB, "/bench");
    expect(out.kind).toBe("dispatched");
    expect(out.reservation).toMatchObject({ requester: { id: BOB.id }, author: "alice" });
    expect(lastBotComment(1).body).toMatch(/Pooled run: charged to @bob, credited to @alice/);
  });

  it("refuses: strangers, unknown options, the 11th run in 24 h, and counts a renamed login as the same agent", async () => {
    expect((await comment(1, MALLORY, "/bench")).why).toMatch(/not a registered participant/);
    expect((await comment(1, ALICE, "/bench --blocks 99")).why).toMatch(/Usage/);
    // Seed alice's ledger up to her limit, then rename her.
    const store = gitDataStore({
      remote,
      branch: "velodrome-data",
      dir: await tempDir("velodrome-gh-seed-"),
    });
    await store.transact("seed", (s) => ({
      writes: Array.from(
        { length: 10 - s.reservations.filter((r) => r.requester.id === ALICE.id).length },
        (_, i) => ({
          path: `quota/seed-${i}.json`,
          content: JSON.stringify({
            version: 1,
            id: `seed-${i}`,
            at: new Date().toISOString(),
            requester: ALICE,
            owner: { id: 900, login: "alice-owner" },
            pr: 1,
            author: "alice",
            slug: "q8",
            sha: headSha,
            against: "baseline",
            organizer: false,
          }),
        }),
      ),
      result: null,
    }));
    const refused = await comment(1, { id: ALICE.id, login: "alice-renamed" }, "/bench");
    expect(refused.kind).toBe("refused");
    expect(refused.why).toMatch(/not a registered participant|10 of 10/);
    const again = await comment(1, ALICE, "/bench");
    expect(again.why).toMatch(/used 10 of 10 runs/);
    expect(lastBotComment(1).body).toMatch(/frees up at \d{4}-/);
  });

  it("/rule: refused from a non-organizer, recorded from an organizer", async () => {
    expect((await comment(1, BOB, "/rule invalid I do not like it", "CONTRIBUTOR")).why).toMatch(
      /only the challenge's organizers/,
    );
    expect((await comment(1, { id: 555, login: "orga" }, "/rule invalid impostor", "NONE")).kind).toBe(
      "refused",
    );
    const ruled = await comment(1, ORGA, "/rule invalid uses a pruned vocabulary, see #2", "OWNER");
    expect(ruled.kind).toBe("ruled");
    expect(lastBotComment(1).body).toMatch(/Ruling by @orga: `q8` is INVALID/);
    const state = await gitDataStore({
      remote,
      branch: "velodrome-data",
      dir: await tempDir("velodrome-gh-read2-"),
    }).read();
    expect(state.rulings).toHaveLength(1);
    expect(state.rulings[0]).toMatchObject({ slug: "q8", decision: "invalid", by: { id: ORGA.id } });
  });

  it("forged results are rejected: NaN, huge, wrong run, injected markdown, extra fields", async () => {
    const inputs = evaluations()[0]!.inputs;
    const good = JSON.parse(await readFile(join(main, ".velodrome", "result.json"), "utf8"));
    const forgeries: [string, unknown][] = [
      ["nan", { ...good, launches: good.launches.map((l: { runs: number[] }) => ({ ...l, runs: ["NaN"] })) }],
      ["huge", { ...good, launches: good.launches.map((l: { runs: number[] }) => ({ ...l, runs: [1e12] })) }],
      ["extra", { ...good, admin: true }],
      [
        "inject",
        {
          ...good,
          runner: { ...good.runner, id: "@everyone [click](javascript:alert(1))" },
          comparison: good.comparison && {
            ...good.comparison,
            verdict: "faster",
            reasons: ["<img src=x onerror=alert(1)>"],
          },
        },
      ],
      ["other-run", { ...good, id: "someone-elses-run" }],
    ];
    for (const [name, forged] of forgeries) {
      const f = join(main, ".velodrome", `forged-${name}.json`);
      await writeFile(f, JSON.stringify(forged));
      const r = await runCli(
        ["gh", "publish", ...common(), "--run-id", inputs.run_id!, "--result", f],
        main,
        env(),
      );
      const outcome = JSON.parse(r.out);
      if (name === "inject" && outcome.kind === "published") {
        // Only possible if the forged verdict matched the samples; then the text must still be inert.
        const body = lastBotComment(1).body;
        expect(body).not.toMatch(/<img|@everyone|\]\(javascript/);
      } else expect(outcome.kind, name).toBe("refused");
    }
    const big = join(main, ".velodrome", "forged-size.json");
    await writeFile(big, JSON.stringify({ ...good, reason: "x".repeat(400_000) }));
    expect(
      JSON.parse(
        (
          await runCli(
            ["gh", "publish", ...common(), "--run-id", inputs.run_id!, "--result", big],
            main,
            env(),
          )
        ).out,
      ).why,
    ).toMatch(/already has a published result/);
    // The run already had its result, so every forgery above was refused before anything else was
    // read; the checks each forgery would meet on a fresh run are in test/unit/bot-publish.test.ts.
  });

  it("a PR that moved after /bench is not evaluated, and the comment says why", async () => {
    const inputs = evaluations()[1]!.inputs; // bob's pooled run, not evaluated yet
    const clone = await tempDir("velodrome-gh-move-");
    dirs.push(clone);
    const g = simpleGit(clone);
    await g.clone(remote, clone);
    await g.addConfig("user.email", "a@b.c").addConfig("user.name", "alice");
    await g.raw(["fetch", "origin", "refs/pull/1/head:moved"]);
    await g.checkout("moved");
    await writeFiles(clone, { "submissions/q8/notes.md": "late change\n" });
    await g.add(".").commit("late push");
    await g.push("origin", "HEAD:refs/pull/1/head", ["--force"]);
    const resultFile = join(main, ".velodrome", "moved.json");
    const ev = await runCli(
      [
        "evaluate",
        "--repo",
        main,
        "--remote",
        remote,
        "--run-id",
        inputs.run_id!,
        "--pr",
        inputs.pr!,
        "--sha",
        inputs.sha!,
        "--slug",
        inputs.slug!,
        "--against",
        inputs.against!,
        "--out",
        resultFile,
      ],
      main,
      { VELODROME_MACHINE_ID: "local" },
    );
    expect(ev.code).toBe(1);
    // The public job log gets the fixed phrase; git's own words stay in the runner's local log.
    // Its own line (a runner without the configured private set says so first, once).
    expect(ev.err).toMatch(
      /^the pull request moved after the run was requested \(details: .*result\.raw\.json\)/m,
    );
    const raw = join(main, ".velodrome/evaluate", inputs.run_id!, "result.raw.json");
    expect(await readFile(raw, "utf8")).toMatch(/moved from/);
    const pub = JSON.parse(
      (
        await runCli(
          ["gh", "publish", ...common(), "--run-id", inputs.run_id!, "--result", resultFile],
          main,
          env(),
        )
      ).out,
    );
    expect(pub.kind).toBe("refused");
    expect(lastBotComment(1).body).toMatch(
      /reported an error before benchmarking: the pull request moved after/,
    );
  });

  it("mirrors threads into the data branch; shell metacharacters stay inert data", async () => {
    fake.addComment(2, ORGA, "> Is q8 allowed?\n\nYes, if greedy outputs match. @bob");
    // Every earlier command dispatched the mirror (GITHUB_TOKEN's writes start no workflow)…
    expect(
      new Set(fake.dispatches.filter((d) => d.workflow !== "evaluate.yml").map((d) => d.workflow)),
    ).toEqual(new Set(["board.yml"]));
    const r = await runCli(["gh", "board", ...common()], main, env());
    expect(r.code, r.err).toBe(0);
    // …and the mirror dispatches the site build.
    expect(fake.dispatches.at(-1)).toMatchObject({ workflow: "pages.yml", ref: "main" });
    const state = await gitDataStore({
      remote,
      branch: "velodrome-data",
      dir: await tempDir("velodrome-gh-read3-"),
    }).read();
    const t2 = state.threads.find((t) => t.number === 2)!;
    expect(t2.labels).toEqual(["question", "taskforce:quant"]);
    expect(t2.comments.map((c) => c.author)).toEqual(["orga"]);
    expect(state.threads.find((t) => t.number === 1)!.title).toBe(
      'q8 "$(rm -rf ~)" `whoami` <script>alert(1)</script>',
    );
  });

  it("scheduled A/A: the leader against itself on each runner at its pinned commit, though its PR moved", async () => {
    // q8 leads: a confirmed faster run at the commit the PR had before it moved.
    const lead = runRecord("faster", {
      id: "seed-q8-leads",
      pr: 1,
      credited: "alice",
      candidate: { slug: "q8", commit: headSha },
      finishedAt: new Date().toISOString(),
    });
    // The organizers lift their earlier ruling (the latest ruling wins).
    const valid = {
      version: 1,
      id: "seed-q8-valid",
      at: new Date().toISOString(),
      slug: "q8",
      decision: "valid",
      reason: "greedy outputs match",
      by: ORGA,
    };
    await seedStore().transact("seed: q8 leads", () => ({
      writes: [
        { path: dataPath.run(lead.id), content: JSON.stringify(lead) },
        { path: dataPath.ruling(valid.id), content: JSON.stringify(valid) },
      ],
      result: null,
    }));
    const before = evaluations().length;
    const r = await runCli(["gh", "calibrate", ...common()], main, env());
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as { kind: string; dispatched: string[] };
    expect(out.kind).toBe("scheduled");
    const mine = evaluations().slice(before);
    expect(mine.map((d) => d.inputs.runner).sort()).toEqual(["local", "runner-1"]);
    const local = mine.find((d) => d.inputs.runner === "local")!.inputs;
    expect(local).toMatchObject({ pr: "0", sha: headSha, slug: "q8", against: "q8" });
    const again = JSON.parse((await runCli(["gh", "calibrate", ...common()], main, env())).out);
    expect(again.dispatched).toEqual([]);
    // The runner evaluates it like any run (pr 0: the pinned commit itself), publish records it.
    const resultFile = join(main, ".velodrome", "aa.json");
    const flags = [
      "--run-id",
      local.run_id!,
      "--pr",
      "0",
      "--sha",
      headSha,
      "--slug",
      "q8",
      "--against",
      "q8",
    ];
    const ev = await runCli(
      ["evaluate", "--repo", main, "--remote", remote, ...flags, "--out", resultFile],
      main,
      { VELODROME_MACHINE_ID: "local" }, // the runner host's identity (else /etc/machine-id, hashed)
    );
    expect(ev.code, ev.err + ev.out).toBe(0);
    const pub = await runCli(
      ["gh", "publish", ...common(), "--run-id", local.run_id!, "--result", resultFile],
      main,
      env(),
    );
    expect(JSON.parse(pub.out).kind, pub.err).toBe("published");
    const state = await seedStore().read();
    const aa = state.runs.find((x) => x.id === local.run_id)!;
    expect(aa).toMatchObject({ candidate: { slug: "q8", commit: headSha }, incumbent: { slug: "q8" } });
    expect(aa.runner.id).toBe("local");
    expect(fake.issues.get(1)!.comments.some((c) => c.body.includes(`verdict:${local.run_id}`))).toBe(false);
  });

  it("scheduled re-verification: the top result re-run at its pinned commit; an outcome that did not hold is posted", async () => {
    const before = evaluations().length;
    const r = await runCli(["gh", "reverify", ...common()], main, env());
    expect(r.code, r.err).toBe(0);
    const d = evaluations().slice(before);
    expect(d).toHaveLength(1);
    expect(d[0]!.inputs).toMatchObject({ pr: "0", sha: headSha, slug: "q8", against: "baseline" });
    // The runner evaluates it for real at its pinned commit (a record made up here could not carry
    // the seed, block order and prompt groups the run id gives). This test challenge's one look of
    // 2 blocks cannot resolve a verdict, so the private set is never reached: the board hears that
    // it could not be re-verified (the failed-confirmation path is in test/unit/scheduled.test.ts).
    const inputs = d[0]!.inputs as Record<string, string>;
    const file = join(main, ".velodrome", "reverify.json");
    const flags = ["--run-id", inputs.run_id!, "--pr", "0", "--sha", headSha, "--slug", "q8"];
    const ev = await runCli(
      ["evaluate", "--repo", main, "--remote", remote, ...flags, "--against", "baseline", "--out", file],
      main,
      {},
    );
    expect(ev.code, ev.err + ev.out).toBe(0);
    const rerun = { id: inputs.run_id! };
    const pub = await runCli(
      ["gh", "publish", ...common(), "--run-id", rerun.id, "--result", file],
      main,
      env(),
    );
    expect(JSON.parse(pub.out).kind, pub.err).toBe("published");
    const after = await seedStore().read();
    const published = after.runs.find((x) => x.id === rerun.id)!;
    expect(published.requester).toMatchObject({ login: "github-actions[bot]" });
    const verdict = published.comparison?.verdict ?? published.status;
    const post = lastBotComment(1).body;
    expect(post).toMatch(/Daily re-verification: `q8`/);
    if (published.confirmation.status === "failed") expect(post).toMatch(/unconfirmed/);
    else expect(post).toContain(`ended ${verdict}`);
    expect(after.broadcasts!.at(-1)).toMatchObject({ by: { login: "github-actions[bot]" }, issue: 1 });
  });

  it("every request and response matched GitHub's OpenAPI description", () => {
    expect(fake.requests.length).toBeGreaterThan(20);
    expect(fake.violations, fake.violations.join("\n")).toEqual([]);
  });
});
