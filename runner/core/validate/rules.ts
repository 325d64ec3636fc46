import type { Challenge } from "../schema/challenge.ts";
import type { Problem } from "./problem.ts";
import type { LoadedSubmission, RuleContext, SubmissionRule } from "./rules/context.ts";
import {
  compilationConfig,
  engineKind,
  envNames,
  extraArgs,
  loadFormat,
  nightlyAllowed,
} from "./rules/engine.ts";
import { hasParents, parentCycles, parentRefs } from "./rules/parents.ts";
import { kernels, modelRefs, tokenizerPath } from "./rules/paths.ts";
import { duplicateAuthors, placeholders } from "./rules/people.ts";

export type { LoadedSubmission, RuleContext, SubmissionRule } from "./rules/context.ts";
export { HARNESS_OWNED_FLAGS, envAllowed } from "./engine-policy.ts";

/** The rules every submission passes, by name (the name is how a test or a reader finds one). */
export const SUBMISSION_RULES: Readonly<Record<string, SubmissionRule>> = {
  parentRefs,
  hasParents,
  engineKind,
  nightlyAllowed,
  envNames,
  extraArgs,
  compilationConfig,
  loadFormat,
  kernels,
  tokenizerPath,
  modelRefs,
  duplicateAuthors,
  placeholders,
};

/**
 * Rules across files: each submission through every named rule, then the parent graph as a
 * whole. Pure: the caller loads everything.
 */
export function checkSubmissionRules(
  challenge: Challenge,
  subs: readonly LoadedSubmission[],
  knownSlugs: readonly string[] = subs.map((s) => s.slug),
): Problem[] {
  const all = [...new Set([...knownSlugs, ...subs.map((s) => s.slug)])];
  const perSubmission = subs.flatMap((sub) => {
    const ctx: RuleContext = { challenge, sub, knownSlugs: all };
    return Object.values(SUBMISSION_RULES).flatMap((rule) => rule(ctx));
  });
  return [...perSubmission, ...parentCycles(subs)];
}
