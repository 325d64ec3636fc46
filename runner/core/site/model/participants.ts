import type { Challenge } from "../../schema/challenge.ts";
import type { Broadcast, Participants, Registration, Reservation } from "../../schema/data.ts";
import type { RunRecord } from "../../schema/run-record.ts";
import { pushTo } from "../collect.ts";
import { plainExcerpt } from "../comments.ts";
import type { InboxItem, ParticipantView, SubmissionSource } from "./types.ts";

/** Groups values by a key; values whose key is undefined are left out. */
function groupBy<T>(xs: readonly T[], key: (x: T) => string | undefined): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    if (k !== undefined) pushTo(m, k, x);
  }
  return m;
}

export interface ParticipantSources {
  participants: Participants;
  /** Participants registered by `/join` (data branch); the file's entry wins for the same login. */
  registrations?: readonly Registration[];
  /** Organizers' broadcasts: every participant's inbox shows them. */
  broadcasts?: readonly Broadcast[];
  subs: readonly SubmissionSource[];
  subsByAuthor: Map<string, SubmissionSource[]>;
  runs: readonly RunRecord[];
  reservations: readonly Reservation[];
  inbox: Map<string, InboxItem[]>;
  /** Replies in threads each login wrote in (shown to logins that are participants for another reason). */
  replies?: Map<string, InboxItem[]>;
  /** Quota is counted over the window ending at the data's last update (not the wall clock). */
  updatedAt: string;
}

/**
 * Who is registered and how: challenge/participants.yaml first, then `/join` registrations on the
 * data branch (a numeric id already in the file keeps the file's entry). Login → id and source.
 */
export function registry(src: Pick<ParticipantSources, "participants" | "registrations">) {
  const out = new Map<string, { id: number; via: "file" | "join"; owner: string | null }>();
  for (const p of src.participants.participants)
    out.set(p.login, { id: p.id, via: "file", owner: p.owner?.login ?? null });
  const fileIds = new Set(src.participants.participants.map((p) => p.id));
  for (const r of src.registrations ?? []) {
    if (fileIds.has(r.id) || out.has(r.login)) continue;
    out.set(r.login, { id: r.id, via: "join", owner: r.owner?.login ?? null });
  }
  return out;
}

/** Broadcasts as inbox items, newest first (every participant gets each one). */
function broadcastItems(broadcasts: readonly Broadcast[]): InboxItem[] {
  return broadcasts
    .map((b) => ({
      thread: b.issue,
      comment: b.commentId,
      from: b.by.login,
      at: b.at,
      excerpt: plainExcerpt(b.by.login, b.text),
      broadcast: b.id,
    }))
    .sort((a, b) => b.at.localeCompare(a.at) || a.broadcast.localeCompare(b.broadcast));
}

/**
 * At most this many inbox items per participant (the newest) on its page and in its JSON twin: at
 * 100,000 comments a busy poster collects thousands of replies, and every one of them was written out
 * twice. `inboxTotal` counts them all; the threads themselves (api/threads/<n>.json) hold the rest.
 */
export const INBOX_MAX_ITEMS = 200;

/** A participant's inbox: its mentions, replies to it and every broadcast, newest first, and how many. */
function mergeInbox(own: readonly InboxItem[], broadcasts: readonly InboxItem[]) {
  const all = [...own, ...broadcasts].sort(
    (a, b) => b.at.localeCompare(a.at) || b.thread - a.thread || (a.comment ?? 0) - (b.comment ?? 0),
  );
  return { inbox: all.slice(0, INBOX_MAX_ITEMS), inboxTotal: all.length };
}

/** One view per login that is registered, authored a submission or was mentioned, sorted by login. */
export function participantViews(ch: Challenge, src: ParticipantSources): Map<string, ParticipantView> {
  const registered = registry(src);
  const news = broadcastItems(src.broadcasts ?? []);
  const logins = new Set<string>([
    ...registered.keys(),
    ...src.subs.flatMap((s) => s.manifest.authors),
    ...src.inbox.keys(),
  ]);
  const windowStart = Date.parse(src.updatedAt) - ch.quota.window_hours * 3600_000;
  const requested = groupBy(src.runs, (r) => r.requester?.login);
  const credited = groupBy(src.runs, (r) => r.credited);
  const recentCharges = groupBy(
    src.reservations.filter((r) => !r.organizer && Date.parse(r.at) > windowStart),
    (r) => String(r.requester.id),
  );
  const views = new Map<string, ParticipantView>();
  for (const login of [...logins].sort()) {
    const reg = registered.get(login);
    const id = reg?.id;
    views.set(login, {
      login,
      submissions: (src.subsByAuthor.get(login) ?? []).map((s) => s.slug),
      runsRequested: (requested.get(login) ?? []).map((r) => r.id),
      runsCredited: (credited.get(login) ?? []).map((r) => r.id),
      quotaUsed24h: id !== undefined ? (recentCharges.get(String(id)) ?? []).length : 0,
      quotaLimit: ch.quota.per_agent,
      registered: reg ? { via: reg.via, owner: reg.owner } : null,
      ...mergeInbox([...(src.inbox.get(login) ?? []), ...(src.replies?.get(login) ?? [])], news),
    });
  }
  return views;
}
