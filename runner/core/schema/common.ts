import { z } from "zod";

/** GitHub login: alphanumerics and single hyphens, no leading/trailing hyphen, at most 39 chars. */
export const Login = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\[bot\])?$/, {
  message: "expected a GitHub login such as `octocat` (letters, digits and single hyphens)",
});

/** A submission slug is its folder name under `submissions/`. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$|^[a-z0-9]$/;
export const Slug = z.string().regex(SLUG_PATTERN, {
  message: "expected a slug: lowercase letters, digits and hyphens, 1-64 chars, e.g. `int4-mtp`",
});

/** A relative path inside the repository: no `..`, no leading `/`. */
export const RepoPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), {
    message: "expected a path relative to the repository root, without `..`",
  });

/**
 * Minimum effect δ: a number is absolute (tokens/s), a string "N%" is relative to the incumbent.
 * Normalised to a tagged object so later code never parses strings.
 */
export const MinEffect = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\d+(\.\d+)?%$/, { message: 'expected a number (tok/s) or a percentage such as "1%"' }),
  ])
  .transform((v) =>
    typeof v === "number"
      ? { kind: "absolute" as const, value: v }
      : { kind: "relative" as const, value: Number(v.slice(0, -1)) / 100 },
  );
export type MinEffect = z.output<typeof MinEffect>;

export function formatMinEffect(d: MinEffect): string {
  return d.kind === "absolute" ? `${d.value} tok/s` : `${+(d.value * 100).toFixed(4)}%`;
}

/**
 * A comparison's verdict, the one list the statistics core and the run record share. `tie`: the CI
 * lies inside ±δ (equivalence shown). `unresolved`: the last look's CI still straddles ±δ — the
 * evidence ran out, the incumbent keeps the lead. `inconclusive`: extend to the next look.
 */
export const Verdict = z.enum(["faster", "slower", "tie", "unresolved", "inconclusive"]);
export type Verdict = z.infer<typeof Verdict>;
