import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import type { Challenge } from "../schema/challenge.ts";
import type { Participants, Reservation, Ruling, Thread } from "../schema/data.ts";
import type { RunRecord } from "../schema/run-record.ts";
import type { Submission } from "../schema/submission.ts";
import { claimsLead, currentLeader, invalidSlugs } from "../standings.ts";
import { runnerHealth, type RunnerHealth } from "../stats/health.ts";
import { rankWithUncertainty } from "../stats/ranking.ts";
import { pushTo } from "./collect.ts";
import { MANIFEST_NAME } from "../layout.ts";

/** Everything the site is built from, gathered from git history and the data branch by an adapter. */
export interface SiteInput {
  challenge: Challenge;
  rules: string;
  kb: { path: string; title: string; text: string }[];
  participants: Participants;
  submissions: SubmissionSource[];
  runs: RunRecord[];
  reservations: Reservation[];
  rulings: Ruling[];
  threads: Thread[];
  /** Submissions whose commits descend from another submission's commits (a PR built on another's branch). */
  ancestry: { child: string; parent: string }[];
  repoUrl?: string;
  /** Problems met while reading (bad files are reported, never silently dropped). */
  problems: { path: string; message: string }[];
}

export interface SubmissionSource {
  slug: string;
  manifest: Submission;
  firstCommit: string;
  firstAt: string; // ISO time the folder first appeared in history
  files: { path: string; blob: string }[]; // for shared-code detection
}

export type EdgeKind = "parent" | "ancestry" | "shared-code" | "pooled";
export interface LineageEdge {
  source: string;
  target: string;
  kind: EdgeKind;
  label: string;
}

export type Standing =
  "leader" | "valid" | "pending" | "invalid" | "failed" | "error" | "unbenchmarked" | "negative";

export interface SubmissionView {
  slug: string;
  title: string;
  description: string;
  authors: string[];
  credits: { who: string; for: string }[];
  parents: string[];
  children: string[];
  firstAt: string;
  firstCommit: string;
  pr?: number;
  standing: Standing;
  ruling?: { decision: string; reason: string; by: string; at: string };
  best?: { run: string; estimate: number; ci: [number, number]; launches: number[] };
  runs: string[]; // run ids, oldest first
  manifest: Submission;
  mentionedIn: number[]; // thread numbers
}

export interface LeaderboardRow {
  rank: number;
  label: string;
  slug: string;
  title: string;
  estimate: number;
  ci: [number, number];
  relative: number; // vs the leader's estimate
  verification: "passed" | "failed" | "unknown";
  confirmation: string;
  authors: string[];
  credits: string[];
  runsUsed: number;
  ruling?: string;
  pending: boolean;
}

export interface SiteModel {
  challenge: Challenge;
  updatedAt: string;
  leader: { slug: string; tieGroup: string[] };
  leaderboard: LeaderboardRow[];
  strictLeaderboard: LeaderboardRow[];
  frontier: { at: string; slug: string; tps: number; run: string; pr?: number }[];
  submissions: Map<string, SubmissionView>;
  lineage: { nodes: LineageNode[]; edges: LineageEdge[] };
  runs: RunRecord[];
  recentVerdicts: RunRecord[];
  threads: Thread[];
  announcements: number[];
  taskforces: Map<string, number[]>;
  inbox: Map<string, { thread: number; comment?: number; from: string; at: string; excerpt: string }[]>;
  negatives: { kind: "run" | "thread"; ref: string; slug?: string; title: string; at: string }[];
  participants: Map<string, ParticipantView>;
  runners: {
    id: string;
    runs: number;
    health: RunnerHealth;
    windows: { label: string; sd: number; n: number }[];
  }[];
  rulings: Ruling[];
  problems: { path: string; message: string }[];
  rules: string;
  kb: { path: string; slug: string; title: string; text: string }[];
}

export interface LineageNode {
  id: string;
  title: string;
  author: string;
  at: string;
  tps: number | null;
  standing: Standing;
  frontier: boolean;
}

