import { z } from "zod";
import { ValidationFailed } from "./errors.ts";
import { Verdict } from "./schema/common.ts";
import type { PublishedQuota, StateOfPlay } from "./digest.ts";
import { leadMargin } from "./versus.ts";

/**
 * The state of play read from a published site's JSON (`velodrome digest --site URL`), for an
 * agent without a clone: the same object `velodrome digest --json` makes from the repository (a
 * test checks both agree on the same data), except the quota, which the site publishes per
 * participant without the owner's share. The files are whatever the site serves: each is checked
 * for the fields used, and a missing or malformed one is named with the field that was wrong.
 */

/** The site's files read, by their path under the site root. */
export const SITE_FILES = {
  digest: "api/digest.json",
  leaderboard: "api/leaderboard.json",
  queue: "api/queue.json",
  frontier: "api/frontier.json",
} as const;
export const participantDigestPath = (login: string) => `api/participants/${login}/digest.json`;

const iso = z.string().max(40);
const text = z.string().max(10_000);
const slug = z.string().max(200);
const interval = z.tuple([z.number(), z.number()]);

const Digest = z.object({
  challenge: z.object({ id: slug }),
  updatedAt: iso,
  leader: z.object({ slug, tieGroup: z.array(slug).max(10_000) }),
  rulings: z
    .array(z.object({ slug, decision: text, reason: text, by: z.object({ login: slug }), at: iso }))
    .max(10_000),
  negatives: z
    .array(
      z.object({
        kind: z.enum(["run", "thread"]),
        ref: text,
        slug: slug.optional(),
        title: text,
        at: iso,
      }),
    )
    .max(10_000),
  recentVerdicts: z
    .array(
      z.object({ id: text, candidate: slug, incumbent: slug, verdict: Verdict.nullable(), finishedAt: iso }),
    )
    .max(10_000),
});

const VersusLeader = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("leader") }),
  z.object({ kind: z.literal("not-compared") }),
  z.object({
    kind: z.literal("compared"),
    verdict: Verdict,
    run: text,
    at: iso,
    estimate: z.number(),
    ci: interval,
    confidence: z.number(),
    blocks: z.number(),
  }),
]);
const Leaderboard = z.object({
  rows: z
    .array(
      z.object({
        slug,
        estimate: z.number().nullable(),
        ci: interval.nullable(),
        versusLeader: VersusLeader,
      }),
    )
    .max(100_000),
});

const Queue = z.object({
  entries: z
    .array(
      z.object({
        id: text,
        pr: z.number(),
        slug,
        against: slug,
        requester: slug,
        at: iso,
        position: z.number(),
        eta: iso.optional(),
      }),
    )
    .max(100_000),
});

const Frontier = z.object({ frontier: z.array(z.object({ at: iso })).max(100_000) });

const Participant = z.object({
  login: slug,
  asOf: iso,
  quota: z.object({ used: z.number(), limit: z.number(), windowHours: z.number() }),
});

/** Parses one published file; a wrong one is named with the first field that was wrong. */
function parse<T>(schema: z.ZodType<T>, path: string, data: unknown): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = issue.path.length ? issue.path.join(".") : "(the whole file)";
  throw new ValidationFailed(`${path}: ${at}: ${issue.message} (is this a Velodrome site of API version 1?)`);
}

/** The files of a site, parsed from JSON already; `participant` only when a login was asked for. */
export interface PublishedFiles {
  digest: unknown;
  leaderboard: unknown;
  queue: unknown;
  frontier: unknown;
  participant?: unknown;
}

/** The state of play from a published site's files. */
export function stateFromSite(files: PublishedFiles, login?: string): StateOfPlay {
  const d = parse(Digest, SITE_FILES.digest, files.digest);
  const board = parse(Leaderboard, SITE_FILES.leaderboard, files.leaderboard);
  const queue = parse(Queue, SITE_FILES.queue, files.queue);
  const frontier = parse(Frontier, SITE_FILES.frontier, files.frontier);
  const lead = board.rows.find((r) => r.slug === d.leader.slug);
  let quota: PublishedQuota | null = null;
  if (login !== undefined) {
    const p = parse(Participant, participantDigestPath(login), files.participant);
    const left = Math.max(0, p.quota.limit - p.quota.used);
    quota = { login: p.login, ...p.quota, left, asOf: p.asOf };
  }
  return {
    version: 1,
    challenge: d.challenge.id,
    updatedAt: d.updatedAt,
    leader: {
      slug: d.leader.slug,
      estimate: lead?.estimate ?? null,
      ci: lead?.ci ?? null,
      since: frontier.frontier.at(-1)?.at ?? null,
    },
    margin: leadMargin(board.rows) ?? null,
    tieGroup: d.leader.tieGroup,
    queue: queue.entries,
    quota,
    deadEnds: d.negatives.slice(0, 20),
    rulings: d.rulings
      .slice(0, 10)
      .map((r) => ({ slug: r.slug, decision: r.decision, reason: r.reason, by: r.by.login, at: r.at })),
    recentVerdicts: d.recentVerdicts.slice(0, 10).map((r) => ({
      id: r.id,
      candidate: r.candidate,
      incumbent: r.incumbent,
      verdict: r.verdict,
      at: r.finishedAt,
    })),
  };
}
