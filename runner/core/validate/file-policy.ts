import { SLUG_PATTERN } from "../schema/common.ts";
import type { Problem } from "./problem.ts";

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

/**
 * The PR file policy: a pull request may add or change files only under one
 * `submissions/<slug>/` folder, with no symlinks and nothing too big. Returns the slug it touches.
 */
export function checkFilePolicy(
  entries: readonly FileEntry[],
  limits: FileLimits = DEFAULT_LIMITS,
): { problems: Problem[]; slugs: string[] } {
  const problems: Problem[] = [];
  const slugs = new Set<string>();
  let total = 0;
  let count = 0;
  for (const e of entries) {
    const paths = e.from && e.from !== e.path ? [e.from, e.path] : [e.path];
    let inside = true;
    for (const p of paths) {
      const m = /^submissions\/([^/]+)\/(.+)$/.exec(p);
      if (!m) {
        inside = false;
        problems.push({
          file: p,
          line: 0,
          col: 0,
          code: "outside-submission",
          message: `a submission PR may only touch files under submissions/<slug>/, but it ${e.status === "deleted" ? "deletes" : e.status === "added" ? "adds" : "changes"} \`${p}\``,
          fix: "move the change into your submission folder, or open a separate PR for the organizers",
        });
        continue;
      }
      const [, slug, rest] = m as unknown as [string, string, string];
      if (!SLUG_PATTERN.test(slug))
        problems.push({
          file: p,
          line: 0,
          col: 0,
          code: "bad-slug",
          message: `folder name \`${slug}\` is not a valid slug`,
          expected: "lowercase letters, digits and hyphens, 1-64 chars",
          fix: `submissions/${
            slug
              .toLowerCase()
              .replace(/[^a-z0-9-]+/g, "-")
              .replace(/^-+|-+$/g, "") || "my-submission"
          }/`,
        });
      if (rest.split("/").some((seg) => seg.startsWith(".")))
        problems.push({
          file: p,
          line: 0,
          col: 0,
          code: "hidden-file",
          message: `hidden files and folders are not allowed in a submission: \`${p}\``,
          fix: "rename it without the leading dot",
        });
      slugs.add(slug);
    }
    if (!inside || e.status === "deleted") continue;
    count++;
    total += e.size;
    if (e.kind === "symlink")
      problems.push({
        file: e.path,
        line: 0,
        col: 0,
        code: "symlink",
        message: `\`${e.path}\` is a symbolic link; submissions may only contain regular files`,
        fix: "replace the link with a copy of the file",
      });
    if (e.kind === "submodule")
      problems.push({
        file: e.path,
        line: 0,
        col: 0,
        code: "submodule",
        message: `\`${e.path}\` is a git submodule; submissions may only contain regular files`,
        fix: "vendor the files you need, or reference a pinned model/package instead",
      });
    if (e.binary && e.size > limits.maxBinaryBytes)
      problems.push({
        file: e.path,
        line: 0,
        col: 0,
        code: "binary-too-large",
        message: `binary file \`${e.path}\` is ${kib(e.size)}, over the ${kib(limits.maxBinaryBytes)} limit for binaries`,
        fix: "publish weights on a model hub and reference them with `model: { id, revision }`",
      });
    else if (e.size > limits.maxFileBytes)
      problems.push({
        file: e.path,
        line: 0,
        col: 0,
        code: "file-too-large",
        message: `\`${e.path}\` is ${kib(e.size)}, over the ${kib(limits.maxFileBytes)} per-file limit`,
        fix: "keep large artifacts out of git; generate them in a build step or host them elsewhere",
      });
  }
  if (slugs.size > 1)
    problems.push({
      file: "submissions/",
      line: 0,
      col: 0,
      code: "multiple-submissions",
      message: `one PR may add or change one submission, but this one touches ${[...slugs].sort().join(", ")}`,
      fix: "split it into one PR per submission",
    });
  if (total > limits.maxTotalBytes)
    problems.push({
      file: "submissions/",
      line: 0,
      col: 0,
      code: "submission-too-large",
      message: `the submission adds ${kib(total)} in all, over the ${kib(limits.maxTotalBytes)} limit`,
      fix: "remove generated or large files",
    });
  if (count > limits.maxFiles)
    problems.push({
      file: "submissions/",
      line: 0,
      col: 0,
      code: "too-many-files",
      message: `the submission has ${count} files, over the limit of ${limits.maxFiles}`,
      fix: "remove generated files",
    });
  return { problems, slugs: [...slugs].sort() };
}

/** Heuristic used by git and most tools: a NUL byte in the first 8000 bytes means binary. */
export function looksBinary(head: Uint8Array): boolean {
  const n = Math.min(head.length, 8000);
  for (let i = 0; i < n; i++) if (head[i] === 0) return true;
  return false;
}
