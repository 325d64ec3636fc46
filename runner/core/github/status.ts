import type { GhComment } from "../../ports.ts";
import { parseHiddenJson } from "./comment-text.ts";

/**
 * Where a pull request stands, read from the bot's own comments' JSON twins (what an agent sees
 * through the GitHub API): validation, the queue, and each run's verdict. Only comments authored by
 * the bot count, so a participant cannot fake a verdict by pasting a twin into a comment. Pure.
 */

export type Stage = "not-validated" | "invalid" | "valid" | "refused" | "queued" | "verdict";

export interface PrStatus {
  version: 1;
  pr: number;
  stage: Stage;
  validation?: { ok: boolean; problems: number };
  /** The newest run requested on this PR. */
  run?: { id: string; slug: string; against: string; queue?: { position: number; eta?: string } };
  /** The verdict twin of that run, when it has landed. */
  verdict?: Record<string, unknown>;
  refusal?: string;
}

const twin = (c: GhComment, kind: string): Record<string, unknown> | undefined => {
  try {
    const v = parseHiddenJson(c.body, kind);
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

function validationOf(own: GhComment[]): PrStatus["validation"] {
  const v = own.map((c) => twin(c, "validate")).findLast(Boolean);
  if (!v) return undefined;
  const problems = Array.isArray(v.problems) ? v.problems.length : 0;
  return { ok: v.ok === true, problems };
}

function runOf(own: GhComment[]): PrStatus["run"] {
  const q = own.map((c) => twin(c, "queued")).findLast(Boolean);
  if (!q || typeof q.runId !== "string") return undefined;
  const queue = q.queue as { position: number; eta?: string } | undefined;
  return { id: q.runId, slug: String(q.slug), against: String(q.against), ...(queue ? { queue } : {}) };
}

/**
 * Where a PR stands, from the bot's own twins. A refusal counts only when it answered `requester`
 * (the PR's author by default, see flows/status.ts): anyone's malformed `/bench` on the PR is
 * their refusal, not the author's. Without `requester`, every refusal counts.
 */
export function prStatus(
  pr: number,
  comments: readonly GhComment[],
  botLogin: string,
  requester?: string,
): PrStatus {
  const own = comments.filter((c) => c.user?.login === botLogin);
  const validation = validationOf(own);
  const run = runOf(own);
  const verdict = run ? own.map((c) => twin(c, "verdict")).findLast((v) => v?.id === run.id) : undefined;
  const refused = own
    .map((c) => twin(c, "refused"))
    .findLast(
      (t) =>
        t !== undefined &&
        (requester === undefined ||
          (typeof t.requester === "string" && t.requester.toLowerCase() === requester.toLowerCase())),
    );
  const stage: Stage = verdict
    ? "verdict"
    : run
      ? "queued"
      : refused
        ? "refused"
        : validation
          ? validation.ok
            ? "valid"
            : "invalid"
          : "not-validated";
  return {
    version: 1,
    pr,
    stage,
    ...(validation ? { validation } : {}),
    ...(run ? { run } : {}),
    ...(verdict ? { verdict } : {}),
    ...(stage === "refused" && typeof refused?.reason === "string" ? { refusal: refused.reason } : {}),
  };
}
