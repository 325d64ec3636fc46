import { describe, expect, it, afterAll } from "vitest";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { jsonSchemas } from "../runner/core/schema/json-schema.ts";
import { parseSubmission, parseChallenge } from "../runner/core/validate/manifest.ts";
import { checkFilePolicy } from "../runner/core/validate/file-policy.ts";
import { folderOrigins } from "../runner/adapters/git-history.ts";
import { gitPullValidator } from "../runner/adapters/git-validate.ts";
import { nodeRepoFiles } from "../runner/adapters/repo-fs.ts";
import { ShaMoved } from "../runner/core/errors.ts";
import { simpleGit } from "simple-git";
import {
  GOOD_MANIFEST,
  gitInit,
  makeChallengeRepo,
  REPO_ROOT,
  removeDir,
  runCli,
  tempDir,
  writeFiles,
} from "./helpers.ts";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map(removeDir)));
async function repo(files: Parameters<typeof makeChallengeRepo>[0]) {
  const d = await makeChallengeRepo(files);
  dirs.push(d);
  return d;
}

describe("shipped examples", () => {
  it("challenge.yaml and every shipped submission validate", async () => {
    const r = await runCli(["validate", "--json"], REPO_ROOT);
    const report = JSON.parse(r.out);
    expect(report.problems).toEqual([]);
    expect(r.code).toBe(0);
    const slugs = (await readdir(join(REPO_ROOT, "submissions"), { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(report.checked).toEqual(slugs.sort());
  });

  it("committed JSON Schemas are current", async () => {
    for (const [name, text] of Object.entries(jsonSchemas())) {
      expect(
        await readFile(join(REPO_ROOT, "challenge/schema", name), "utf8"),
        `${name} is stale: run npm run schemas`,
      ).toBe(text);
    }
  });

  it("the JSON Schema agrees with zod on the shipped files (editors see the same rules)", async () => {
    const schema = JSON.parse(jsonSchemas()["submission.schema.json"]!);
    const base = parse(await readFile(join(REPO_ROOT, "submissions/baseline/submission.yaml"), "utf8"));
    expect(schema.required).toEqual(expect.arrayContaining(["schema", "title", "authors", "engine"]));
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(Object.keys(base)));
    expect(schema.additionalProperties).toBe(false);
  });
});

/** Each case: a manifest text, and the problem expected at file:line. */
const BAD: { name: string; text: string; code: string; line: number; match?: RegExp }[] = [
  {
    name: "wrong type for max-num-seqs",
    text: GOOD_MANIFEST.replace("max-num-seqs: 1", "max-num-seqs: one"),
    code: "wrong-type",
    line: 13,
    match: /max-num-seqs/,
  },
  {
    name: "unknown top-level key",
    text: GOOD_MANIFEST + "speed: 9000\n",
    code: "unknown-key",
    line: 19,
    match: /speed/,
  },
  {
    name: "misspelled vLLM arg gets a hint",
    text: GOOD_MANIFEST.replace("kv-cache-dtype", "kv_cache_dtype"),
    code: "unknown-key",
    line: 12,
    match: /kv_cache_dtype/,
  },
  {
    name: "bad enum value",
    text: GOOD_MANIFEST.replace("kv-cache-dtype: fp8", "kv-cache-dtype: fp9"),
    code: "bad-value",
    line: 12,
    match: /fp9|kv-cache-dtype/,
  },
  {
    name: "missing title",
    text: GOOD_MANIFEST.replace("title: int4 weights\n", ""),
    code: "missing-key",
    line: 1,
    match: /title/,
  },
  {
    name: "missing parent",
    text: GOOD_MANIFEST.replace("parents: [baseline]", "parents: [baselin]"),
    code: "missing-parent",
    line: 4,
    match: /baselin/,
  },
  {
    name: "bad login",
    text: GOOD_MANIFEST.replace("authors: [alice]", "authors: [-alice-]"),
    code: "invalid",
    line: 3,
    match: /authors\.0/,
  },
  {
    name: "malformed YAML",
    text: GOOD_MANIFEST.replace("  kind: vllm", "  kind: vllm\n   - oops: [unclosed"),
    code: "yaml-syntax",
    line: 9,
  },
  {
    name: "unknown engine kind",
    text: GOOD_MANIFEST.replace("kind: vllm", "kind: tensorrt"),
    code: "bad-value",
    line: 9,
    match: /engine/,
  },
  {
    name: "env var outside the allow-list",
    text: GOOD_MANIFEST.replace('VLLM_USE_V1: "1"', 'OMP_NUM_THREADS: "4"'),
    code: "env-not-allowed",
    line: 18,
    match: /OMP_NUM_THREADS/,
  },
  {
    name: "denied env var (the deny-list wins)",
    text: GOOD_MANIFEST.replace('VLLM_USE_V1: "1"', 'LD_PRELOAD: "/tmp/x.so"'),
    code: "env-denied",
    line: 18,
    match: /LD_PRELOAD/,
  },
  {
    name: "unquoted number in env",
    text: GOOD_MANIFEST.replace('VLLM_USE_V1: "1"', "VLLM_USE_V1: 1"),
    code: "wrong-type",
    line: 18,
    match: /VLLM_USE_V1/,
  },
  {
    name: "placeholder title left by velodrome new",
    text: GOOD_MANIFEST.replace("title: int4 weights", "title: x (edit me)"),
    code: "placeholder",
    line: 2,
  },
  {
    name: "YAML alias bomb",
    text:
      GOOD_MANIFEST +
      "tags: &a [x, x, x, x, x, x, x, x, x, x]\nz: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
      "y: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
    code: "yaml-alias-limit",
    line: 20,
  },
  {
    name: "harness-owned flag through extra_args",
    text: GOOD_MANIFEST.replace(
      "    max-num-seqs: 1\n",
      '    max-num-seqs: 1\n    extra_args: ["--port", "9000"]\n',
    ),
    code: "harness-owned-flag",
    line: 14,
    match: /--port/,
  },
  {
    name: "remote code switched on as a typed argument",
    text: GOOD_MANIFEST.replace(
      "    max-num-seqs: 1\n",
      "    max-num-seqs: 1\n    trust-remote-code: true\n",
    ),
    code: "harness-owned-flag",
    line: 14,
    match: /trust-remote-code/,
  },
  {
    name: "tokenizer read from outside the submission folder",
    text: GOOD_MANIFEST.replace(
      "    max-num-seqs: 1\n",
      "    max-num-seqs: 1\n    tokenizer: ../../challenge\n",
    ),
    code: "path-outside-submission",
    line: 14,
    match: /tokenizer/,
  },
  {
    name: "speculative-config as vLLM's JSON string",
    text: GOOD_MANIFEST.replace(
      "    speculative-config:\n      method: mtp\n      num_speculative_tokens: 4\n",
      `    speculative-config: '{"method": "mtp", "num_speculative_tokens": 4}'\n`,
    ),
    code: "wrong-type",
    line: 14,
    match: /speculative-config/,
  },
  {
    name: "speculative tokens zero",
    text: GOOD_MANIFEST.replace("num_speculative_tokens: 4", "num_speculative_tokens: 0"),
    code: "too-small",
    line: 16,
    match: /num_speculative_tokens/,
  },
  {
    name: "self parent",
    text: GOOD_MANIFEST.replace("parents: [baseline]", "parents: [baseline, x]"),
    code: "self-parent",
    line: 4,
  },
  {
    name: "no parents",
    text: GOOD_MANIFEST.replace("parents: [baseline]", "parents: []"),
    code: "no-parents",
    line: 4,
  },
  {
    name: "wrong engine for the challenge",
    text: GOOD_MANIFEST.replace(
      /engine:[\s\S]*$/,
      "engine:\n  kind: embedded\n  args: { quantization: q8_0 }\n",
    ),
    code: "wrong-engine",
    line: 9,
  },
  {
    name: "nightly not allowed",
    text: GOOD_MANIFEST.replace("  kind: vllm\n", "  kind: vllm\n  nightly: true\n"),
    code: "nightly-not-allowed",
    line: 10,
  },
  {
    name: "kernel file missing",
    text: GOOD_MANIFEST + "kernels: [kernels/fast_attn.py]\n",
    code: "kernel-missing",
    line: 19,
  },
  { name: "empty file", text: "", code: "empty-file", line: 1 },
];

describe("bad manifests give file:line messages and exit 1", () => {
  for (const c of BAD) {
    it(c.name, async () => {
      const dir = await repo({ "submissions/x/submission.yaml": c.text });
      const r = await runCli(["validate", "submissions/x"], dir);
      expect(r.code).toBe(1);
      const line = r.out.split("\n").find((l) => l.includes(`error[${c.code}]`));
      expect(line, r.out).toBeDefined();
      expect(line).toMatch(new RegExp(`^submissions/x/submission\\.yaml:${c.line}:\\d+: `));
      if (c.match) expect(line).toMatch(c.match);
      // Every problem says what would be right or how to fix it.
      const json = JSON.parse((await runCli(["validate", "submissions/x", "--json"], dir)).out);
      const p = json.problems.find((q: { code: string }) => q.code === c.code);
      expect(p.expected ?? p.fix).toBeTruthy();
    });
  }

  it("suggests the right spelling of a misspelled key", async () => {
    const dir = await repo({
      "submissions/x/submission.yaml": GOOD_MANIFEST.replace("max-num-seqs", "max-num-seq"),
    });
    const r = await runCli(["validate", "submissions/x"], dir);
    expect(r.out).toContain("did you mean `max-num-seqs`?");
  });

  it("a parent cycle is reported", async () => {
    const a = GOOD_MANIFEST.replace("parents: [baseline]", "parents: [b]");
    const b = GOOD_MANIFEST.replace("parents: [baseline]", "parents: [a]");
    const dir = await repo({ "submissions/a/submission.yaml": a, "submissions/b/submission.yaml": b });
    const r = await runCli(["validate", "submissions/a"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /submissions\/a\/submission\.yaml:4:\d+: error\[parent-cycle\]: parents form a cycle: a → b → a/,
    );
  });

  it("a symlink inside the submission folder is rejected", async () => {
    const dir = await repo({
      "submissions/x/submission.yaml": GOOD_MANIFEST,
      "submissions/x/weights.bin": { symlink: "/etc/passwd" },
    });
    const r = await runCli(["validate", "submissions/x"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^submissions\/x\/weights\.bin: error\[symlink\]/m);
  });

  it("an oversized file and an oversized binary are rejected", async () => {
    const big = "x".repeat(1024 * 1024 + 1);
    const bin = new Uint8Array(300 * 1024);
    const dir = await repo({
      "submissions/x/submission.yaml": GOOD_MANIFEST,
      "submissions/x/notes.txt": big,
      "submissions/x/blob.bin": bin,
    });
    const r = await runCli(["validate", "submissions/x", "--json"], dir);
    const codes = JSON.parse(r.out).problems.map(
      (p: { code: string; file: string }) => `${p.code}:${p.file}`,
    );
    expect(codes).toEqual(
      expect.arrayContaining([
        "file-too-large:submissions/x/notes.txt",
        "binary-too-large:submissions/x/blob.bin",
      ]),
    );
    expect(r.code).toBe(1);
  });
});

describe("PR mode checks the change against the base branch in real git", () => {
  it("a PR touching .github/ and runner/ is rejected; one touching only its folder passes", async () => {
    const dir = await repo({});
    const git = await gitInit(dir);
    await git.add(".");
    await git.commit("base");
    await git.checkoutLocalBranch("pr");
    await writeFiles(dir, { "submissions/x/submission.yaml": GOOD_MANIFEST });
    await git.add(".");
    await git.commit("add x");
    let r = await runCli(["validate", "--base", "main", "--json"], dir);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, checked: ["x"] });
    await writeFiles(dir, { ".github/workflows/evil.yml": "on: push\n", "runner/core/x.ts": "export {}\n" });
    await git.add(".");
    await git.commit("sneaky");
    r = await runCli(["validate", "--base", "main"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^\.github\/workflows\/evil\.yml: error\[outside-submission\]/m);
    expect(r.out).toMatch(/^runner\/core\/x\.ts: error\[outside-submission\]/m);
  });

  it("a committed symlink is seen from git's mode, never followed", async () => {
    const dir = await repo({});
    const git = await gitInit(dir);
    await git.add(".");
    await git.commit("base");
    await git.checkoutLocalBranch("pr");
    await writeFiles(dir, {
      "submissions/x/submission.yaml": GOOD_MANIFEST,
      "submissions/x/link": { symlink: "../../challenge/challenge.yaml" },
    });
    await git.add(".");
    await git.commit("add x");
    const r = await runCli(["validate", "--base", "main", "--json"], dir);
    expect(JSON.parse(r.out).problems.map((p: { code: string }) => p.code)).toContain("symlink");
  });

  it("touching two submissions in one PR is rejected", () => {
    const e = (path: string) => ({
      path,
      status: "added" as const,
      kind: "file" as const,
      size: 10,
      binary: false,
    });
    const r = checkFilePolicy([e("submissions/a/submission.yaml"), e("submissions/b/submission.yaml")]);
    expect(r.problems.map((p) => p.code)).toContain("multiple-submissions");
  });
});

describe("a PR may change a folder on the base branch only if it owns it (git history decides)", () => {
  /** main: base, then alice's merged PR #3 adding x (a real merge), then a merged edit naming mallory. */
  async function history() {
    const dir = await repo({});
    const git = await gitInit(dir);
    await git.add(".");
    await git.commit("base");
    await git.checkoutLocalBranch("alice-x");
    await writeFiles(dir, { "submissions/x/submission.yaml": GOOD_MANIFEST });
    await git.add(".");
    await git.commit("Add x (#99)"); // a PR branch's subject is the participant's words: never read
    await git.checkout("main");
    await git.raw(["merge", "--no-ff", "-m", "Merge pull request #3 from alice/x", "alice-x"]);
    const claimed = GOOD_MANIFEST.replace("authors: [alice]", "authors: [alice, mallory]");
    await writeFiles(dir, { "submissions/x/submission.yaml": claimed });
    await git.add(".");
    await git.commit("Credit a helper (#5)");
    return { dir, git, claimed };
  }

  it("the origin is the first-parent commit that added the manifest, with the authors it named then", async () => {
    const { dir } = await history();
    const [x, ...rest] = await folderOrigins(dir, "main", ["x", "new-one"]);
    expect(rest).toEqual([]);
    expect(x).toMatchObject({ slug: "x", pr: 3, authors: ["alice"] });
  });

  it("mallory's PR editing alice's merged folder is refused at its authors line, whatever it claims", async () => {
    const { dir, git, claimed } = await history();
    await git.checkoutLocalBranch("mallory-pr");
    const hijack = claimed.replace("max-num-seqs: 1", "max-num-seqs: 2");
    await writeFiles(dir, { "submissions/x/submission.yaml": hijack });
    await git.add(".");
    await git.commit("tune x");
    const line = claimed.split("\n").findIndex((l) => l.startsWith("authors:")) + 1;
    const asMallory = ["validate", "--base", "main", "--pr-author", "mallory", "--pr-author-id", "666"];
    const r = await runCli(asMallory, dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      new RegExp(
        `^submissions/x/submission\\.yaml:${line}:1: error\\[not-owner\\]: \`x\` was added .* by PR #3`,
        "m",
      ),
    );
    expect(r.out).toMatch(/@mallory is not one of them/);
    // Alice, the folder's original author, may change it.
    const asAlice = await runCli(["validate", "--base", "main", "--pr-author", "alice", "--json"], dir);
    expect(JSON.parse(asAlice.out)).toMatchObject({ ok: true, checked: ["x"] });
  });

  it("deleting someone's folder is refused too; adding a new folder is free", async () => {
    const { dir, git } = await history();
    await git.checkoutLocalBranch("mallory-rm");
    await git.rm(["-r", "submissions/x"]);
    await git.commit("remove x");
    let r = await runCli(["validate", "--base", "main", "--pr-author", "mallory", "--json"], dir);
    expect(JSON.parse(r.out).problems.map((p: { code: string }) => p.code)).toContain("not-owner");
    await git.checkout("main");
    await git.checkoutLocalBranch("mallory-new");
    await writeFiles(dir, { "submissions/y/submission.yaml": GOOD_MANIFEST.replace("[alice]", "[mallory]") });
    await git.add(".");
    await git.commit("add y");
    r = await runCli(["validate", "--base", "main", "--pr-author", "mallory", "--json"], dir);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, checked: ["y"] });
  });
});

describe("the bot and the runner re-validate a PR at its pinned head from git (gitPullValidator)", () => {
  /** A bare origin with main and PR heads under refs/pull/N/head, and a stale clone of main. */
  async function world() {
    const origin = await tempDir();
    dirs.push(origin);
    await simpleGit(origin).init(true, ["-b", "main"]);
    const author = await repo({});
    const git = await gitInit(author);
    await git.add(".");
    await git.commit("base");
    await git.addRemote("origin", origin);
    await git.push("origin", "main");
    const clone = await tempDir();
    dirs.push(clone);
    await simpleGit().clone(origin, clone);
    /** Pushes a PR with these files as refs/pull/<n>/head (based on main) and returns its head SHA. */
    const pr = async (n: number, files: Record<string, string>) => {
      await git.checkout(["-B", `pr-${n}`, "main"]);
      await writeFiles(author, files);
      await git.add(".");
      await git.commit(`pr ${n}`);
      const sha = (await git.revparse(["HEAD"])).trim();
      await git.push("origin", `HEAD:refs/pull/${n}/head`, ["--force"]);
      return sha;
    };
    return { validator: gitPullValidator(nodeRepoFiles(clone), origin, "main"), pr, git, author };
  }

  it("a PR whose manifest smuggles LD_PRELOAD fails; a clean one passes; a moved head is refused", async () => {
    const w = await world();
    const evil = GOOD_MANIFEST.replace('VLLM_USE_V1: "1"', 'VLLM_USE_V1: "1"\n    LD_PRELOAD: ./x.so');
    const bad = await w.pr(1, { "submissions/x/submission.yaml": evil });
    const v = await w.validator.validate({ pr: 1, sha: bad });
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.code)).toContain("env-denied");
    const good = await w.pr(2, { "submissions/y/submission.yaml": GOOD_MANIFEST });
    expect(await w.validator.validate({ pr: 2, sha: good, author: { login: "alice" } })).toEqual({
      ok: true,
      problems: [],
    });
    // The pinned SHA is no longer the PR's head: nothing is validated (or benchmarked) as it.
    await w.pr(2, { "submissions/y/README.md": "more\n" });
    await expect(w.validator.validate({ pr: 2, sha: good })).rejects.toBeInstanceOf(ShaMoved);
  });

  it("one assembly with the CLI: a parent that exists only as a benchmarked PR (data branch) is a valid parent", async () => {
    const w = await world();
    // The data branch records a run of `pr-only`, a submission that lives in an unmerged PR.
    await w.git.checkout(["--orphan", "velodrome-data"]);
    await w.git.raw(["rm", "-rf", "--quiet", "."]);
    await writeFiles(w.author, { "runs/r1.json": JSON.stringify({ candidate: { slug: "pr-only" } }) });
    await w.git.add(".");
    await w.git.commit("run r1");
    await w.git.push("origin", "velodrome-data");
    const child = GOOD_MANIFEST.replace("parents: [baseline]", "parents: [pr-only]");
    const sha = await w.pr(4, { "submissions/child/submission.yaml": child });
    const v = await w.validator.validate({ pr: 4, sha, author: { login: "alice" } });
    expect(v.problems.map((p) => p.code)).not.toContain("missing-parent");
    expect(v).toEqual({ ok: true, problems: [] });
    // The same PR through `velodrome validate --base` (its own clone with the data branch) agrees.
    const r = await runCli(
      [
        "validate",
        "--base",
        "main",
        "--head",
        sha,
        "--data-ref",
        "velodrome-data",
        "--json",
        "--pr-author",
        "alice",
      ],
      w.author,
    );
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, checked: ["child"] });
  });

  it("F4: a later PR adding a folder another open PR added first fails validation (API creation times)", async () => {
    const w = await world();
    const sha = await w.pr(6, { "submissions/q8/submission.yaml": GOOD_MANIFEST });
    const claims = {
      pr: 6,
      bySlug: {
        q8: [
          { pr: 5, createdAt: "2026-01-15T08:00:00Z" },
          { pr: 6, createdAt: "2026-01-15T09:00:00Z" },
        ],
      },
    };
    const v = await w.validator.validate({ pr: 6, sha, author: { login: "mallory" }, claims });
    expect(v.problems).toMatchObject([
      { code: "slug-claimed", file: "submissions/q8/submission.yaml", message: /added first by PR #5/ },
    ]);
    const first = { ...claims, pr: 5 };
    expect((await w.validator.validate({ pr: 6, sha, author: { login: "alice" }, claims: first })).ok).toBe(
      true,
    );
  });

  it("a PR touching runner/ fails against the remote's current main, even from a stale clone", async () => {
    const w = await world();
    // main moves on after the clone was made (another submission merged): not this PR's change.
    await w.git.checkout("main");
    await writeFiles(w.author, { "submissions/merged/submission.yaml": GOOD_MANIFEST });
    await w.git.add(".");
    await w.git.commit("Merge pull request #9 from alice/merged");
    await w.git.push("origin", "main");
    const sha = await w.pr(3, {
      "submissions/z/submission.yaml": GOOD_MANIFEST,
      "runner/core/x.ts": "export {}\n",
    });
    const v = await w.validator.validate({ pr: 3, sha });
    expect(v.problems.map((p) => `${p.code} ${p.file}`)).toEqual(["outside-submission runner/core/x.ts"]);
  });
});

