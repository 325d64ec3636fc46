import { z } from "zod";
import type { DataStore } from "../adapters/git-store.ts";
import { dataPath } from "../adapters/git-store.ts";
import { upsertComment, type GitHubApi } from "../adapters/github/api.ts";
import { parseCommand } from "../core/github/commands.ts";
import {
  inert,
  marker,
  renderQueuedComment,
  renderRefusal,
  renderValidationComment,
  renderVerdictComment,
  hiddenJson,
} from "../core/github/comment.ts";
import { authorize, quotaState } from "../core/github/quota.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import type { Participants, Reservation, Ruling, Thread } from "../core/schema/data.ts";
import { parseRunRecord, type RunRecord } from "../core/schema/run-record.ts";
import { currentLeader } from "../core/standings.ts";
import { compare } from "../core/stats/compare.ts";
import { checkFilePolicy } from "../core/validate/file-policy.ts";
import type { Problem } from "../core/validate/problem.ts";

export interface FlowContext {
  api: GitHubApi;
  store: DataStore;
  challenge: Challenge;
  participants: Participants;
  now(): Date;
  /** Branch whose workflow and runner code evaluate runs: always the default branch. */
  ref: string;
  evaluateWorkflow: string;
  /** Slugs that exist on the default branch (possible incumbents besides PR submissions with runs). */
  knownSlugs: string[];
  log?(line: string): void;
}

/** The parts of an `issue_comment` webhook payload the bot reads, validated. */
export const IssueCommentEvent = z
  .object({
    action: z.string(),
    issue: z
      .object({
        number: z.number().int().positive(),
        pull_request: z.object({ url: z.string() }).passthrough().optional(),
        user: z.object({ id: z.number(), login: z.string() }).passthrough(),
      })
      .passthrough(),
    comment: z
      .object({
        id: z.number().int(),
        body: z.string().nullable(),
        user: z
          .object({ id: z.number().int(), login: z.string(), type: z.string().optional() })
          .passthrough(),
        author_association: z.string().optional(),
      })
      .passthrough(),
  })
  .passthrough();

export type Outcome =
  | { kind: "ignored"; why: string }
  | { kind: "refused"; why: string }
  | { kind: "dispatched"; reservation: Reservation }
  | { kind: "ruled"; ruling: Ruling }
  | { kind: "published"; record: RunRecord }
  | { kind: "mirrored"; threads: number[] };

/** The one submission a PR adds, by the same file policy validation applies (core/validate/file-policy). */
async function submissionSlugOfPr(api: GitHubApi, pr: number): Promise<string | { error: string }> {
  const files = await api.listPullFiles(pr);
  const { problems, slugs } = checkFilePolicy(
    files.map((f) => ({
      path: f.filename,
      status: f.status === "removed" ? "deleted" : f.status === "renamed" ? "renamed" : "added",
      kind: "file",
      size: 0,
      binary: false,
      ...(f.previous_filename ? { from: f.previous_filename } : {}),
    })),
  );
  const outside = problems.find((p) => p.code === "outside-submission");
  if (outside)
    return {
      error: `this PR changes \`${inert(outside.file, 120)}\`, outside submissions/<slug>/; fix validation first`,
    };
  if (slugs.length !== 1)
    return {
      error: `a benchmarkable PR adds exactly one submission folder, this one touches ${slugs.length}`,
    };
  return slugs[0]!;
}

