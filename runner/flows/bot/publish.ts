import { marker, renderRejectedComment, renderVerdictComment } from "../../core/github/comment.ts";
import { decidePublish, type PublishPins } from "../../core/github/publish.ts";
import { DEFAULT_PUBLIC_REFERENCE, dataPath } from "../../core/layout.ts";
import { parsePrompts } from "../../core/prompts.ts";
import type { Challenge } from "../../core/schema/challenge.ts";
import { corpusPerplexity } from "../../core/verify.ts";
import type { RepoFiles } from "../../ports.ts";
import { parseReference } from "../reference.ts";
import { decideSuspension } from "../../core/runners.ts";
import { reverificationNotice, SCHEDULER } from "../../core/github/scheduled.ts";
import type { Broadcast } from "../../core/schema/data.ts";
import type { RunRecord } from "../../core/schema/run-record.ts";
import { upsertComment } from "./comments.ts";
import { recordWrite, type FlowContext, type Outcome } from "./context.ts";

/** What the publish job hands over: the run it claims and the runner's JSON, as text. */
export interface PublishRequest {
  runId: string;
  resultText: string;
  logUrl?: string;
  /** A matrix run: the gather job's result, whose launches the verify job's result must carry. */
  gatheredText?: string;
}

/**
 * A re-verification that did not hold is posted on the board: a comment on the challenge's
 * `reverify_issue` (else on the result's PR, itself a board thread), recorded as a broadcast by the
 * bot so the board and every inbox show it.
 */
async function announceReverification(ctx: FlowContext, record: RunRecord, pr: number): Promise<void> {
  const text = reverificationNotice(record);
  if (!text) return;
  const issue = ctx.challenge.verification.reverify_issue ?? pr;
  const commentId = await ctx.api.createComment(issue, `🔁 ${text}`);
  const at = ctx.now().toISOString();
  const broadcast: Broadcast = {
    version: 1,
    id: `${at.replace(/[:.]/g, "-")}-reverify-${record.id}`,
    at,
    by: SCHEDULER,
    issue,
    commentId,
    text,
  };
  await ctx.store.transact(`reverify: ${record.candidate.slug} announced`, () => ({
    writes: [recordWrite(dataPath.broadcast(broadcast.id), broadcast)],
    result: null,
  }));
}

/**
 * The privileged half of evaluation: the decision (core/github/publish.ts) accepts the runner's
 * JSON only if it belongs to its reservation and its verdict follows from its samples; then the
 * record is written to the data branch and the verdict comment updated in place.
 */
export async function publishResult(ctx: FlowContext, o: PublishRequest): Promise<Outcome> {
  const state = await ctx.store.read();
  // One result per dispatched run: a second publish of the same reservation (a re-run, or a forged
  // result) neither replaces the record (best of N) nor touches its verdict comment.
  if (state.runs.some((r) => r.id === o.runId))
    return { kind: "refused", why: `run ${o.runId} already has a published result` };
  const decision = decidePublish({
    runId: o.runId,
    resultText: o.resultText,
    reservation: state.reservations.find((r) => r.id === o.runId),
    challenge: ctx.challenge,
    now: ctx.now().toISOString(),
    ...(ctx.publishPins ? { pins: ctx.publishPins } : {}),
    ...(o.gatheredText !== undefined ? { gatheredText: o.gatheredText } : {}),
  });
  if (decision.kind === "unknown-run") return { kind: "refused", why: decision.reason };
  const { pr } = decision.reservation;
  if (decision.kind === "reject") {
    const body = renderRejectedComment(o.runId, decision.reason);
    await upsertComment(ctx, pr, marker("verdict", o.runId), body);
    return { kind: "refused", why: decision.reason };
  }
  const { record, reservation } = decision;
  const headline = `run ${record.id}: ${record.candidate.slug} ${record.comparison?.verdict ?? record.status}`;
  // An A/A run may show its runner drifting: the suspension is written with the record, in one commit.
  // Each machine of the run is judged alone; the whole pool is never suspended.
  const decided = await ctx.store.transact(headline, (now) => {
    const d = decideSuspension(now.runs, now.runnerSteps ?? [], record, ctx.now());
    const writes = [recordWrite(dataPath.run(record.id), record)];
    for (const step of d.steps) writes.push(recordWrite(dataPath.runnerStep(step.id), step));
    return { writes, result: d };
  });
  for (const s of decided.steps) ctx.log?.(`machine ${s.runner} suspended: ${s.reason}`);
  if (decided.flag) ctx.log?.(`organizers: ${decided.flag}`);
  // A daily A/A run says nothing on the leader's PR: its record feeds the runners page.
  if (reservation.purpose !== "calibration") {
    const body = renderVerdictComment(record, {
      author: reservation.author,
      requester: reservation.requester.login,
      ...(o.logUrl ? { logUrl: o.logUrl } : {}),
    });
    await upsertComment(ctx, pr, marker("verdict", record.id), body);
  }
  if (reservation.purpose === "reverification") await announceReverification(ctx, record, pr);
  return {
    kind: "published",
    record,
    ...(decided.steps.length ? { suspended: decided.steps } : {}),
    ...(decided.flag ? { flag: decided.flag } : {}),
  };
}

/**
 * What main's checkout pins a run to: the public prompt count and the pooled perplexity of their
 * reference outputs (when the reference is committed; an embedded challenge may make it on the
 * runner, and then only `reference.ppl_public` pins it). A file that does not parse pins nothing.
 */
export async function publishPinsFrom(main: RepoFiles, challenge: Challenge): Promise<PublishPins> {
  const promptsText = await main.read(challenge.metric.prompts);
  if (promptsText === undefined) return {};
  const { prompts, problems } = parsePrompts(challenge.metric.prompts, promptsText, challenge.engine.kind);
  if (problems.length) return {};
  const referencePath = challenge.verification.reference.outputs ?? DEFAULT_PUBLIC_REFERENCE;
  const referenceText = await main.read(referencePath);
  if (referenceText === undefined) return { prompts: prompts.length };
  let reference;
  try {
    reference = parseReference(referencePath, referenceText);
  } catch {
    return { prompts: prompts.length };
  }
  const lines = reference;
  const used = prompts.flatMap((p) => lines.get(p.id) ?? []);
  // Each prompt's own term, so a grouped run over some of the prompts is pinned to theirs.
  const terms = prompts.map((p) => {
    const line = lines.get(p.id);
    return line ? { nll: line.nll, n: line.n } : null;
  });
  return {
    prompts: prompts.length,
    ...(used.length ? { referencePpl: corpusPerplexity(used), referenceTerms: terms } : {}),
  };
}
