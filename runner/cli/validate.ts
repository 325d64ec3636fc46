import * as core from "@actions/core";
import { writeFile } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { benchmarkedSlugs, validatePull } from "../adapters/validate-pull.ts";
import { PARTICIPANTS_FILE } from "../core/layout.ts";
import type { RepoFiles } from "../ports.ts";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import { formatProblem } from "../core/validate/problem.ts";
import { validateRepository } from "../core/validate/report.ts";
import type { Io } from "./io.ts";
import { UsageError } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";
import { CHALLENGE_FILE, loadSubmissionTexts } from "./repo-load.ts";

const OPTIONS = {
  repo: { type: "string", default: ".", placeholder: "DIR", description: "the challenge repository" },
  base: {
    type: "string",
    placeholder: "REF",
    description: "PR mode: check the files changed between REF and --head",
  },
  head: { type: "string", default: "HEAD", placeholder: "REF", description: "the PR's head in PR mode" },
  "data-ref": {
    type: "string",
    placeholder: "REF",
    description:
      "the data branch (default: the challenge's): its benchmarked PR submissions count as parents",
  },
  "pr-author": {
    type: "string",
    pattern: /^[A-Za-z0-9-]{1,39}$/,
    placeholder: "LOGIN",
    description:
      "PR mode: the PR's author; a folder already on --base may change only by its original authors",
  },
  "pr-author-id": { type: "integer", min: 1, description: "PR mode: the PR author's numeric GitHub id" },
  json: { type: "boolean", description: "print one JSON report (for agents and the PR comment)" },
  annotate: { type: "boolean", description: "also emit GitHub Actions error annotations" },
  report: {
    type: "string",
    placeholder: "FILE",
    description: "write the JSON report to FILE (annotations, which share stdout, stay out of it)",
  },
} as const;

export const VALIDATE: CommandSpec = {
  name: "validate",
  args: "[PATH...]",
  summary: "Check submission manifests (schema, parents, engine, env) and the file policy.",
  description:
    "With no PATH, checks every submission. PATH is a submission folder, its submission.yaml, or a slug.\n" +
    "Exit code: 0 when valid, 1 on problems, 2 on bad usage.",
  options: OPTIONS,
};

export async function validateCommand(argv: string[], io: Io): Promise<number> {
  const { help, values, positionals } = parseOptions(OPTIONS, argv);
  if (help) return (io.out(helpText(VALIDATE)), 0);
  const root = resolve(io.cwd, values.repo);
  const repo = nodeRepoFiles(root);
  const challengeText = await repo.read(CHALLENGE_FILE);
  if (challengeText === undefined)
    throw new UsageError(
      `no ${CHALLENGE_FILE} under ${root}; run inside a challenge repository or pass --repo DIR`,
    );
  const submissions = await loadSubmissionTexts(repo);
  const prMode = values.base !== undefined;
  const report = prMode
    ? await validatePull({
        repoDir: root,
        base: values.base!,
        head: values.head,
        challengeText,
        participantsText: await repo.read(PARTICIPANTS_FILE),
        submissions,
        ...(values["data-ref"] ? { dataRef: values["data-ref"] } : {}),
        ...(values["pr-author"]
          ? {
              author: {
                login: values["pr-author"],
                ...(values["pr-author-id"] !== undefined ? { id: values["pr-author-id"] } : {}),
              },
            }
          : {}),
      })
    : await validateLocal(repo, root, io.cwd, positionals, submissions, challengeText, values["data-ref"]);
  const { version, ok, checked, problems } = report;
  const json = JSON.stringify({ version, ok, checked, problems }, null, 2);
  if (values.report) await writeFile(resolve(io.cwd, values.report), json + "\n");
  if (values.json) io.out(json);
  else {
    for (const p of problems) io.out(formatProblem(p));
    io.out(
      ok
        ? `ok: ${checked.length} submission(s) valid (${checked.join(", ") || "none"})`
        : `${problems.length} problem(s) in ${checked.join(", ") || "the change"}`,
    );
  }
  if (values.annotate)
    for (const p of problems)
      core.error(`${p.message}${p.fix ? ` — fix: ${p.fix}` : ""}`, {
        file: p.file,
        startLine: p.line || undefined,
        startColumn: p.col || undefined,
        title: `velodrome: ${p.code}`,
      });
  return ok ? 0 : 1;
}

/** Local mode: the named submissions (or all), each with its own files, PR submissions as parents. */
async function validateLocal(
  repo: RepoFiles,
  root: string,
  cwd: string,
  positionals: string[],
  submissions: Awaited<ReturnType<typeof loadSubmissionTexts>>,
  challengeText: string,
  dataRef: string | undefined,
) {
  const targets = positionals.length ? positionals.map((p) => slugOf(root, cwd, p)) : [...submissions.keys()];
  const entries = (await Promise.all(targets.map((t) => repo.walk(`submissions/${t}`)))).flat();
  return validateRepository({
    challenge: { file: CHALLENGE_FILE, text: challengeText },
    submissions,
    targets,
    entries,
    prMode: false,
    otherKnownSlugs: await benchmarkedSlugs(root, dataRef, challengeText),
  });
}

function slugOf(root: string, cwd: string, p: string): string {
  if (/^[a-z0-9-]+$/.test(p) && !p.includes("/")) return p;
  const direct = /^(?:\.\/)?submissions\/([^/]+)(\/.*)?$/.exec(p);
  if (direct && !isAbsolute(p)) return direct[1]!;
  const abs = isAbsolute(p) ? p : resolve(cwd, p);
  const rel = relative(root, abs).split("\\").join("/");
  const m = /^submissions\/([^/]+)(\/.*)?$/.exec(rel);
  if (!m)
    throw new UsageError(
      `\`${p}\` is not inside ${root}/submissions/; pass a submission folder, its submission.yaml, or a slug`,
    );
  return m[1]!;
}
