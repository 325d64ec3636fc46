import type { Challenge } from "../../schema/challenge.ts";
import type { Participants, Reservation } from "../../schema/data.ts";
import type { RunRecord } from "../../schema/run-record.ts";
import { pushTo } from "../collect.ts";
import type { InboxItem, ParticipantView, SubmissionSource } from "../model.ts";

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
  subs: readonly SubmissionSource[];
  subsByAuthor: Map<string, SubmissionSource[]>;
  runs: readonly RunRecord[];
  reservations: readonly Reservation[];
  inbox: Map<string, InboxItem[]>;
  /** Quota is counted over the window ending at the data's last update (not the wall clock). */
  updatedAt: string;
}

/** One view per login that is registered, authored a submission or was mentioned, sorted by login. */
export function participantViews(ch: Challenge, src: ParticipantSources): Map<string, ParticipantView> {
  const logins = new Set<string>([
    ...src.participants.participants.map((p) => p.login),
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
  const idOf = new Map(src.participants.participants.map((p) => [p.login, p.id]));
  const views = new Map<string, ParticipantView>();
  for (const login of [...logins].sort()) {
    const id = idOf.get(login);
    views.set(login, {
      login,
      submissions: (src.subsByAuthor.get(login) ?? []).map((s) => s.slug),
      runsRequested: (requested.get(login) ?? []).map((r) => r.id),
      runsCredited: (credited.get(login) ?? []).map((r) => r.id),
      quotaUsed24h: id !== undefined ? (recentCharges.get(String(id)) ?? []).length : 0,
      quotaLimit: ch.quota.per_agent,
      inbox: src.inbox.get(login) ?? [],
    });
  }
  return views;
}
