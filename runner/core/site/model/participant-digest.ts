import type { RunRecord } from "../../schema/run-record.ts";
import { pushTo } from "../collect.ts";
import type { InboxItem, ParticipantView, SiteModel } from "./types.ts";

/**
 * A participant's digest: what changed for it, as dated items newest first, plus the current state of
 * its submissions and requests. An agent that polls keeps the newest `at` it has seen and reads only
 * items with a later `at` (ISO 8601 UTC strings compare in time order). Pure; built from the model.
 */

/** At most this many items per digest (newest kept); `truncated` says when older ones were left out. */
export const DIGEST_MAX_ITEMS = 200;

/** How an agent reads the digest incrementally (also the text of the file's `since` field). */
export const DIGEST_SINCE =
  "items are newest first, each with `at` (ISO 8601 UTC); keep the newest `at` you have seen and read the " +
  "items whose `at` is later. If `truncated` is true and the oldest item is still later than your last " +
  "`at`, read api/submissions/<slug>.json and api/threads/<n>.json for the rest.";

export type DigestItem =
  | {
      kind: "verdict";
      at: string;
      run: string;
      /** Why it concerns this participant: its submission ran, was the incumbent, or it asked or was credited. */
      roles: ("candidate" | "incumbent" | "requester" | "credited")[];
      candidate: string;
      incumbent: string;
      pr: number | null;
      status: RunRecord["status"];
      verdict: string | null;
      estimate: number | null;
      ci: [number, number] | null;
      confirmation: string;
      reason: string | null;
    }
  | {
      kind: "ruling" | "lifecycle";
      at: string;
      slug: string;
      status: string;
      by: string | null;
      text: string;
    }
  | {
      kind: "mention" | "reply" | "broadcast";
      at: string;
      thread: number;
      comment: number | null;
      from: string;
      excerpt: string;
      broadcast?: string;
    };

/** Why a run concerns `login`, or an empty list when it does not. */
function runRoles(r: RunRecord, login: string, own: ReadonlySet<string>) {
  const roles: Extract<DigestItem, { kind: "verdict" }>["roles"] = [];
  if (own.has(r.candidate.slug)) roles.push("candidate");
  if (own.has(r.incumbent.slug)) roles.push("incumbent");
  if (r.requester?.login === login) roles.push("requester");
  if (r.credited === login) roles.push("credited");
  return roles;
}

/** Runs by the slugs they compare and by `@login` of who asked or was credited: one pass for every digest. */
export function digestRunIndex(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const index = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const keys = new Set([r.candidate.slug, r.incumbent.slug]);
    if (r.requester) keys.add(`@${r.requester.login}`);
    if (r.credited) keys.add(`@${r.credited}`);
    for (const k of keys) pushTo(index, k, r);
  }
  return index;
}

function verdictItems(
  index: Map<string, RunRecord[]>,
  login: string,
  own: ReadonlySet<string>,
): DigestItem[] {
  const out: DigestItem[] = [];
  const runs = new Set([...own, `@${login}`].flatMap((k) => index.get(k) ?? []));
  for (const r of runs) {
    const roles = runRoles(r, login, own);
    if (!roles.length) continue;
    out.push({
      kind: "verdict",
      at: r.finishedAt,
      run: r.id,
      roles,
      candidate: r.candidate.slug,
      incumbent: r.incumbent.slug,
      pr: r.pr ?? null,
      status: r.status,
      verdict: r.comparison?.verdict ?? null,
      estimate: r.comparison?.estimate ?? null,
      ci: r.comparison?.ci ?? null,
      confirmation: r.confirmation.status,
      reason: r.reason ?? null,
    });
  }
  return out;
}

/** Organizers' rulings and lifecycle steps (negative, withdrawn, hacked…) on the participant's submissions. */
function historyItems(m: SiteModel, own: ReadonlySet<string>): DigestItem[] {
  const out: DigestItem[] = [];
  for (const slug of own) {
    for (const h of m.submissions.get(slug)?.history ?? []) {
      if (h.kind === "run") continue; // runs come with their full verdict from verdictItems
      out.push({ kind: h.kind, at: h.at, slug, status: h.status, by: h.by, text: h.text });
    }
  }
  return out;
}

function inboxItem(i: InboxItem): DigestItem {
  const base = { at: i.at, thread: i.thread, comment: i.comment ?? null, from: i.from, excerpt: i.excerpt };
  if (i.broadcast) return { kind: "broadcast", ...base, broadcast: i.broadcast };
  return { kind: i.reply ? "reply" : "mention", ...base };
}

/** A stable key so items with the same `at` always come out in the same order. */
function itemKey(i: DigestItem): string {
  if (i.kind === "verdict") return `verdict:${i.run}`;
  if ("slug" in i) return `${i.kind}:${i.slug}:${i.status}`;
  return `${i.kind}:${i.thread}:${i.comment ?? 0}`;
}

/** The current state of each of the participant's submissions (its PRs' statuses). */
function submissionStates(m: SiteModel, p: ParticipantView) {
  return p.submissions.map((slug) => {
    const s = m.submissions.get(slug);
    return {
      slug,
      title: s?.title ?? slug,
      pr: s?.pr ?? null,
      standing: s?.standing ?? "unbenchmarked",
      best: s?.best ? { run: s.best.run, estimate: s.best.estimate, ci: s.best.ci } : null,
      leader: m.leader.slug === slug,
    };
  });
}

/** The JSON of api/participants/<login>/digest.json. */
export function participantDigest(m: SiteModel, p: ParticipantView, runs: Map<string, RunRecord[]>) {
  const own = new Set(p.submissions);
  const dated = [...verdictItems(runs, p.login, own), ...historyItems(m, own)];
  // The view keeps only the inbox's newest items; every item older than those ranks below them here too.
  const all = [...dated, ...p.inbox.map(inboxItem)].sort(
    (a, b) => b.at.localeCompare(a.at) || itemKey(a).localeCompare(itemKey(b)),
  );
  const pending = m.queue.entries.filter((e) => own.has(e.slug) || e.requester === p.login);
  return {
    login: p.login,
    asOf: m.updatedAt,
    since: DIGEST_SINCE,
    submissions: submissionStates(m, p),
    pending,
    quota: { used: p.quotaUsed24h, limit: p.quotaLimit, windowHours: m.challenge.quota.window_hours },
    items: all.slice(0, DIGEST_MAX_ITEMS),
    truncated: dated.length + p.inboxTotal > DIGEST_MAX_ITEMS,
  };
}