export async function handleIssueComment(ctx: FlowContext, raw: unknown): Promise<Outcome> {
  const ev = IssueCommentEvent.safeParse(raw);
  if (!ev.success)
    return { kind: "ignored", why: `not an issue_comment payload: ${ev.error.issues[0]?.message}` };
  const e = ev.data;
  if (e.action !== "created") return { kind: "ignored", why: `action ${e.action}` };
  if (e.comment.user.type === "Bot") return { kind: "ignored", why: "comment by a bot" };
  const cmd = parseCommand(e.comment.body ?? "");
  if (!cmd) return { kind: "ignored", why: "not a command" };
  const n = e.issue.number;
  const requester = { id: e.comment.user.id, login: e.comment.user.login };
  const refuse = async (why: string): Promise<Outcome> => {
    await ctx.api.createComment(
      n,
      renderRefusal(requester.login, why) +
        "\n" +
        hiddenJson("refused", { version: 1, requester: requester.login, reason: why }),
    );
    await ctx.api.react(e.comment.id, "confused").catch(() => undefined);
    return { kind: "refused", why };
  };
  if (cmd.kind === "error") return refuse(cmd.message);
  if (!e.issue.pull_request) return refuse(`\`/${cmd.kind}\` works on pull requests only.`);

  if (cmd.kind === "rule") {
    const assoc = e.comment.author_association ?? "NONE";
    const pinned = ctx.participants.participants.find((p) => p.login === requester.login);
    const isOrganizer =
      ctx.challenge.organizers.includes(requester.login) &&
      ["OWNER", "MEMBER", "COLLABORATOR"].includes(assoc) &&
      (!pinned || pinned.id === requester.id);
    if (!isOrganizer) return refuse("only the challenge's organizers can rule on submissions.");
    const slug = await submissionSlugOfPr(ctx.api, n);
    if (typeof slug !== "string") return refuse(slug.error);
    const at = ctx.now().toISOString();
    const ruling: Ruling = {
      version: 1,
      id: `${at.replace(/[:.]/g, "-")}-${slug}-${e.comment.id}`,
      at,
      slug,
      pr: n,
      decision: cmd.decision,
      reason: cmd.reason,
      by: requester,
    };
    await ctx.store.transact(`rule ${slug} ${cmd.decision}`, () => ({
      writes: [{ path: dataPath.ruling(ruling.id), content: JSON.stringify(ruling, null, 2) + "\n" }],
      result: null,
    }));
    await upsertComment(
      ctx.api,
      n,
      marker("ruling", slug),
      [
        marker("ruling", slug),
        `⚖️ **Ruling by @${requester.login}: \`${slug}\` is ${cmd.decision.toUpperCase()}**${cmd.reason ? ` — ${inert(cmd.reason, 2000)}` : ""}`,
        hiddenJson("ruling", ruling),
      ].join("\n"),
    );
    return { kind: "ruled", ruling };
  }

  // /bench
  const pr = await ctx.api.getPull(n);
  if (pr.state !== "open") return refuse("this pull request is closed.");
  const slug = await submissionSlugOfPr(ctx.api, n);
  if (typeof slug !== "string") return refuse(slug.error);
  const auth = authorize(ctx.challenge, ctx.participants, requester, pr.user.id);
  if (!auth.ok) return refuse(auth.reason);
  const id = `${ctx.now().toISOString().slice(0, 10)}-pr${n}-c${e.comment.id}`;
  type Decision =
    { ok: true; reservation: Reservation; quota: ReturnType<typeof quotaState> } | { ok: false; why: string };
  const result = await ctx.store.transact<Decision>(
    `quota: ${requester.login} runs ${slug} (#${n})`,
    (state) => {
      const existing = state.reservations.find((r) => r.id === id);
      if (existing)
        return {
          writes: [],
          result: {
            ok: true as const,
            reservation: existing,
            quota: quotaState(
              ctx.challenge,
              state.reservations.filter((r) => r.id !== id),
              requester,
              auth.owner,
              ctx.now(),
              auth.organizer,
            ),
          },
        };
      // Default opponent: the leader; a PR that leads is checked against whoever led before it.
      const lead = currentLeader(ctx.challenge, state.runs, state.rulings);
      const previous =
        lead.history.length > 1 ? lead.history[lead.history.length - 2]!.slug : ctx.challenge.baseline;
      const against = cmd.against ?? (lead.slug !== slug ? lead.slug : previous);
      const known = new Set([...ctx.knownSlugs, ...state.runs.map((r) => r.candidate.slug)]);
      if (!known.has(against))
        return {
          writes: [],
          result: {
            ok: false as const,
            why: `\`${against}\` is not a submission with a recorded run or on the default branch`,
          },
        };
      if (against === slug)
        return {
          writes: [],
          result: {
            ok: false as const,
            why: "a submission cannot be benchmarked against itself here (A/A runs are for organizers' runner health checks)",
          },
        };
      const q = quotaState(
        ctx.challenge,
        state.reservations,
        requester,
        auth.owner,
        ctx.now(),
        auth.organizer,
      );
      if (!q.ok) return { writes: [], result: { ok: false as const, why: q.reason! } };
      const reservation: Reservation = {
        version: 1,
        id,
        at: ctx.now().toISOString(),
        requester,
        owner: auth.owner,
        pr: n,
        author: pr.user.login,
        slug,
        sha: pr.headSha,
        against,
        ...(cmd.blocks ? { blocks: cmd.blocks } : {}),
        organizer: auth.organizer,
      };
      return {
        writes: [{ path: dataPath.reservation(id), content: JSON.stringify(reservation, null, 2) + "\n" }],
        result: { ok: true as const, reservation, quota: q },
      };
    },
  );
  if (!result.ok) return refuse(result.why);
  const r = result.reservation;
  const inputs: Record<string, string> = {
    run_id: r.id,
    pr: String(n),
    sha: r.sha,
    slug: r.slug,
    against: r.against,
    blocks: String(r.blocks ?? 0),
  };
  await ctx.api.dispatch(ctx.evaluateWorkflow, ctx.ref, inputs);
  await ctx.api.createComment(
    n,
    renderQueuedComment({
      pr: n,
      requester: requester.login,
      author: pr.user.login,
      slug: r.slug,
      against: r.against,
      sha: r.sha,
      quota: result.quota,
      runId: r.id,
      pooled: auth.pooled,
      organizer: auth.organizer,
    }),
  );
  await ctx.api.react(e.comment.id, "rocket").catch(() => undefined);
  return { kind: "dispatched", reservation: r };
}

