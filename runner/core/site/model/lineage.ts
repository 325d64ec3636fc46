import type { Challenge } from "../../schema/challenge.ts";
import type { RunRecord } from "../../schema/run-record.ts";
import { armEstimate } from "../../stats/estimates.ts";
import { MANIFEST_NAME } from "../../layout.ts";
import { pushTo } from "../collect.ts";
import type {
  LineageEdge,
  LineageNode,
  SiteInput,
  SiteModel,
  SubmissionSource,
  SubmissionView,
} from "./types.ts";

/**
 * The frontier: the baseline's speed, then each change of leader with the new leader's speed in
 * the run that took the lead.
 */
export function frontierSteps(
  ch: Challenge,
  submissions: Map<string, SubmissionView>,
  runs: { all: readonly RunRecord[]; byId: Map<string, RunRecord> },
  history: readonly { slug: string; at: string; run: string }[],
): SiteModel["frontier"] {
  const frontier: SiteModel["frontier"] = [];
  const baseline = submissions.get(ch.baseline);
  if (baseline?.best && runs.all.length)
    frontier.push({
      at: baseline.firstAt,
      slug: ch.baseline,
      tps: baseline.best.estimate,
      run: baseline.best.run,
    });
  for (const h of history) {
    const r = runs.byId.get(h.run)!;
    frontier.push({
      at: h.at,
      slug: h.slug,
      tps: armEstimate(r, "candidate")!.estimate,
      run: r.id,
      ...(r.pr ? { pr: r.pr } : {}),
    });
  }
  return frontier;
}

/** Collects edges, dropping self-loops, unknown ends and repeats of the same (source, target, kind). */
class EdgeSet {
  readonly edges: LineageEdge[] = [];
  private readonly keys = new Set<string>();
  constructor(private readonly known: Set<string>) {}
  add(e: LineageEdge): void {
    const k = `${e.source}>${e.target}>${e.kind}`;
    if (e.source === e.target || !this.known.has(e.source) || !this.known.has(e.target)) return;
    if (this.keys.has(k)) return;
    this.keys.add(k);
    this.edges.push(e);
  }
}

/** A file blob first seen in one submission and found again in a later one is shared code. */
function addSharedCodeEdges(subs: readonly SubmissionSource[], edges: EdgeSet): void {
  const firstByBlob = new Map<string, { slug: string; path: string }>();
  for (const s of subs)
    for (const f of s.files) {
      if (f.path === MANIFEST_NAME) continue;
      const prev = firstByBlob.get(f.blob);
      if (!prev) firstByBlob.set(f.blob, { slug: s.slug, path: f.path });
      else if (prev.slug !== s.slug)
        edges.add({
          source: prev.slug,
          target: s.slug,
          kind: "shared-code",
          label: `shares ${f.path} with ${prev.path}`,
        });
    }
}

/**
 * The latest of an author's submissions (in arrival order) that had appeared by `at`: a binary search,
 * since a prolific author's list is scanned once per pooled run (100,000 runs at scale).
 */
function latestBy(subs: readonly SubmissionSource[], at: string): SubmissionSource | undefined {
  let lo = 0;
  let hi = subs.length; // ends at the first submission that appeared after `at`
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (subs[mid]!.firstAt <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo ? subs[lo - 1] : undefined;
}

/** A run requested by one author and credited to another links the requester's latest submission at the time. */
function addPooledEdges(
  runs: readonly RunRecord[],
  subsByAuthor: Map<string, SubmissionSource[]>,
  edges: EdgeSet,
): void {
  for (const r of runs) {
    if (!r.requester || !r.credited || r.requester.login === r.credited) continue;
    const own = latestBy(subsByAuthor.get(r.requester.login) ?? [], r.startedAt);
    if (own)
      edges.add({
        source: own.slug,
        target: r.candidate.slug,
        kind: "pooled",
        label: `pooled run by ${r.requester.login}`,
      });
  }
}

/** Submissions by author, in arrival order. */
export function subsByAuthor(subs: readonly SubmissionSource[]): Map<string, SubmissionSource[]> {
  const out = new Map<string, SubmissionSource[]>();
  for (const s of subs) for (const a of s.manifest.authors) pushTo(out, a, s);
  return out;
}

/** Lineage edges of every kind, sorted by source, target and kind. */
export function lineageEdges(
  subs: readonly SubmissionSource[],
  input: Pick<SiteInput, "ancestry">,
  runs: readonly RunRecord[],
  byAuthor: Map<string, SubmissionSource[]>,
): LineageEdge[] {
  const edges = new EdgeSet(new Set(subs.map((s) => s.slug)));
  for (const s of subs)
    for (const p of s.manifest.parents)
      edges.add({ source: p, target: s.slug, kind: "parent", label: "declared parent" });
  for (const a of input.ancestry)
    edges.add({ source: a.parent, target: a.child, kind: "ancestry", label: "built on its git history" });
  addSharedCodeEdges(subs, edges);
  addPooledEdges(runs, byAuthor, edges);
  return edges.edges.sort(
    (a, b) =>
      a.source.localeCompare(b.source) || a.target.localeCompare(b.target) || a.kind.localeCompare(b.kind),
  );
}

/** One node per submission, in arrival order, marked when it was ever on the frontier. */
export function lineageNodes(
  subs: readonly SubmissionSource[],
  submissions: Map<string, SubmissionView>,
  frontier: SiteModel["frontier"],
): LineageNode[] {
  const onFrontier = new Set(frontier.map((f) => f.slug));
  return subs.map((s) => {
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
}
