import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { ParticipantsSchema } from "../core/schema/data.ts";
import { SubmissionSchema } from "../core/schema/submission.ts";
import { parseChallenge, parseSubmission, parseWith } from "../core/validate/manifest.ts";
import { formatProblem } from "../core/validate/problem.ts";
import type { SiteInput, SubmissionSource } from "../core/site/model.ts";
import { parseRevListParents, submissionAncestry } from "../core/ancestry.ts";
import { forEachTreeFile, readTreeFiles, refExists, run } from "./git-batch.ts";
import { addDataFile, type DataState } from "./git-store.ts";
import {
  AGENTS_FILE,
  CHALLENGE_FILE,
  DATA_LIFECYCLE_DIR,
  DATA_RUNNERS_DIR,
  DATA_REGISTRY_DIR,
  EMPTY_PARTICIPANTS,
  MANIFEST_NAME,
  manifestPath,
  PARTICIPANTS_FILE,
  SUBMISSIONS_DIR,
  submissionDir,
} from "../core/layout.ts";

const git = async (dir: string, args: string[], input?: string) =>
  (await run(dir, args, input)).toString("utf8");

/** `submissions/<slug>/submission.yaml`, capturing the slug. */
const MANIFEST_PATH = new RegExp(`^${SUBMISSIONS_DIR}/([^/]+)/${MANIFEST_NAME.replace(/\./g, "\\.")}$`);
const RULES_FILE = "challenge/RULES.md";
/** Velodrome's own checkout: its AGENTS.md is the onboarding of a challenge that ships none. */
const PROGRAM_ROOT = resolve(import.meta.dirname, "../..");

type Problems = SiteInput["problems"];
type Progress = (s: string) => void;

/** The site needs the manifest, not line positions: plain YAML + zod, falling back to the full parser for messages. */
function quickSubmission(path: string, text: string) {
  try {
    const r = SubmissionSchema.safeParse(parseYaml(text));
    if (r.success) return { value: r.data, problems: [] };
  } catch {
    /* fall through to the positioned parser for a good message */
  }
  return parseSubmission(path, text);
}

/** The challenge (required: no site without it) and the participant registry (problems reported). */
function readChallengeFiles(main: Map<string, string>, where: string, problems: Problems) {
  const chText = main.get(CHALLENGE_FILE);
  if (!chText) throw new Error(`no ${CHALLENGE_FILE} at ${where}`);
  const ch = parseChallenge(CHALLENGE_FILE, chText);
  if (!ch.value) throw new Error(ch.problems.map(formatProblem).join("\n"));
  const parts = parseWith(
    ParticipantsSchema,
    PARTICIPANTS_FILE,
    main.get(PARTICIPANTS_FILE) ?? EMPTY_PARTICIPANTS,
  );
  if (!parts.value) problems.push(...parts.problems.map((p) => ({ path: p.file, message: p.message })));
  return { challenge: ch.value, participants: parts.value ?? { schema: 1 as const, participants: [] } };
}

/**
 * Runs, reservations, rulings, threads, lifecycle steps, registrations and broadcasts from the data
 * branch (local, else origin's), in path order.
 */
async function readDataBranch(repoDir: string, dataRef: string, problems: Problems, progress: Progress) {
  const data: DataState = {
    ...{ runs: [], reservations: [], rulings: [], threads: [] },
    ...{ lifecycle: [], registrations: [], broadcasts: [], runnerSteps: [], problems },
  };
  const resolved = (await refExists(repoDir, dataRef))
    ? dataRef
    : (await refExists(repoDir, `origin/${dataRef}`))
      ? `origin/${dataRef}`
      : undefined;
  if (!resolved) return data;
  // "board" holds threads and broadcasts (DATA_BROADCASTS_DIR lies under it).
  const dirs = ["runs", "quota", "rulings", "board", DATA_LIFECYCLE_DIR, DATA_REGISTRY_DIR, DATA_RUNNERS_DIR];
  const count = await forEachTreeFile(repoDir, resolved, dirs, (path, text) =>
    addDataFile(data, path, text, `${dataRef}:${path}`),
  );
  const byPath = <T extends { id?: string; number?: number }>(xs: T[]) =>
    xs.sort((a, b) => String(a.id ?? a.number).localeCompare(String(b.id ?? b.number)));
  byPath(data.runs);
  byPath(data.reservations);
  byPath(data.rulings);
  byPath(data.lifecycle!);
  byPath(data.broadcasts!);
  byPath(data.runnerSteps!);
  data.registrations!.sort((a, b) => a.id - b.id);
  data.threads.sort((a, b) => a.number - b.number);
  problems.sort((a, b) => a.path.localeCompare(b.path));
  progress(`read ${count} data files from ${resolved}`);
  return data;
}