export interface ParticipantView {
  login: string;
  submissions: string[];
  runsRequested: string[];
  runsCredited: string[];
  quotaUsed24h: number;
  quotaLimit: number;
  inbox: { thread: number; comment?: number; from: string; at: string; excerpt: string }[];
}

/** Mean of launch means with a t interval: one submission's speed with its uncertainty. */
export function armEstimate(
  r: RunRecord,
  arm: "candidate" | "incumbent",
): { estimate: number; ci: [number, number]; launches: number[] } | undefined {
  const means = r.launches
    .filter((l) => l.arm === arm)
    .map((l) => l.runs.reduce((a, b) => a + b, 0) / l.runs.length);
  if (!means.length) return undefined;
  const m = means.reduce((a, b) => a + b, 0) / means.length;
  if (means.length < 2) return { estimate: m, ci: [m, m], launches: means };
  const sd = Math.sqrt(means.reduce((a, b) => a + (b - m) ** 2, 0) / (means.length - 1));
  const h = tQuantile(0.975, means.length - 1) * (sd / Math.sqrt(means.length));
  return { estimate: m, ci: [m - h, m + h], launches: means };
}

const MENTION = /(^|[^\w`])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})/g;
export function mentions(text: string): string[] {
  const noCode = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`]*`/g, "");
  return [...new Set([...noCode.matchAll(MENTION)].map((m) => m[2]!))];
}

const excerpt = (s: string) => s.replace(/\s+/g, " ").trim().slice(0, 160);

export function buildModel(input: SiteInput): SiteModel {
  const ch = input.challenge;
  const invalid = invalidSlugs(input.rulings);
  const runs = [...input.runs].sort(
    (a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.id.localeCompare(b.id),
  );
  const lead = currentLeader(ch, runs, input.rulings);
  const strictLead = currentLeader(ch, runs, input.rulings, true);
  const subs = [...input.submissions].sort(
    (a, b) => a.firstAt.localeCompare(b.firstAt) || a.slug.localeCompare(b.slug),
  );
  const known = new Set(subs.map((s) => s.slug));
  const children = new Map<string, string[]>();
  for (const s of subs) for (const p of s.manifest.parents) pushTo(children, p, s.slug);
  const runsBy = new Map<string, RunRecord[]>();
  for (const r of runs) pushTo(runsBy, r.candidate.slug, r);
  // The baseline's speed comes from the incumbent arm of runs against it when it never ran as a candidate.
  const asIncumbent = new Map<string, RunRecord[]>();
  for (const r of runs) if (r.status !== "error") pushTo(asIncumbent, r.incumbent.slug, r);
  const latestRuling = new Map<string, Ruling>();
  for (const r of [...input.rulings].sort((a, b) => a.at.localeCompare(b.at))) latestRuling.set(r.slug, r);

  // Threads that mention a slug: scan each thread's words once against the set of slugs.
  const threadsByMention = new Map<string, number[]>();
  for (const t of input.threads) {
    const text = [t.title, t.body, ...t.comments.map((c) => c.body)].join("\n");
    const hits = new Set(
      (text.match(/[a-z0-9][a-z0-9-]*[a-z0-9]|[a-z0-9]/g) ?? []).filter((w) => known.has(w)),
    );
    for (const s of hits) pushTo(threadsByMention, s, t.number);
  }

  const submissions = new Map<string, SubmissionView>();
  for (const s of subs) {
    const own = runsBy.get(s.slug) ?? [];
    const clean = own.filter((r) => r.status === "ok" && (r.quality.candidate?.ok ?? false));
    const bestRun = clean.at(-1);
    let best = bestRun ? armEstimate(bestRun, "candidate") : undefined;
    let bestId = bestRun?.id;
    if (!best) {
      const inc = (asIncumbent.get(s.slug) ?? []).filter((r) => r.quality.incumbent?.ok ?? true).at(-1);
      if (inc) {
        best = armEstimate(inc, "incumbent");
        bestId = inc.id;
      }
    }
    let standing: Standing = "unbenchmarked";
    if (invalid.has(s.slug)) standing = "invalid";
    else if (s.slug === lead.slug) standing = "leader";
    else if (own.some((r) => r.status === "negative") && !clean.length) standing = "negative";
    else if (own.length && !clean.length)
      standing = own.some((r) => r.status === "invalid") ? "failed" : "error";
    else if (clean.some((r) => claimsLead(r) && r.confirmation.status === "pending")) standing = "pending";
    else if (best) standing = "valid";
    const ruling = latestRuling.get(s.slug);
    const pr = own.find((r) => r.pr)?.pr;
    submissions.set(s.slug, {
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
      standing,
      ...(ruling
        ? { ruling: { decision: ruling.decision, reason: ruling.reason, by: ruling.by.login, at: ruling.at } }
        : {}),
      ...(best && bestId ? { best: { run: bestId, ...best } } : {}),
      runs: own.map((r) => r.id),
      manifest: s.manifest,
      mentionedIn: (threadsByMention.get(s.slug) ?? []).sort((a, b) => a - b),
    });
  }

  // Leaderboard: every submission with a clean speed estimate, ranked with uncertainty.
  const rows = (strict: boolean): LeaderboardRow[] => {
    const cands = [...submissions.values()].filter(
      (s) =>
        s.best &&
        s.standing !== "invalid" &&
        s.standing !== "failed" &&
        (!strict || s.standing !== "pending"),
    );
    const leaderEst =
      submissions.get(strict ? strictLead.slug : lead.slug)?.best?.estimate ??
      Math.max(0, ...cands.map((c) => c.best!.estimate));
    const delta =
      ch.significance.min_effect.kind === "absolute"
        ? ch.significance.min_effect.value
        : ch.significance.min_effect.value * leaderEst;
    const ranked = rankWithUncertainty(
      cands.map((c) => ({ id: c.slug, estimate: c.best!.estimate, ci: c.best!.ci })),
      delta,
    );
    return ranked.map((r) => {
      const s = submissions.get(r.id)!;
      const last = (runsBy.get(r.id) ?? []).at(-1);
      return {
        rank: r.rank,
        label: r.label,
        slug: r.id,
        title: s.title,
        estimate: r.estimate,
        ci: r.ci,
        relative: leaderEst ? r.estimate / leaderEst - 1 : 0,
        verification: last ? (last.quality.candidate?.ok ? "passed" : "failed") : "unknown",
        confirmation: last?.confirmation.status ?? "skipped",
        authors: s.authors,
        credits: s.credits.map((c) => c.who),
        runsUsed: (runsBy.get(r.id) ?? []).length,
        ...(s.ruling ? { ruling: `${s.ruling.decision}: ${s.ruling.reason}` } : {}),
        pending: s.standing === "pending",
      };
    });
  };
  const leaderboard = rows(false);
  const tieGroup = leaderboard.filter((r) => r.rank === 1).map((r) => r.slug);

  const frontier: SiteModel["frontier"] = [];
  const baseEst = submissions.get(ch.baseline)?.best;
  const firstRun = runs[0];
  if (baseEst && firstRun)
    frontier.push({
      at: submissions.get(ch.baseline)!.firstAt,
      slug: ch.baseline,
      tps: baseEst.estimate,
      run: submissions.get(ch.baseline)!.best!.run,
    });
  for (const h of lead.history) {
    const r = runs.find((x) => x.id === h.run)!;
    frontier.push({
      at: h.at,
      slug: h.slug,
      tps: armEstimate(r, "candidate")!.estimate,
      run: r.id,
      ...(r.pr ? { pr: r.pr } : {}),
    });
  }

  // Lineage edges of every kind.
  const edges: LineageEdge[] = [];
  const edgeKey = new Set<string>();
  const addEdge = (e: LineageEdge) => {
    const k = `${e.source}>${e.target}>${e.kind}`;
    if (e.source === e.target || !known.has(e.source) || !known.has(e.target) || edgeKey.has(k)) return;
    edgeKey.add(k);
    edges.push(e);
  };
  for (const s of subs)
    for (const p of s.manifest.parents)
      addEdge({ source: p, target: s.slug, kind: "parent", label: "declared parent" });
  for (const a of input.ancestry)
    addEdge({ source: a.parent, target: a.child, kind: "ancestry", label: "built on its git history" });
  const firstByBlob = new Map<string, { slug: string; path: string }>();
  for (const s of subs)
    for (const f of s.files) {
      if (f.path === MANIFEST_NAME) continue;
      const prev = firstByBlob.get(f.blob);
      if (prev && prev.slug !== s.slug)
        addEdge({
          source: prev.slug,
          target: s.slug,
          kind: "shared-code",
          label: `shares ${f.path} with ${prev.path}`,
        });
      else if (!prev) firstByBlob.set(f.blob, { slug: s.slug, path: f.path });
    }
  const subsByAuthor = new Map<string, SubmissionSource[]>(); // in arrival order
  for (const s of subs) for (const a of s.manifest.authors) pushTo(subsByAuthor, a, s);
  for (const r of runs) {
    if (!r.requester || !r.credited || r.requester.login === r.credited) continue;
    const mine = subsByAuthor.get(r.requester.login) ?? [];
    let own: SubmissionSource | undefined;
    for (const s of mine)
      if (s.firstAt <= r.startedAt) own = s;
      else break;
    if (own)
      addEdge({
        source: own.slug,
        target: r.candidate.slug,
        kind: "pooled",
        label: `pooled run by ${r.requester.login}`,
      });
  }
  const onFrontier = new Set(frontier.map((f) => f.slug));
  const nodes: LineageNode[] = subs.map((s) => {
    const v = submissions.get(s.slug)!;
    return {
      id: s.slug,
      title: s.manifest.title,
      author: s.manifest.authors[0]!,
      at: s.firstAt,
      tps: v.best?.estimate ?? null,
      standing: v.standing,
      frontier: onFrontier.has(s.slug),
    };
  });

  // Board.
  const threads = [...input.threads].sort(
    (a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.number - a.number,
  );
  const announcements = threads
    .filter((t) => t.labels.includes("announcement") && ch.organizers.includes(t.author))
    .map((t) => t.number);
  const taskforces = new Map<string, number[]>();
  for (const t of threads)
    for (const l of t.labels) if (l.startsWith("taskforce:")) pushTo(taskforces, l.slice(10), t.number);
  const inbox = new Map<string, SiteModel["inbox"] extends Map<string, infer V> ? V : never>();
  for (const t of threads) {
    const items: { login: string; from: string; at: string; text: string; comment?: number }[] = [
      ...mentions(t.body).map((login) => ({ login, from: t.author, at: t.createdAt, text: t.body })),
      ...t.comments.flatMap((c) =>
        mentions(c.body).map((login) => ({
          login,
          from: c.author,
          at: c.createdAt,
          text: c.body,
          comment: c.id,
        })),
      ),
    ];
    for (const i of items)
      pushTo(inbox, i.login, {
        thread: t.number,
        ...(i.comment ? { comment: i.comment } : {}),
        from: i.from,
        at: i.at,
        excerpt: excerpt(i.text),
      });
  }
  for (const v of inbox.values()) v.sort((a, b) => b.at.localeCompare(a.at) || b.thread - a.thread);
  const negatives: SiteModel["negatives"] = [
    ...runs
      .filter((r) => r.status === "negative")
      .map((r) => ({
        kind: "run" as const,
        ref: r.id,
        slug: r.candidate.slug,
        title: r.reason ?? "dead end",
        at: r.finishedAt,
      })),
    ...threads
      .filter((t) => t.labels.some((l) => l === "negative-result" || l === "dead-end"))
      .map((t) => ({ kind: "thread" as const, ref: String(t.number), title: t.title, at: t.createdAt })),
  ].sort((a, b) => b.at.localeCompare(a.at));

  // Participants.
  const logins = new Set<string>([
    ...input.participants.participants.map((p) => p.login),
    ...subs.flatMap((s) => s.manifest.authors),
    ...inbox.keys(),
  ]);
  const updatedAt =
    [
      ...runs.map((r) => r.finishedAt),
      ...subs.map((s) => s.firstAt),
      ...threads.map((t) => t.updatedAt),
      ...input.rulings.map((r) => r.at),
    ]
      .sort()
      .at(-1) ?? "1970-01-01T00:00:00.000Z";
  const windowStart = Date.parse(updatedAt) - ch.quota.window_hours * 3600_000;
  const participants = new Map<string, ParticipantView>();
  const group = <T>(xs: readonly T[], key: (x: T) => string | undefined) => {
    const m = new Map<string, T[]>();
    for (const x of xs) {
      const k = key(x);
      if (k !== undefined) pushTo(m, k, x);
    }
    return m;
  };
  const requested = group(runs, (r) => r.requester?.login);
  const credited = group(runs, (r) => r.credited);
  const recentCharges = group(
    input.reservations.filter((r) => !r.organizer && Date.parse(r.at) > windowStart),
    (r) => String(r.requester.id),
  );
  const idOf = new Map(input.participants.participants.map((p) => [p.login, p.id]));
  for (const login of [...logins].sort()) {
    const id = idOf.get(login);
    participants.set(login, {
      login,
      submissions: (subsByAuthor.get(login) ?? []).map((s) => s.slug),
      runsRequested: (requested.get(login) ?? []).map((r) => r.id),
      runsCredited: (credited.get(login) ?? []).map((r) => r.id),
      quotaUsed24h: id !== undefined ? (recentCharges.get(String(id)) ?? []).length : 0,
      quotaLimit: ch.quota.per_agent,
      inbox: inbox.get(login) ?? [],
    });
  }

  // Runners: noise floor from A/A runs (a submission against itself), by day.
  const byRunner = new Map<string, RunRecord[]>();
  for (const r of runs) pushTo(byRunner, r.runner.id, r);
  const runners = [...byRunner]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([id, rs]) => {
      const aa = rs.filter((r) => r.candidate.slug === r.incumbent.slug && r.status !== "error");
      const days = new Map<string, number[]>();
      for (const r of aa) {
        const d = r.finishedAt.slice(0, 10);
        const byBlock = new Map<number, { c?: number; i?: number }>();
        for (const l of r.launches) {
          const m = l.runs.reduce((a, b) => a + b, 0) / l.runs.length;
          const b = byBlock.get(l.block) ?? {};
          if (l.arm === "candidate") b.c = m;
          else b.i = m;
          byBlock.set(l.block, b);
        }
        const diffs = [...byBlock.values()]
          .filter((b) => b.c !== undefined && b.i !== undefined)
          .map((b) => b.c! - b.i!);
        pushTo(days, d, ...diffs);
      }
      const windows = [...days]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([label, diffs]) => ({ label, diffs }));
      const sdOf = (xs: number[]) => {
        const m = xs.reduce((a, b) => a + b, 0) / xs.length;
        return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
      };
      return {
        id,
        runs: rs.length,
        health: runnerHealth(windows),
        windows: windows.map((w) => ({ label: w.label, sd: sdOf(w.diffs), n: w.diffs.length })),
      };
    });

  const kb = input.kb
    .map((k) => ({
      ...k,
      slug: k.path
        .replace(/^challenge\/kb\//, "")
        .replace(/\.md$/, "")
        .replace(/[^a-z0-9-/]/gi, "-")
        .toLowerCase(),
    }))
    .sort((a, b) => a.slug.localeCompare(b.slug));
  return {
    challenge: ch,
    updatedAt,
    leader: { slug: lead.slug, tieGroup: tieGroup.length ? tieGroup : [lead.slug] },
    leaderboard,
    strictLeaderboard: rows(true),
    frontier,
    submissions,
    lineage: {
      nodes,
      edges: edges.sort(
        (a, b) =>
          a.source.localeCompare(b.source) ||
          a.target.localeCompare(b.target) ||
          a.kind.localeCompare(b.kind),
      ),
    },
    runs,
    recentVerdicts: runs
      .filter((r) => r.comparison)
      .slice(-20)
      .reverse(),
    threads,
    announcements,
    taskforces,
    inbox,
    negatives,
    participants,
    runners,
    rulings: [...input.rulings].sort((a, b) => b.at.localeCompare(a.at)),
    problems: input.problems,
    rules: input.rules,
    kb,
  };
}
