import { SLUG_PATTERN } from "../schema/common.ts";
import type { Problem, ProblemCode } from "./problem.ts";

export interface FileEntry {
  path: string; // repository-relative, forward slashes
  status: "added" | "modified" | "deleted" | "renamed";
  kind: "file" | "symlink" | "submodule";
  size: number; // bytes; 0 for deletions
  binary: boolean;
  from?: string; // old path, for renames
}

export interface FileLimits {
  maxFileBytes: number;
  maxBinaryBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
}

/** Weights belong on a model hub, pinned by revision; git holds configs, scripts and kernels. */
export const DEFAULT_LIMITS: FileLimits = {
  maxFileBytes: 1024 * 1024,
  maxBinaryBytes: 256 * 1024,
  maxTotalBytes: 4 * 1024 * 1024,
  maxFiles: 200,
};

const kib = (n: number) => `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;

/** File-policy problems concern whole files: no line or column. */
function fileProblem(
  file: string,
  code: ProblemCode,
  message: string,
  fix: string,
  expected?: string,
): Problem {
  return { file, line: 0, col: 0, code, message, ...(expected ? { expected } : {}), fix };
}

const SUBMISSION_FILE = /^submissions\/([^/]+)\/(.+)$/;

const VERB = { deleted: "deletes", added: "adds", modified: "changes", renamed: "changes" } as const;

/** Rule: a path must lie inside `submissions/<slug>/`, under a valid slug, with no hidden parts. */
export function checkPath(path: string, status: FileEntry["status"]): { problems: Problem[]; slug?: string } {
  const m = SUBMISSION_FILE.exec(path);
  if (!m) {
    const message =
      "a submission PR may only touch files under submissions/<slug>/, " +
      `but it ${VERB[status]} \`${path}\``;
    const fix = "move the change into your submission folder, or open a separate PR for the organizers";
    return { problems: [fileProblem(path, "outside-submission", message, fix)] };
  }
  const slug = m[1]!;
  const rest = m[2]!;
  const problems: Problem[] = [];
  if (!SLUG_PATTERN.test(slug)) {
    const fixed = slug
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "");
    problems.push(
      fileProblem(
        path,
        "bad-slug",
        `folder name \`${slug}\` is not a valid slug`,
        `submissions/${fixed || "my-submission"}/`,
        "lowercase letters, digits and hyphens, 1-64 chars",
      ),
    );
  }
  if (rest.split("/").some((seg) => seg.startsWith(".")))
    problems.push(
      fileProblem(
        path,
        "hidden-file",
        `hidden files and folders are not allowed in a submission: \`${path}\``,
        "rename it without the leading dot",
      ),
    );
  return { problems, slug };
}

/** Rule: what a submission file may be: a regular file, within the size limits. */
export function checkEntryKind(e: FileEntry, limits: FileLimits): Problem[] {
  const problems: Problem[] = [];
  if (e.kind === "symlink")
    problems.push(
      fileProblem(
        e.path,
        "symlink",
        `\`${e.path}\` is a symbolic link; submissions may only contain regular files`,
        "replace the link with a copy of the file",
      ),
    );
  if (e.kind === "submodule")
    problems.push(
      fileProblem(
        e.path,
        "submodule",
        `\`${e.path}\` is a git submodule; submissions may only contain regular files`,
        "vendor the files you need, or reference a pinned model/package instead",
      ),
    );
  const size = kib(e.size);
  if (e.binary && e.size > limits.maxBinaryBytes)
    problems.push(
      fileProblem(
        e.path,
        "binary-too-large",
        `binary file \`${e.path}\` is ${size}, over the ${kib(limits.maxBinaryBytes)} limit for binaries`,
        "publish weights on a model hub and reference them with `model: { id, revision }`",
      ),
    );
  else if (e.size > limits.maxFileBytes)
    problems.push(
      fileProblem(
        e.path,
        "file-too-large",
        `\`${e.path}\` is ${size}, over the ${kib(limits.maxFileBytes)} per-file limit`,
        "keep large artifacts out of git; generate them in a build step or host them elsewhere",
      ),
    );
  return problems;
}

/** Rule: one submission per PR, and the whole of it within the total size and file count. */
export function checkTotals(
  slugs: readonly string[],
  totals: { bytes: number; files: number },
  limits: FileLimits,
): Problem[] {
  const problems: Problem[] = [];
  const where = "submissions/";
  if (slugs.length > 1) {
    const message = `one PR may add or change one submission, but this one touches ${slugs.join(", ")}`;
    problems.push(fileProblem(where, "multiple-submissions", message, "split it into one PR per submission"));
  }
  if (totals.bytes > limits.maxTotalBytes) {
    const message = `the submission adds ${kib(totals.bytes)} in all, over the ${kib(limits.maxTotalBytes)} limit`;
    problems.push(fileProblem(where, "submission-too-large", message, "remove generated or large files"));
  }
  if (totals.files > limits.maxFiles) {
    const message = `the submission has ${totals.files} files, over the limit of ${limits.maxFiles}`;
    problems.push(fileProblem(where, "too-many-files", message, "remove generated files"));
  }
  return problems;
}

/**
 * The PR file policy: a pull request may add or change files only under one
 * `submissions/<slug>/` folder, with no symlinks and nothing too big. Returns the slugs it touches.
 */
export function checkFilePolicy(
  entries: readonly FileEntry[],
  limits: FileLimits = DEFAULT_LIMITS,
): { problems: Problem[]; slugs: string[] } {
  const problems: Problem[] = [];
  const slugs = new Set<string>();
  const totals = { bytes: 0, files: 0 };
  for (const e of entries) {
    const paths = e.from && e.from !== e.path ? [e.from, e.path] : [e.path];
    const checked = paths.map((p) => checkPath(p, e.status));
    for (const c of checked) {
      problems.push(...c.problems);
      if (c.slug !== undefined) slugs.add(c.slug);
    }
    const inside = checked.every((c) => c.slug !== undefined);
    if (!inside || e.status === "deleted") continue;
    totals.files++;
    totals.bytes += e.size;
    problems.push(...checkEntryKind(e, limits));
  }
  const sorted = [...slugs].sort();
  problems.push(...checkTotals(sorted, totals, limits));
  return { problems, slugs: sorted };
}

/** Heuristic used by git and most tools: a NUL byte in the first 8000 bytes means binary. */
export function looksBinary(head: Uint8Array): boolean {
  const n = Math.min(head.length, 8000);
  for (let i = 0; i < n; i++) if (head[i] === 0) return true;
  return false;
}
