/**
 * Git ancestry between submissions, computed on the commit graph in memory.
 *
 * A PR branch descends from another submission when the commit that added that submission is among
 * the branch's own commits: `git rev-list <tip> ^<fork>`, where the fork is the first commit of the
 * tip's first-parent chain that lies on the default branch's first-parent line. Asking git that once
 * per tip spawned two processes per submission and walked the history each time (quadratic: most of
 * a 10,000-submission site build). Here the graph is read once and each question is answered by a
 * walk over the tip's own commits only.
 */

export interface CommitGraph {
  /** Parents of each commit, first parent first. */
  parents: ReadonlyMap<string, readonly string[]>;
  /** The default branch's head. */
  head: string;
}

/** The default branch's first-parent line, oldest first: position of each commit on it. */
function mainLine(g: CommitGraph): Map<string, number> {
  const line: string[] = [];
  for (let c: string | undefined = g.head; c !== undefined; c = g.parents.get(c)?.[0]) line.push(c);
  return new Map(line.reverse().map((c, i) => [c, i]));
}

/**
 * For every commit reachable from the head, the position of the first main-line commit that contains
 * it: a commit is an ancestor of main-line commit `m` exactly when this is ≤ position(m).
 */
function mergePositions(g: CommitGraph, line: Map<string, number>): Map<string, number> {
  const pos = new Map<string, number>();
  for (const [m, i] of [...line].sort((a, b) => a[1] - b[1])) {
    pos.set(m, i);
    // Everything this main-line commit brings in through its other parents, not yet claimed.
    const stack = [...(g.parents.get(m) ?? []).slice(1)];
    while (stack.length) {
      const c = stack.pop()!;
      if (pos.has(c)) continue;
      pos.set(c, i);
      stack.push(...(g.parents.get(c) ?? []));
    }
  }
  return pos;
}

/** Commits of `tip` that are not ancestors of its fork point (what `rev-list tip ^fork` lists). */
function ownCommits(g: CommitGraph, tip: string, line: Map<string, number>, merged: Map<string, number>) {
  let fork: number | undefined;
  for (let c: string | undefined = tip; c !== undefined; c = g.parents.get(c)?.[0]) {
    fork = line.get(c);
    if (fork !== undefined) break;
  }
  const inFork = (c: string) => fork !== undefined && (merged.get(c) ?? Infinity) <= fork;
  const own = new Set<string>();
  const stack = [tip];
  while (stack.length) {
    const c = stack.pop()!;
    if (own.has(c) || inFork(c)) continue;
    own.add(c);
    stack.push(...(g.parents.get(c) ?? []));
  }
  return own;
}

/**
 * Edges parent → child where `child`'s tip has, among its own commits, the commit that added
 * `parent` (`addedBy`: commit → slug). Tips missing from the graph are skipped.
 */
export function submissionAncestry(
  g: CommitGraph,
  tips: ReadonlyMap<string, string>,
  addedBy: ReadonlyMap<string, string>,
): { parent: string; child: string }[] {
  const line = mainLine(g);
  const merged = mergePositions(g, line);
  const edges: { parent: string; child: string }[] = [];
  for (const [slug, tip] of tips) {
    if (!g.parents.has(tip)) continue;
    for (const c of ownCommits(g, tip, line, merged)) {
      const other = addedBy.get(c);
      if (other && other !== slug) edges.push({ parent: other, child: slug });
    }
  }
  return edges;
}

/** Parses `git rev-list --parents` output: one commit per line, then its parents. */
export function parseRevListParents(text: string): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const [c, ...ps] = line.split(" ");
    parents.set(c!, ps);
  }
  return parents;
}
