import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ParticipantsSchema } from "../core/schema/data.ts";
import { SubmissionSchema } from "../core/schema/submission.ts";
import { parse as parseYaml } from "yaml";
import { parseChallenge, parseSubmission, parseWith } from "../core/validate/manifest.ts";
import { formatProblem } from "../core/validate/problem.ts";
import type { SiteInput, SubmissionSource } from "../core/site/model.ts";
import { forEachTreeFile, readTreeFiles, refExists, run } from "./git-batch.ts";
import { addDataFile, type DataState } from "./git-store.ts";
import {
  CHALLENGE_FILE,
  DATA_LIFECYCLE_DIR,
  DATA_REGISTRY_DIR,
  EMPTY_PARTICIPANTS,
  manifestPath,
  PARTICIPANTS_FILE,
} from "../core/layout.ts";

const git = async (dir: string, args: string[], input?: string) =>
  (await run(dir, args, input)).toString("utf8");

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

/**
 * Gathers everything the site shows from git: the default branch's history (submissions and when
 * each first appeared, file blobs for shared-code detection), PR heads named by run records
 * (submissions not merged yet, and git ancestry between them), and the data branch.
 */
export async function loadSiteInput(
  repoDir: string,
  o: { ref?: string; dataRef?: string; onProgress?: (s: string) => void } = {},
): Promise<SiteInput> {
  const ref = o.ref ?? "HEAD";
  const problems: SiteInput["problems"] = [];
  const progress = o.onProgress ?? (() => undefined);
  const main = await readTreeFiles(repoDir, ref, ["challenge", "submissions"]);
  const chText = main.get(CHALLENGE_FILE);
  if (!chText) throw new Error(`no ${CHALLENGE_FILE} at ${ref} in ${repoDir}`);
  const ch = parseChallenge(CHALLENGE_FILE, chText);
  if (!ch.value) throw new Error(ch.problems.map(formatProblem).join("\n"));
  const challenge = ch.value;
  const partsText = main.get(PARTICIPANTS_FILE) ?? EMPTY_PARTICIPANTS;
  const parts = parseWith(ParticipantsSchema, PARTICIPANTS_FILE, partsText);
  if (!parts.value) problems.push(...parts.problems.map((p) => ({ path: p.file, message: p.message })));
  progress(`read ${main.size} files from ${ref}`);

  // Data branch.
  const dataRef = o.dataRef ?? challenge.data_branch;
  const data: DataState = { runs: [], reservations: [], rulings: [], threads: [], problems };
  const resolved = (await refExists(repoDir, dataRef))
    ? dataRef
    : (await refExists(repoDir, `origin/${dataRef}`))
      ? `origin/${dataRef}`
      : undefined;
  if (resolved) {
    const count = await forEachTreeFile(
      repoDir,
      resolved,
      ["runs", "quota", "rulings", "board", DATA_LIFECYCLE_DIR, DATA_REGISTRY_DIR],
      (path, text) => addDataFile(data, path, text, `${dataRef}:${path}`),
    );
    const byPath = <T extends { id?: string; number?: number }>(xs: T[]) =>
      xs.sort((a, b) => String(a.id ?? a.number).localeCompare(String(b.id ?? b.number)));
    byPath(data.runs);
    byPath(data.reservations);
    byPath(data.rulings);
    data.threads.sort((a, b) => a.number - b.number);
    problems.sort((a, b) => a.path.localeCompare(b.path));
    progress(`read ${count} data files from ${resolved}`);
  }

  // Submissions on the default branch: first appearance from one log walk.
  const firstSeen = new Map<string, { commit: string; at: string }>();
  const log = await git(repoDir, [
    "log",
    ref,
    "--reverse",
    "--diff-filter=A",
    "--format=>%H %cI",
    "--name-only",
    "--",
    "submissions/",
  ]);
  let cur: { commit: string; at: string } | undefined;
  for (const line of log.split("\n")) {
    if (line.startsWith(">")) {
      const [commit, at] = line.slice(1).split(" ") as [string, string];
      cur = { commit, at: new Date(at).toISOString() };
    } else if (cur && /^submissions\/[^/]+\/submission\.yaml$/.test(line)) {
      const slug = line.split("/")[1]!;
      if (!firstSeen.has(slug)) firstSeen.set(slug, cur);
    }
  }
  const blobs = new Map<string, { path: string; blob: string }[]>();
  const tree = await git(repoDir, ["ls-tree", "-r", ref, "--", "submissions/"]);
  for (const line of tree.split("\n").filter(Boolean)) {
    const [meta, path] = line.split("\t") as [string, string];
    const m = /^submissions\/([^/]+)\/(.+)$/.exec(path);
    if (m) blobs.set(m[1]!, [...(blobs.get(m[1]!) ?? []), { path: m[2]!, blob: meta.split(" ")[2]! }]);
  }
  const headTime = new Date((await git(repoDir, ["log", "-1", "--format=%cI", ref])).trim()).toISOString();
  const submissions: SubmissionSource[] = [];
  const seen = new Set<string>();
  for (const [path, text] of main) {
    const m = /^submissions\/([^/]+)\/submission\.yaml$/.exec(path);
    if (!m) continue;
    const slug = m[1]!;
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
    seen.add(slug);
  }

  // Submissions that live in PRs: read them at the commit their runs recorded.
  const tips = new Map<string, string>();
  for (const r of data.runs) if (r.candidate.commit) tips.set(r.candidate.slug, r.candidate.commit);
  for (const [slug, commit] of tips) {
    if (seen.has(slug)) continue;
    const text = await git(repoDir, ["show", `${commit}:${manifestPath(slug)}`]).catch(() => undefined);
    if (text === undefined) {
      problems.push({
        path: `submissions/${slug}`,
        message: `its run names commit ${commit.slice(0, 10)}, which this clone does not have (fetch the PR heads: git fetch origin '+refs/pull/*/head:refs/pull/*')`,
      });
      continue;
    }
    const p = parseSubmission(manifestPath(slug), text);
    if (!p.value) continue;
    const added = (
      await git(repoDir, ["log", commit, "--diff-filter=A", "--format=%H %cI", "--", manifestPath(slug)])
    )
      .trim()
      .split("\n")
      .pop()!;
    const [fc, fat] = added.split(" ") as [string, string];
    const files = (await git(repoDir, ["ls-tree", "-r", commit, "--", `submissions/${slug}/`]))
      .split("\n")
      .filter(Boolean)
      .map((l) => ({
        path: l.split("\t")[1]!.replace(`submissions/${slug}/`, ""),
        blob: l.split(" ")[2]!.split("\t")[0]!,
      }));
    submissions.push({
      slug,
      manifest: p.value,
      firstCommit: fc,
      firstAt: new Date(fat).toISOString(),
      files,
    });
    seen.add(slug);
  }
  // Git ancestry: a PR branch that contains the commit adding another submission among its own
  // commits, i.e. after its fork point from the default branch's first-parent line (it was built
  // on the other PR's branch, not merely on a main that already had it).
  const ancestry: SiteInput["ancestry"] = [];
  const firstParentMain = new Set(
    (await git(repoDir, ["rev-list", "--first-parent", ref])).split("\n").filter(Boolean),
  );
  const addedBy = new Map(submissions.map((s) => [s.firstCommit, s.slug]));
  for (const [slug, commit] of tips) {
    const chain = (await git(repoDir, ["rev-list", "--first-parent", commit]).catch(() => ""))
      .split("\n")
      .filter(Boolean);
    const fork = chain.find((c) => firstParentMain.has(c));
    const own = (await git(repoDir, ["rev-list", commit, ...(fork ? [`^${fork}`] : [])]).catch(() => ""))
      .split("\n")
      .filter(Boolean);
    for (const c of own) {
      const other = addedBy.get(c);
      if (other && other !== slug) ancestry.push({ parent: other, child: slug });
    }
  }
  progress(`${submissions.length} submissions, ${data.runs.length} runs, ${data.threads.length} threads`);

  const kb: SiteInput["kb"] = [];
  for (const [path, text] of main) {
    if (!/^challenge\/kb\/.+\.md$/.test(path)) continue;
    kb.push({
      path,
      title: /^#\s+(.+)$/m.exec(text)?.[1]?.trim() ?? path.split("/").pop()!.replace(/\.md$/, ""),
      text,
    });
  }
  const rules =
    main.get("challenge/RULES.md") ??
    (await readFile(join(repoDir, "challenge/RULES.md"), "utf8").catch(() => "# Rules\n\nNo rules file."));
  return {
    challenge,
    rules,
    kb,
    participants: parts.value ?? { schema: 1, participants: [] },
    submissions,
    runs: data.runs,
    reservations: data.reservations,
    rulings: data.rulings,
    threads: data.threads,
    ancestry,
    problems,
  };
}
