import * as core from "@actions/core";
import { writeFile } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { changedFiles } from "../adapters/git-diff.ts";
import { forEachTreeFile, refExists } from "../adapters/git-batch.ts";
import { folderOrigins } from "../adapters/git-history.ts";
import { pinnedIds } from "../core/github/pull.ts";
import { PARTICIPANTS_FILE } from "../core/layout.ts";
import { ParticipantsSchema } from "../core/schema/data.ts";
import { parseChallenge, parseWith } from "../core/validate/manifest.ts";
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
  // Submissions that live in PRs but have recorded runs may be parents too (read from the data branch).
  const benchmarked = await benchmarkedSlugs(root, values["data-ref"], challengeText);

  let targets: string[];
  let entries;
  const prMode = values.base !== undefined;
  if (prMode) {
    entries = await changedFiles(root, values.base!, values.head);
    targets = [
      ...new Set(
        entries
          .flatMap((e) => [e.path, e.from ?? e.path])
          .map((p) => /^submissions\/([^/]+)\//.exec(p)?.[1])
          .filter((s): s is string => !!s),
      ),
    ].sort();
  } else {
    targets = positionals.length ? positionals.map((p) => slugOf(root, io.cwd, p)) : [...submissions.keys()];
    entries = (await Promise.all(targets.map((t) => repo.walk(`submissions/${t}`)))).flat();
  }
  const report = validateRepository({
    challenge: { file: CHALLENGE_FILE, text: challengeText },
    submissions,
    targets,
    entries,
    prMode,
    otherKnownSlugs: benchmarked,
    ...(prMode && values["pr-author"]
      ? {
          ownership: await ownershipOf(
            repo,
            root,
            values.base!,
            targets,
            values["pr-author"],
            values["pr-author-id"],
          ),
        }
      : {}),
  });
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

/** Who owns the touched folders on the base branch (git history), and the PR author to hold to it. */
async function ownershipOf(
  repo: RepoFiles,
  root: string,
  base: string,
  targets: string[],
  login: string,
  id: number | undefined,
) {
  const origins = await folderOrigins(root, base, targets);
  const participants = parseWith(
    ParticipantsSchema,
    PARTICIPANTS_FILE,
    (await repo.read(PARTICIPANTS_FILE)) ?? "",
  );
  return {
    origins,
    author: { login, ...(id !== undefined ? { id } : {}) },
    ...(participants.value ? { pinned: pinnedIds(participants.value) } : {}),
  };
}

async function benchmarkedSlugs(
  root: string,
  dataRef: string | undefined,
  challengeText: string,
): Promise<string[]> {
  const branch =
    dataRef ?? parseChallenge(CHALLENGE_FILE, challengeText).value?.data_branch ?? "velodrome-data";
  for (const ref of dataRef ? [dataRef] : [branch, `origin/${branch}`]) {
    if (!(await refExists(root, ref).catch(() => false))) continue;
    const slugs = new Set<string>();
    await forEachTreeFile(root, ref, ["runs"], (_path, text) => {
      try {
        const slug = (JSON.parse(text) as { candidate?: { slug?: unknown } }).candidate?.slug;
        if (typeof slug === "string") slugs.add(slug);
      } catch {
        /* a bad data file is reported by the site build; here it simply names no slug */
      }
    });
    return [...slugs];
  }
  return [];
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
