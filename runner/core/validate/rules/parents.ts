import type { Problem } from "../problem.ts";
import { closest } from "../suggest.ts";
import { problemIn, type LoadedSubmission, type RuleContext } from "./context.ts";

/** At most this many slugs are listed in an "expected" line. */
const LISTED = 8;

function listSlugs(slugs: readonly string[]): string {
  const more = slugs.length > LISTED ? ", …" : "";
  return `${slugs.slice(0, LISTED).join(", ")}${more}`;
}

/** Rule: every parent names another submission that exists. */
export function parentRefs({ sub, knownSlugs }: RuleContext): Problem[] {
  return sub.manifest.parents.flatMap((parent, i): Problem[] => {
    if (parent === sub.slug)
      return [
        problemIn(sub, ["parents", i], {
          code: "self-parent",
          message: `\`${sub.slug}\` lists itself as a parent`,
          fix: "remove it from `parents`",
        }),
      ];
    if (knownSlugs.includes(parent)) return [];
    const guess = closest(parent, knownSlugs);
    return [
      problemIn(sub, ["parents", i], {
        code: "missing-parent",
        message: `parent \`${parent}\` is not a submission in this repository`,
        expected: `an existing folder under submissions/ (${listSlugs(knownSlugs)})`,
        fix: guess
          ? `did you mean \`${guess}\`?`
          : "use the slug (folder name) of the submission you build on",
      }),
    ];
  });
}

/** Rule: every submission except the baseline builds on at least one parent. */
export function hasParents({ sub, challenge }: RuleContext): Problem[] {
  if (sub.slug === challenge.baseline || sub.manifest.parents.length > 0) return [];
  return [
    problemIn(sub, ["parents"], {
      code: "no-parents",
      message: "every submission except the baseline builds on at least one parent",
      fix: `parents: [${challenge.baseline}]`,
    }),
  ];
}

/** The first cycle reachable from `start` through declared parents, as a path that closes on itself. */
function cycleFrom(start: string, parentsOf: (slug: string) => readonly string[]): string[] | undefined {
  const stack: string[] = [];
  const seen = new Set<string>();
  const dfs = (slug: string): string[] | undefined => {
    if (stack.includes(slug)) return [...stack.slice(stack.indexOf(slug)), slug];
    if (seen.has(slug)) return undefined;
    seen.add(slug);
    stack.push(slug);
    for (const p of parentsOf(slug)) {
      const cycle = dfs(p);
      if (cycle) return cycle;
    }
    stack.pop();
    return undefined;
  };
  return dfs(start);
}

/**
 * Rule across submissions: parents form no cycle. Each cycle is reported once, on the first of
 * its members in the input order (the graph is small; a plain depth-first search suffices).
 */
export function parentCycles(subs: readonly LoadedSubmission[]): Problem[] {
  const bySlug = new Map(subs.map((s) => [s.slug, s]));
  const parentsOf = (slug: string) => bySlug.get(slug)?.manifest.parents ?? [];
  const reported = new Set<string>();
  const out: Problem[] = [];
  for (const s of subs) {
    const cycle = cycleFrom(s.slug, parentsOf);
    if (!cycle || cycle[0] !== s.slug || reported.has(s.slug)) continue;
    cycle.forEach((c) => reported.add(c));
    out.push(
      problemIn(s, ["parents"], {
        code: "parent-cycle",
        message: `parents form a cycle: ${cycle.join(" → ")}`,
        fix: "a submission can only build on submissions that came before it; remove one of these parents",
      }),
    );
  }
  return out;
}