/**
 * The privileged half of evaluation: accept the runner's small JSON only if it validates strictly,
 * belongs to the reservation it claims, and its verdict follows from its own samples (recomputed
 * here with the statistics core); then record it and comment.
 */
export async function publishResult(
  ctx: FlowContext,
  o: { runId: string; resultText: string; logUrl?: string },
): Promise<Outcome> {
  const parsed = parseRunRecord(o.resultText);
  const state = await ctx.store.read();
  const reservation = state.reservations.find((r) => r.id === o.runId);
  if (!reservation)
    return {
      kind: "refused",
      why: `no reservation ${o.runId}: results are accepted only for dispatched runs`,
    };
  const fail = async (why: string): Promise<Outcome> => {
    await upsertComment(
      ctx.api,
      reservation.pr,
      marker("verdict", o.runId),
      `${marker("verdict", o.runId)}\n⚠️ The result of run \`${o.runId}\` was rejected: ${inert(why)}. It still counts against quota.\n${hiddenJson("verdict", { version: 1, id: o.runId, status: "rejected", reason: why })}`,
    );
    return { kind: "refused", why };
  };
  if (!parsed.record) {
    // A runner that failed before benchmarking (SHA moved, fetch failed) writes only {status, reason}.
    let early: { status?: unknown; reason?: unknown } | undefined;
    try {
      early = JSON.parse(o.resultText) as { status?: unknown; reason?: unknown };
    } catch {
      early = undefined;
    }
    if (early?.status === "error" && typeof early.reason === "string")
      return fail(`the runner reported an error before benchmarking: ${early.reason.slice(0, 300)}`);
    return fail(parsed.error!);
  }
  const rec = parsed.record;
  if (
    rec.id !== o.runId ||
    rec.candidate.slug !== reservation.slug ||
    (rec.candidate.commit !== undefined && rec.candidate.commit !== reservation.sha) ||
    rec.incumbent.slug !== reservation.against ||
    rec.challenge !== ctx.challenge.id
  )
    return fail(
      "the result does not belong to this run (id, slugs, commit or challenge differ from the reservation)",
    );
  let record: RunRecord = {
    ...rec,
    pr: reservation.pr,
    credited: reservation.author,
    requester: reservation.requester,
    candidate: { slug: reservation.slug, commit: reservation.sha },
  };
  if (record.status !== "error" && record.launches.length) {
    const c = compare(
      record.launches.map((l) => ({
        arm: l.arm,
        launch: `${l.block}-${l.arm}`,
        block: l.block,
        runs: l.runs,
      })),
      {
        alpha: ctx.challenge.significance.alpha,
        minEffect: ctx.challenge.significance.min_effect,
        looks: record.design.looks,
        seed: record.design.seed,
        bootstrapReps: 0,
      },
    );
    if (record.comparison && record.comparison.verdict !== c.verdict)
      return fail(
        `the reported verdict (${record.comparison.verdict}) does not follow from the reported samples (${c.verdict})`,
      );
    if (record.comparison)
      record = {
        ...record,
        comparison: { ...record.comparison, estimate: c.estimate, ci: c.ci, verdict: c.verdict },
      };
  }
  await ctx.store.transact(
    `run ${record.id}: ${record.candidate.slug} ${record.comparison?.verdict ?? record.status}`,
    () => ({
      writes: [{ path: dataPath.run(record.id), content: JSON.stringify(record, null, 2) + "\n" }],
      result: null,
    }),
  );
  await upsertComment(
    ctx.api,
    reservation.pr,
    marker("verdict", record.id),
    renderVerdictComment(record, {
      author: reservation.author,
      requester: reservation.requester.login,
      ...(o.logUrl ? { logUrl: o.logUrl } : {}),
    }),
  );
  return { kind: "published", record };
}

