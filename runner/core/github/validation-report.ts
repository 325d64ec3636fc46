import { z } from "zod";
import type { Problem } from "../validate/problem.ts";

/** Largest report the unprivileged validation job may hand the bot. */
export const MAX_REPORT_BYTES = 512 * 1024;

/** The report `velodrome validate --json` writes, bounded so an untrusted job cannot flood a comment. */
export const ValidationReportSchema = z.strictObject({
  version: z.literal(1),
  ok: z.boolean(),
  checked: z.array(z.string().max(100)).max(10),
  problems: z
    .array(
      z
        .object({
          file: z.string().max(500),
          line: z.number().int().min(0),
          col: z.number().int().min(0),
          code: z.string().max(60),
          message: z.string().max(2000),
          expected: z.string().max(2000).optional(),
          fix: z.string().max(2000).optional(),
        })
        .passthrough(),
    )
    .max(500),
});

export type ValidationDecision =
  { kind: "refuse"; reason: string } | { kind: "post"; ok: boolean; problems: Problem[] };

export type PullMatch = { kind: "found"; pr: number } | { kind: "refuse"; reason: string };

/**
 * Which open PR a validation run belongs to, from what GitHub itself says of the run (its head
 * commit and head repository), never from the unprivileged job's artifact: a poisoned report that
 * names another PR or a plain issue has no say. Exactly one open PR must carry that head. Pure.
 */
export function findPullForRun(
  pulls: { number: number; headSha: string; headRepo: string | null }[],
  run: { headSha: string; headRepo?: string | undefined },
): PullMatch {
  if (!/^[0-9a-f]{40}$/.test(run.headSha))
    return { kind: "refuse", reason: "the workflow run's head SHA is not a full commit SHA" };
  const hits = pulls.filter(
    (p) => p.headSha === run.headSha && (run.headRepo === undefined || p.headRepo === run.headRepo),
  );
  if (hits.length === 1) return { kind: "found", pr: hits[0]!.number };
  const why = hits.length ? `${hits.length} open pull requests have` : "no open pull request has";
  return { kind: "refuse", reason: `${why} head ${run.headSha.slice(0, 7)}: nothing to comment on` };
}

/** Decides whether a validation report (text from an unprivileged job) may be posted. Pure. */
export function decideValidationComment(reportText: string): ValidationDecision {
  if (reportText.length > MAX_REPORT_BYTES) return { kind: "refuse", reason: "validation report too large" };
  let json: unknown;
  try {
    json = JSON.parse(reportText);
  } catch (e) {
    return { kind: "refuse", reason: `validation report is not JSON: ${(e as Error).message}` };
  }
  const r = ValidationReportSchema.safeParse(json);
  if (!r.success)
    return {
      kind: "refuse",
      reason: `validation report does not match its schema: ${r.error.issues[0]?.message}`,
    };
  return { kind: "post", ok: r.data.ok, problems: r.data.problems as Problem[] };
}
