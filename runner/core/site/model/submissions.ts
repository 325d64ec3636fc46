import { verdictPhrase } from "../../versus.ts";
import type { LifecycleEvent, Ruling, Thread } from "../../schema/data.ts";
import type { RunRecord } from "../../schema/run-record.ts";
import type { Entry } from "../../standings.ts";
import { pushTo } from "../collect.ts";
import type { HistoryItem, SubmissionSource, SubmissionView } from "./types.ts";

/** Runs indexed once (per-submission scans would be quadratic at 10,000 submissions). */
export interface RunIndex {
  /** Every run, oldest first (ties by id), so "latest" is always `.at(-1)`. */
  runs: RunRecord[];
  /** Runs by candidate slug. */
  byCandidate: Map<string, RunRecord[]>;
  /** Non-error runs by incumbent slug: the baseline's speed when it never ran as a candidate. */
  byIncumbent: Map<string, RunRecord[]>;
  byId: Map<string, RunRecord>;
}

export function indexRuns(input: readonly RunRecord[]): RunIndex {
  const runs = [...input].sort(
    (a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.id.localeCompare(b.id),
  );
  const byCandidate = new Map<string, RunRecord[]>();
  const byIncumbent = new Map<string, RunRecord[]>();
  for (const r of runs) {
    pushTo(byCandidate, r.candidate.slug, r);
    if (r.status !== "error") pushTo(byIncumbent, r.incumbent.slug, r);
  }
  return { runs, byCandidate, byIncumbent, byId: new Map(runs.map((r) => [r.id, r])) };
}

/** Submissions in arrival order (ties by slug). */
export function sortSources(subs: readonly SubmissionSource[]): SubmissionSource[] {
  return [...subs].sort((a, b) => a.firstAt.localeCompare(b.firstAt) || a.slug.localeCompare(b.slug));
}

/** Threads that mention each slug: each thread's words are scanned once against the set of slugs. */
export function threadsMentioning(threads: readonly Thread[], known: Set<string>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const word = /[a-z0-9][a-z0-9-]*[a-z0-9]|[a-z0-9]/g;
  for (const t of threads) {
    // Text by text, word by word: no joined copy of the thread and no array of all its words.
    const found = new Set<string>();
    for (const text of [t.title, t.body, ...t.comments.map((c) => c.body)])
      for (const m of text.matchAll(word)) if (known.has(m[0])) found.add(m[0]);
    for (const s of found) pushTo(out, s, t.number);
  }
  return out;
}

export interface SubmissionContext {
  runs: RunIndex;
  /** Standing and best estimate per slug, as decideStandings judged them. */
  entries: Map<string, Entry>;
  rulings: readonly Ruling[];
  threads: readonly Thread[];
  lifecycle: readonly LifecycleEvent[];
  /** Ids of the bot's daily re-verification runs (from their reservations), named as such in history. */
  reverifications?: ReadonlySet<string>;
}

/** How a run's private-set confirmation reads in history (re-verifications say what it did to the standing). */
function confirmationWords(r: RunRecord, reverification: boolean): string {
  if (r.confirmation.status === "failed")
    return reverification
      ? "; private-set re-run failed: marked unconfirmed"
      : "; private-set confirmation failed";
  if (reverification && r.confirmation.status === "confirmed") return "; private-set re-run confirmed";
  return "";
}

/** What a run says in a history line: its verdict against the incumbent, or its status. */
function runStep(r: RunRecord, reverification = false): HistoryItem {
  const verdict = r.comparison ? verdictPhrase(r.comparison.verdict, r.incumbent.slug) : r.status;
  const what = reverification ? `daily re-verification ${r.id}` : `run ${r.id}`;
  return {
    kind: "run",
    at: r.finishedAt,
    ref: r.id,
    status: r.status,
    by: r.requester?.login ?? null,
    text: `${what}: ${verdict}${confirmationWords(r, reverification)}`,
  };
}

/**
 * A submission's history, oldest first: its runs (as candidate), organizers' rulings and its
 * lifecycle steps. Ties keep that order (a run, then the ruling or step that answered it).
 */
export function submissionHistoryItems(
  own: readonly RunRecord[],
  rulings: readonly Ruling[],
  steps: readonly LifecycleEvent[],
  reverifications: ReadonlySet<string> = new Set(),
): HistoryItem[] {
  const items: HistoryItem[] = [
    ...own.map((r) => runStep(r, reverifications.has(r.id))),
    ...rulings.map((r) => ({
      kind: "ruling" as const,
      at: r.at,
      ref: r.id,
      status: r.decision,
      by: r.by.login,
      text: r.reason,
    })),
    ...steps.map((e) => ({
      kind: "lifecycle" as const,
      at: e.at,
      ref: e.id,
      status: e.status,
      by: e.by.login,
      text: e.reason,
      pr: e.pr,
    })),
  ];
  const order = { run: 0, ruling: 1, lifecycle: 2 };
  return items.sort((a, b) => a.at.localeCompare(b.at) || order[a.kind] - order[b.kind]);
}

/** One view per submission, in arrival order: metadata, standing, best estimate, links. */
export function submissionViews(
  subs: readonly SubmissionSource[],
  ctx: SubmissionContext,
): Map<string, SubmissionView> {
  const children = new Map<string, string[]>();
  for (const s of subs) for (const p of s.manifest.parents) pushTo(children, p, s.slug);
  const latestRuling = new Map<string, Ruling>();
  for (const r of [...ctx.rulings].sort((a, b) => a.at.localeCompare(b.at))) latestRuling.set(r.slug, r);
  const mentioned = threadsMentioning(ctx.threads, new Set(subs.map((s) => s.slug)));
  const rulingsOf = new Map<string, Ruling[]>();
  for (const r of ctx.rulings) pushTo(rulingsOf, r.slug, r);
  const stepsOf = new Map<string, LifecycleEvent[]>();
  for (const e of ctx.lifecycle) pushTo(stepsOf, e.slug, e);
  const views = new Map<string, SubmissionView>();
  for (const s of subs) {
    const own = ctx.runs.byCandidate.get(s.slug) ?? [];
    const entry = ctx.entries.get(s.slug);
    const best = entry?.best;
    const ruling = latestRuling.get(s.slug);
    const pr = own.find((r) => r.pr)?.pr;
    views.set(s.slug, {
      slug: s.slug,
      title: s.manifest.title,
      description: s.manifest.description,
      authors: s.manifest.authors,
      credits: s.manifest.credits,
      parents: s.manifest.parents,
      children: (children.get(s.slug) ?? []).sort(),
      firstAt: s.firstAt,
      firstCommit: s.firstCommit,
      ...(pr ? { pr } : {}),
      standing: entry?.standing ?? "unbenchmarked",
      ...(entry?.unconfirmed ? { unconfirmed: entry.unconfirmed } : {}),
      ...(entry?.lifecycle ? { lifecycle: entry.lifecycle } : {}),
      history: submissionHistoryItems(
        own,
        rulingsOf.get(s.slug) ?? [],
        stepsOf.get(s.slug) ?? [],
        ctx.reverifications,
      ),
      ...(ruling
        ? { ruling: { decision: ruling.decision, reason: ruling.reason, by: ruling.by.login, at: ruling.at } }
        : {}),
      ...(best
        ? { best: { run: best.run, estimate: best.estimate, ci: best.ci, launches: best.launches } }
        : {}),
      runs: own.map((r) => r.id),
      manifest: s.manifest,
      mentionedIn: (mentioned.get(s.slug) ?? []).sort((a, b) => a - b),
    });
  }
  return views;
}