/** Mirrors issue threads (all of them, or the given numbers) into the data branch for the site. */
export async function mirrorThreads(ctx: FlowContext, numbers?: number[]): Promise<Outcome> {
  const issues = numbers
    ? await Promise.all(numbers.map((n) => ctx.api.getIssue(n)))
    : await ctx.api.listIssues();
  const threads: Thread[] = [];
  for (const i of issues) {
    const comments = i.comments ? await ctx.api.listComments(i.number) : [];
    threads.push({
      version: 1,
      number: i.number,
      title: i.title,
      author: i.user?.login ?? "ghost",
      state: i.state,
      labels: i.labels,
      body: i.body,
      createdAt: i.created_at,
      updatedAt: i.updated_at,
      isPullRequest: i.isPullRequest,
      reactions: i.reactions,
      comments: comments.map((c) => ({
        id: c.id,
        author: c.user?.login ?? "ghost",
        body: c.body,
        createdAt: c.created_at,
        updatedAt: c.updated_at,
        reactions: c.reactions,
      })),
    });
  }
  await ctx.store.transact(`board: mirror ${threads.length} thread(s)`, () => ({
    writes: threads.map((t) => ({
      path: dataPath.thread(t.number),
      content: JSON.stringify(t, null, 2) + "\n",
    })),
    result: null,
  }));
  return { kind: "mirrored", threads: threads.map((t) => t.number) };
}

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

/** workflow_run half of validation: posts the report from the unprivileged job, never its code. */
export async function postValidation(
  ctx: FlowContext,
  o: { pr: number; sha: string; reportText: string },
): Promise<Outcome> {
  if (o.reportText.length > 512 * 1024) return { kind: "refused", why: "validation report too large" };
  const r = ValidationReportSchema.safeParse(JSON.parse(o.reportText));
  if (!r.success)
    return {
      kind: "refused",
      why: `validation report does not match its schema: ${r.error.issues[0]?.message}`,
    };
  await upsertComment(
    ctx.api,
    o.pr,
    marker("validate", o.pr),
    renderValidationComment(o.pr, r.data.problems as Problem[], o.sha),
  );
  return { kind: "ignored", why: r.data.ok ? "valid" : "problems reported" };
}
