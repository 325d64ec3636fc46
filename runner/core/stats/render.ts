import type { Comparison } from "./compare.ts";

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}%`;
const p = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? "n/a" : x < 1e-4 ? x.toExponential(2) : x.toFixed(4);

export const VERDICT_WORDS: Record<Comparison["verdict"], string> = {
  faster: "FASTER",
  slower: "SLOWER",
  tie: "TIE",
  inconclusive: "INCONCLUSIVE",
};

/** Plain-text report of a comparison, for terminals and CI logs. */
export function renderComparison(c: Comparison, names: { candidate: string; incumbent: string }): string {
  const lines = [
    `verdict: ${VERDICT_WORDS[c.verdict]} — ${names.candidate} vs ${names.incumbent}`,
    `Δ = ${f(c.estimate)} tok/s (${pct(c.relative.estimate)}), ${f(c.confidence * 100, 1)}% CI [${f(c.ci[0])}, ${f(c.ci[1])}] (${pct(c.relative.ci[0])} … ${pct(c.relative.ci[1])})`,
    `minimum effect δ = ${f(c.delta)} tok/s (${c.deltaSpec}); minimum detectable effect at this noise ≈ ${f(c.mde)} tok/s`,
    ...c.reasons.map((r) => `why: ${r}`),
    "",
    `arm         launches  runs   mean tok/s   sd(launch means)`,
    `${names.candidate.slice(0, 10).padEnd(10)}  ${String(c.arms.candidate.launches).padStart(8)}  ${String(c.arms.candidate.runs).padStart(4)}  ${f(c.arms.candidate.mean).padStart(11)}  ${f(c.arms.candidate.sd).padStart(17)}`,
    `${names.incumbent.slice(0, 10).padEnd(10)}  ${String(c.arms.incumbent.launches).padStart(8)}  ${String(c.arms.incumbent.runs).padStart(4)}  ${f(c.arms.incumbent.mean).padStart(11)}  ${f(c.arms.incumbent.sd).padStart(17)}`,
    "",
    `design: ${c.design}${c.design === "paired" ? `, ${c.blocks} blocks` : ""}; look ${c.look.index} of ${c.look.of}${c.look.final ? " (final)" : c.look.next ? ` (next look at ${c.look.next} blocks)` : ""}; α = ${c.alpha} overall, ${c.alphaPerLook} per look`,
    "tests:",
  ];
  if (c.tests.pairedT)
    lines.push(
      `  paired t        t = ${f(c.tests.pairedT.t, 4)}, df = ${c.tests.pairedT.df}, p = ${p(c.tests.pairedT.p)}   (primary)`,
    );
  if (c.tests.wilcoxon)
    lines.push(`  Wilcoxon        V = ${c.tests.wilcoxon.V}, p = ${p(c.tests.wilcoxon.p)}   (cross-check)`);
  lines.push(
    `  Welch t         t = ${f(c.tests.welch.t, 4)}, df = ${f(c.tests.welch.df, 3)}, p = ${p(c.tests.welch.p)}${c.design === "unpaired" ? "   (primary)" : ""}`,
  );
  lines.push(
    `  Mann-Whitney U  U = ${c.tests.mannWhitney.U}, p = ${p(c.tests.mannWhitney.p)} (${c.tests.mannWhitney.method})`,
  );
  lines.push(`  Hodges-Lehmann  shift = ${f(c.tests.hodgesLehmann)} tok/s`);
  if (c.tests.bootstrap)
    lines.push(
      `  bootstrap       ${f(c.confidence * 100, 1)}% CI [${f(c.tests.bootstrap.ci[0])}, ${f(c.tests.bootstrap.ci[1])}] over blocks (${c.tests.bootstrap.reps} resamples)`,
    );
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  return lines.join("\n");
}