/** When and in which commit each submission's manifest first appeared: one log walk of the branch. */
async function firstAppearances(repoDir: string, ref: string) {
  const firstSeen = new Map<string, { commit: string; at: string }>();
  const log = await git(repoDir, [
    ...["log", ref, "--reverse", "--diff-filter=A", "--format=>%H %cI", "--name-only"],
    ...["--", `${SUBMISSIONS_DIR}/`],
  ]);
  let cur: { commit: string; at: string } | undefined;
  for (const line of log.split("\n")) {
    if (line.startsWith(">")) {
      const [commit, at] = line.slice(1).split(" ") as [string, string];
      cur = { commit, at: new Date(at).toISOString() };
      continue;
    }
    const slug = MANIFEST_PATH.exec(line)?.[1];
    if (cur && slug && !firstSeen.has(slug)) firstSeen.set(slug, cur);
  }
  return firstSeen;
}

/** `git ls-tree -r` lines as (path, blob) pairs. */
function parseTree(tree: string): { path: string; blob: string }[] {
  return tree
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split("\t") as [string, string];
      return { path, blob: meta.split(" ")[2]! };
    });
}

/** Each submission's files (paths inside its folder) with their blob ids, for shared-code detection. */
async function submissionBlobs(repoDir: string, ref: string) {
  const blobs = new Map<string, { path: string; blob: string }[]>();
  for (const f of parseTree(await git(repoDir, ["ls-tree", "-r", ref, "--", `${SUBMISSIONS_DIR}/`]))) {
    const m = new RegExp(`^${SUBMISSIONS_DIR}/([^/]+)/(.+)$`).exec(f.path);
    if (m) blobs.set(m[1]!, [...(blobs.get(m[1]!) ?? []), { path: m[2]!, blob: f.blob }]);
  }
  return blobs;
}

type FirstSeen = Awaited<ReturnType<typeof firstAppearances>>;

/** Submissions on the default branch; a manifest not yet committed counts as first seen at the head. */
async function mainSubmissions(
  repoDir: string,
  ref: string,
  main: Map<string, string>,
  problems: Problems,
  firstSeenP: Promise<FirstSeen>,
) {
  const firstSeen = await firstSeenP;
  const blobs = await submissionBlobs(repoDir, ref);
  const headTime = new Date((await git(repoDir, ["log", "-1", "--format=%cI", ref])).trim()).toISOString();
  const submissions: SubmissionSource[] = [];
  for (const [path, text] of main) {
    const slug = MANIFEST_PATH.exec(path)?.[1];
    if (!slug) continue;
    const p = quickSubmission(path, text);
    if (!p.value) {
      problems.push({ path, message: p.problems.map((x) => x.message).join("; ") });
      continue;
    }
    const fs = firstSeen.get(slug) ?? { commit: "working-tree", at: headTime };
    submissions.push({
      slug,
      manifest: p.value,
      firstCommit: fs.commit,
      firstAt: fs.at,
      files: blobs.get(slug) ?? [],
    });
  }
  return submissions;
}

/** A submission that lives in a PR, read at the commit its run recorded; undefined if unreadable. */
async function prSubmission(
  repoDir: string,
  slug: string,
  commit: string,
  problems: Problems,
): Promise<SubmissionSource | undefined> {
  const text = await git(repoDir, ["show", `${commit}:${manifestPath(slug)}`]).catch(() => undefined);
  if (text === undefined) {
    const fetchHint = "fetch the PR heads: git fetch origin '+refs/pull/*/head:refs/pull/*'";
    const message = `its run names commit ${commit.slice(0, 10)}, which this clone does not have (${fetchHint})`;
    problems.push({ path: submissionDir(slug), message });
    return undefined;
  }
  const p = parseSubmission(manifestPath(slug), text);
  if (!p.value) return undefined;
  const addedLog = await git(repoDir, [
    "log",
    commit,
    "--diff-filter=A",
    "--format=%H %cI",
    "--",
    manifestPath(slug),
  ]);
  const [firstCommit, at] = addedLog.trim().split("\n").pop()!.split(" ") as [string, string];
  const prefix = `${submissionDir(slug)}/`;
  const files = parseTree(await git(repoDir, ["ls-tree", "-r", commit, "--", prefix])).map((f) => ({
    path: f.path.replace(prefix, ""),
    blob: f.blob,
  }));
  return { slug, manifest: p.value, firstCommit, firstAt: new Date(at).toISOString(), files };
}

/** The commit each slug's latest run recorded as its candidate (PR heads for unmerged submissions). */
function runTips(data: DataState): Map<string, string> {
  const tips = new Map<string, string>();
  for (const r of data.runs) if (r.candidate.commit) tips.set(r.candidate.slug, r.candidate.commit);
  return tips;
}

/** Which of these commits the repository has (one `git cat-file --batch-check` for all of them). */
async function existingCommits(repoDir: string, commits: string[]): Promise<string[]> {
  if (!commits.length) return [];
  const out = await git(repoDir, ["cat-file", "--batch-check"], commits.join("\n") + "\n");
  return out
    .split("\n")
    .filter((l) => / commit \d+$/.test(l))
    .map((l) => l.split(" ")[0]!);
}

