import { cp, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runBench } from "../adapters/bench.ts";
import { describeHardware } from "../adapters/hardware.ts";
import { fetchSubmissionAt, ShaMovedError } from "../adapters/git-fetch.ts";
import { gitDataStore } from "../adapters/git-store.ts";
import { progressFor } from "../adapters/progress.ts";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import { seedFrom } from "../core/stats/rng.ts";
import type { Io } from "./io.ts";
import { UsageError } from "./io.ts";
import { loadManifest, loadPromptSet, makeLauncher } from "./bench.ts";
import { loadChallenge } from "./repo-load.ts";
import { DEFAULT_PUBLIC_REFERENCE, manifestPath } from "../core/layout.ts";

const HELP = `usage: velodrome evaluate --run-id ID --pr N --sha SHA --slug S --against A [--blocks N] [--remote URL] [--out FILE] [--private FILE]

What the self-hosted runner executes (workflow_dispatch only). Runs main's code from this checkout;
fetches the PR's pinned SHA and copies its submission folder as data; aborts if the SHA moved.
Writes one small JSON result for the publish job.`;

export async function evaluateCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "run-id": { type: "string" },
      pr: { type: "string" },
      sha: { type: "string" },
      slug: { type: "string" },
      against: { type: "string" },
      blocks: { type: "string", default: "0" },
      remote: { type: "string", default: "origin" },
      out: { type: "string", default: "result.json" },
      private: { type: "string" },
      repo: { type: "string" },
      "data-branch": { type: "string" },
      sandbox: { type: "string", default: "auto" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return (io.out(HELP), 0);
  const runId = values["run-id"];
  for (const [k, v, re] of [
    ["run-id", runId, /^[A-Za-z0-9._-]{1,100}$/],
    ["pr", values.pr, /^\d{1,7}$/],
    ["sha", values.sha, /^[0-9a-f]{40}$/],
    ["slug", values.slug, /^[a-z0-9-]{1,64}$/],
    ["against", values.against, /^[a-z0-9-]{1,64}$/],
    ["blocks", values.blocks, /^\d{1,2}$/],
  ] as const) {
    if (!v || !re.test(v)) throw new UsageError(`--${k} is missing or malformed`);
  }
  const root = resolve(io.cwd, values.repo ?? ".");
  const main = nodeRepoFiles(root);
  const challenge = await loadChallenge(main);
  // A bench repository: main's challenge definition plus the two submission folders as data.
  const work = join(root, ".velodrome/evaluate", runId!);
  const benchRoot = join(work, "repo");
  await mkdir(benchRoot, { recursive: true });
  await cp(join(root, "challenge"), join(benchRoot, "challenge"), { recursive: true });
  const outFile = resolve(io.cwd, values.out!);
  try {
    await fetchSubmissionAt(root, {
      remote: values.remote!,
      pr: Number(values.pr),
      sha: values.sha!,
      slug: values.slug!,
      into: benchRoot,
    });
    if (await main.read(manifestPath(values.against!)))
      await cp(join(root, "submissions", values.against!), join(benchRoot, "submissions", values.against!), {
        recursive: true,
      });
    else {
      // An incumbent that lives in a PR: take it from the commit its last recorded run used.
      const store = gitDataStore({
        remote: values.remote!,
        branch: values["data-branch"] ?? challenge.data_branch,
        dir: join(work, "data"),
      });
      const last = (await store.read()).runs
        .filter((r) => r.candidate.slug === values.against && r.candidate.commit)
        .at(-1);
      if (!last)
        throw new Error(
          `incumbent \`${values.against}\` is neither on the default branch nor in a recorded run`,
        );
      await fetchSubmissionAt(root, {
        remote: values.remote!,
        sha: last.candidate.commit!,
        slug: values.against!,
        into: benchRoot,
      });
    }
  } catch (e) {
    const reason =
      e instanceof ShaMovedError ? e.message : `could not fetch the submission: ${(e as Error).message}`;
    await writeFile(outFile, JSON.stringify({ version: 1, id: runId, status: "error", reason }) + "\n");
    io.err(reason);
    return 1;
  }
  const repo = nodeRepoFiles(benchRoot);
  const programRoot = resolve(import.meta.dirname, "../..");
  const launcher = makeLauncher(challenge.engine.kind, programRoot, values.sandbox!);
  const pub = await loadPromptSet({
    repo: main,
    challenge,
    promptsPath: challenge.metric.prompts,
    referencePath: challenge.verification.reference.outputs ?? DEFAULT_PUBLIC_REFERENCE,
    launcher,
    workDir: work,
  });
  const priv = values.private
    ? await loadPromptSet({
        repo: main,
        challenge,
        promptsPath: values.private,
        referencePath: `${values.private}.reference.jsonl`,
        launcher,
        workDir: work,
      })
    : undefined;
  const blocks = Number(values.blocks);
  const result = await runBench({
    id: runId!,
    challenge,
    candidate: { slug: values.slug!, manifest: await loadManifest(repo, values.slug!), commit: values.sha! },
    incumbent: { slug: values.against!, manifest: await loadManifest(repo, values.against!) },
    launcher,
    public: pub,
    ...(priv ? { private: priv } : {}),
    workDir: work,
    seed: seedFrom(runId!),
    ...(blocks ? { blocks } : {}),
    runner: {
      id: io.env.RUNNER_NAME ?? "local",
      hardware: `${challenge.hardware.description} — ${await describeHardware()}`.slice(0, 300),
    },
    progress: progressFor((s) => process.stderr.write(s), io.isTTY),
  });
  await writeFile(outFile, JSON.stringify(result.record) + "\n");
  io.out(
    `${result.record.status}${result.record.comparison ? `: ${result.record.comparison.verdict}` : ""} → ${values.out}`,
  );
  return result.record.status === "error" ? 1 : 0;
}
