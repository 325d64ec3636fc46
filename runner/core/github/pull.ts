import { checkFilePolicy, type FileEntry } from "../validate/file-policy.ts";

/** A file of a pull request as GitHub lists it (the parts the bot reads). */
export interface PullFile {
  filename: string;
  status: string;
  previous_filename?: string;
}

/** The pull request facts a bot decision reads. */
export interface PullFacts {
  number: number;
  state: string;
  user: { id: number; login: string };
  headSha: string;
}

export type { Requester } from "./quota.ts";

/** A decision that refuses a command, with the reason the requester reads. */
export interface Refusal {
  kind: "refuse";
  reason: string;
}

export const refusal = (reason: string): Refusal => ({ kind: "refuse", reason });

/** GitHub's file status as the file policy's (modified counts as added: the bot only needs paths). */
function toFileEntry(f: PullFile): FileEntry {
  const status = f.status === "removed" ? "deleted" : f.status === "renamed" ? "renamed" : "added";
  return {
    path: f.filename,
    status,
    kind: "file",
    size: 0,
    binary: false,
    ...(f.previous_filename ? { from: f.previous_filename } : {}),
  };
}

/**
 * The one submission a PR adds, by the same file policy validation applies
 * (core/validate/file-policy), or why the PR cannot be benchmarked or ruled on.
 */
export function submissionSlugOfPr(files: readonly PullFile[]): { slug: string } | Refusal {
  const { problems, slugs } = checkFilePolicy(files.map(toFileEntry));
  const outside = problems.find((p) => p.code === "outside-submission");
  // Raw text: the refusal comment passes the whole reason through `inert` once.
  if (outside)
    return refusal(
      `this PR changes \`${outside.file.slice(0, 120)}\`, outside submissions/<slug>/; fix validation first`,
    );
  if (slugs.length !== 1)
    return refusal(`a benchmarkable PR adds exactly one submission folder, this one touches ${slugs.length}`);
  return { slug: slugs[0]! };
}