/**
 * Git ancestry between submissions (see core/ancestry.ts): the commit graph of the default branch and
 * every run's candidate commit, read with one `git rev-list --parents`, then walked in memory.
 */
async function gitAncestry(
  repoDir: string,
  ref: string,
  tips: Map<string, string>,
  subs: SubmissionSource[],
) {
  const head = (await git(repoDir, ["rev-parse", "--verify", `${ref}^{commit}`])).trim();
  const present = await existingCommits(repoDir, [...new Set(tips.values())]);
  const listing = await git(
    repoDir,
    ["rev-list", "--parents", "--stdin"],
    [head, ...present].join("\n") + "\n",
  );
  const graph = { parents: parseRevListParents(listing), head };
  return submissionAncestry(graph, tips, new Map(subs.map((s) => [s.firstCommit, s.slug])));
}

/** Knowledge-base notes under challenge/kb/, titled by their first heading (else their file name). */
function kbNotes(main: Map<string, string>): SiteInput["kb"] {
  const kb: SiteInput["kb"] = [];
  for (const [path, text] of main) {
    if (!/^challenge\/kb\/.+\.md$/.test(path)) continue;
    const heading = /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
    kb.push({ path, title: heading ?? path.split("/").pop()!.replace(/\.md$/, ""), text });
  }
  return kb;
}

/** RULES.md from the ref, else the working tree, else a placeholder. */
async function readRules(repoDir: string, main: Map<string, string>): Promise<string> {
  const fromRef = main.get(RULES_FILE);
  if (fromRef !== undefined) return fromRef;
  return readFile(join(repoDir, RULES_FILE), "utf8").catch(() => "# Rules\n\nNo rules file.");
}

/** AGENTS.md from the ref, else the working tree, else the one Velodrome ships (same commands everywhere). */
async function readAgents(repoDir: string, main: Map<string, string>): Promise<string> {
  const fromRef = main.get(AGENTS_FILE);
  if (fromRef !== undefined) return fromRef;
  const local = await readFile(join(repoDir, AGENTS_FILE), "utf8").catch(() => undefined);
  return local ?? readFile(join(PROGRAM_ROOT, AGENTS_FILE), "utf8");
}

/** Submissions on the default branch, then those that live only in PRs (by the commits their runs name). */
async function allSubmissions(
  repoDir: string,
  ref: string,
  main: Map<string, string>,
  tips: Map<string, string>,
  problems: Problems,
  firstSeen: Promise<FirstSeen>,
) {
  const submissions = await mainSubmissions(repoDir, ref, main, problems, firstSeen);
  const seen = new Set(submissions.map((s) => s.slug));
  for (const [slug, commit] of tips) {
    if (seen.has(slug)) continue;
    const s = await prSubmission(repoDir, slug, commit, problems);
    if (!s) continue;
    submissions.push(s);
    seen.add(slug);
  }
  return submissions;
}

/**
 * Gathers everything the site shows from git: the default branch's history (submissions and when
 * each first appeared, file blobs for shared-code detection), PR heads named by run records
 * (submissions not merged yet, and git ancestry between them), and the data branch.
 */
export async function loadSiteInput(
  repoDir: string,
  o: { ref?: string; dataRef?: string; onProgress?: Progress } = {},
): Promise<SiteInput> {
  const ref = o.ref ?? "HEAD";
  const problems: Problems = [];
  const progress = o.onProgress ?? (() => undefined);
  const main = await readTreeFiles(repoDir, ref, ["challenge", SUBMISSIONS_DIR, AGENTS_FILE]);
  const { challenge, participants } = readChallengeFiles(main, `${ref} in ${repoDir}`, problems);
  progress(`read ${main.size} files from ${ref}`);
  // The history walk is git's work (seconds at 10,000 submissions): it runs while the data branch is parsed.
  const firstSeen = firstAppearances(repoDir, ref);
  firstSeen.catch(() => undefined); // awaited below; a failure is reported there, not as unhandled
  const data = await readDataBranch(repoDir, o.dataRef ?? challenge.data_branch, problems, progress);
  const tips = runTips(data);
  const submissions = await allSubmissions(repoDir, ref, main, tips, problems, firstSeen);
  const ancestry = await gitAncestry(repoDir, ref, tips, submissions);
  progress(`${submissions.length} submissions, ${data.runs.length} runs, ${data.threads.length} threads`);
  return {
    challenge,
    rules: await readRules(repoDir, main),
    agents: await readAgents(repoDir, main),
    kb: kbNotes(main),
    participants,
    submissions,
    runs: data.runs,
    reservations: data.reservations,
    rulings: data.rulings,
    threads: data.threads,
    lifecycle: data.lifecycle ?? [],
    registrations: data.registrations ?? [],
    broadcasts: data.broadcasts ?? [],
    runnerSteps: data.runnerSteps ?? [],
    ancestry,
    problems,
  };
}