describe("parsers", () => {
  it("a valid manifest normalises defaults", () => {
    const r = parseSubmission("s.yaml", GOOD_MANIFEST);
    expect(r.problems).toEqual([]);
    expect(r.value!.engine.kind).toBe("vllm");
    expect(r.value!.tags).toEqual([]);
  });
  it("challenge min_effect is normalised into a tagged value", async () => {
    const r = parseChallenge("c.yaml", await readFile(join(REPO_ROOT, "challenge/challenge.yaml"), "utf8"));
    expect(r.value!.significance.min_effect).toEqual({ kind: "relative", value: 0.01 });
  });
});

describe("velodrome new", () => {
  it("scaffolds a manifest pre-filled from its parents, refused until its placeholders are edited", async () => {
    const dir = await repo({ "submissions/x/submission.yaml": GOOD_MANIFEST });
    const r = await runCli(["new", "y", "--parent", "x", "--parent", "baseline", "--author", "carol"], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("wrote submissions/y/submission.yaml");
    expect(r.out).toMatch(/submissions\/y\/submission\.yaml:\d+:\d+: the title still says `\(edit me\)`/);
    const file = join(dir, "submissions/y/submission.yaml");
    const text = await readFile(file, "utf8");
    const m = parse(text);
    expect(m.parents).toEqual(["x", "baseline"]);
    expect(m.engine.args["speculative-config"]).toEqual({ method: "mtp", num_speculative_tokens: 4 });
    expect(m.credits.map((c: { who: string }) => c.who)).toEqual(["alice", "velodrome-org"]);
    const before = JSON.parse((await runCli(["validate", "submissions/y", "--json"], dir)).out);
    expect(before.problems.map((p: { code: string; path: string[] }) => `${p.code}:${p.path[0]}`)).toEqual([
      "placeholder:title",
      "placeholder:description",
    ]);
    const edited = text
      .replace(/^title: .*$/m, "title: y, tuned")
      .replace(/^description: .*$/m, "description: Tuned the draft length.");
    await writeFiles(dir, { "submissions/y/submission.yaml": edited });
    expect((await runCli(["validate", "submissions/y"], dir)).code).toBe(0);
  });
  it("without --author or GITHUB_ACTOR, the placeholder author is refused by validation", async () => {
    const dir = await repo({});
    const r = await runCli(["new", "z"], dir);
    expect(r.code, r.err).toBe(0);
    const v = await runCli(["validate", "submissions/z"], dir);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/error\[placeholder\]: `your-github-login` is a placeholder/);
  });
  it("refuses a bad slug and an unknown parent with a clear message", async () => {
    const dir = await repo({});
    let r = await runCli(["new", "Bad_Slug"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a valid slug/);
    r = await runCli(["new", "ok", "--parent", "nope"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/parent `nope` not found/);
  });
});
