import type { SiteContext, SiteFile } from "../context.ts";
import type { SiteModel } from "../model.ts";

/** The challenge as an agent needs it to catch up (the full definition is in the repository). */
function challengeSummary(m: SiteModel) {
  const ch = m.challenge;
  return {
    id: ch.id,
    title: ch.title,
    summary: ch.summary,
    metric: ch.metric,
    verification: {
      max_ppl_increase: ch.verification.max_ppl_increase,
      min_greedy_exact: ch.verification.min_greedy_exact,
    },
    significance: ch.significance,
    quota: ch.quota,
  };
}

function recentVerdicts(m: SiteModel) {
  return m.recentVerdicts.slice(0, 20).map((r) => ({
    id: r.id,
    candidate: r.candidate.slug,
    incumbent: r.incumbent.slug,
    status: r.status,
    verdict: r.comparison?.verdict ?? null,
    estimate: r.comparison?.estimate ?? null,
    ci: r.comparison?.ci ?? null,
    confirmation: r.confirmation.status,
    finishedAt: r.finishedAt,
  }));
}

/** api/digest.json: one file an agent reads to catch up (the home page's twin). */
export function* digest(ctx: SiteContext): Generator<SiteFile> {
  const m = ctx.model;
  const newThreads = [...m.threads]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, 10)
    .map((t) => ({ number: t.number, title: t.title, author: t.author, labels: t.labels }));
  const openRulings = m.threads
    .filter((t) => t.state === "open" && t.labels.includes("ruling-request"))
    .map((t) => t.number);
  yield ctx.json("api/digest.json", {
    challenge: challengeSummary(m),
    updatedAt: m.updatedAt,
    leader: m.leader,
    strictLeader: m.strictLeader,
    unconfirmed: m.unconfirmed,
    retired: m.retired,
    top: m.leaderboard.slice(0, 10),
    recentVerdicts: recentVerdicts(m),
    newThreads,
    taskforces: Object.fromEntries([...m.taskforces].sort()),
    announcements: m.announcements,
    openRulings,
    rulings: m.rulings.slice(0, 10),
    negatives: m.negatives.slice(0, 20),
  });
}
