import type { ArmSummary, Comparison } from "./compare.ts";

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}%`;
const p = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? "n/a" : x < 1e-4 ? x.toExponential(2) : x.toFixed(4);

export const VERDICT_WORDS: Record<Comparison["verdict"], string> = {
  faster: "FASTER",
  slower: "SLOWER",
  tie: "TIE",
  unresolved: "UNRESOLVED",
  inconclusive: "INCONCLUSIVE",
};

function armRow(name: string, a: ArmSummary): string {
  return [
    name.slice(0, 10).padEnd(10),
    String(a.launches).padStart(8),
    String(a.runs).padStart(4),
    f(a.mean).padStart(11),
    f(a.sd).padStart(17),
  ].join("  ");
}

function designLine(c: Comparison): string {
  const blocks = c.design === "paired" ? `, ${c.blocks} blocks` : "";
  const when = c.look.final ? " (final)" : c.look.next ? ` (next look at ${c.look.next} blocks)` : "";
  const alpha = `α = ${c.alpha} overall, ${c.alphaPerLook} per look`;
  return `design: ${c.design}${blocks}; look ${c.look.index} of ${c.look.of}${when}; ${alpha}`;
}

function testLines(c: Comparison): string[] {
  const t = c.tests;
  const lines: string[] = [];
  if (t.pairedT)
    lines.push(
      `  paired t        t = ${f(t.pairedT.t, 4)}, df = ${t.pairedT.df}, p = ${p(t.pairedT.p)}   (primary)`,
    );
  if (t.wilcoxon)
    lines.push(
      `  Wilcoxon        V = ${t.wilcoxon.V}, p = ${p(t.wilcoxon.p)} (${t.wilcoxon.method})   (cross-check)`,
    );
  const primary = c.design === "unpaired" ? "   (primary)" : "";
  lines.push(
    `  Welch t         t = ${f(t.welch.t, 4)}, df = ${f(t.welch.df, 3)}, p = ${p(t.welch.p)}${primary}`,
  );
  lines.push(`  Mann-Whitney U  U = ${t.mannWhitney.U}, p = ${p(t.mannWhitney.p)} (${t.mannWhitney.method})`);
  lines.push(`  Hodges-Lehmann  shift = ${f(t.hodgesLehmann)} tok/s`);
  if (t.bootstrap) {
    const [lo, hi] = t.bootstrap.ci;
    const conf = f(c.confidence * 100, 1);
    lines.push(
      `  bootstrap-t     ${conf}% CI [${f(lo)}, ${f(hi)}] over blocks (studentized, ${t.bootstrap.reps} resamples)`,
    );
  }
  return lines;
}

/** Plain-text report of a comparison, for terminals and CI logs. */
export function renderComparison(c: Comparison, names: { candidate: string; incumbent: string }): string {
  const ci = `${f(c.confidence * 100, 1)}% CI [${f(c.ci[0])}, ${f(c.ci[1])}]`;
  const rel = `(${pct(c.relative.ci[0])} … ${pct(c.relative.ci[1])})`;
  const lines = [
    `verdict: ${VERDICT_WORDS[c.verdict]} — ${names.candidate} vs ${names.incumbent}`,
    `Δ = ${f(c.estimate)} tok/s (${pct(c.relative.estimate)}), ${ci} ${rel}`,
    `minimum effect δ = ${f(c.delta)} tok/s (${c.deltaSpec}); ` +
      `minimum detectable effect at this noise ≈ ${f(c.mde)} tok/s`,
    ...c.reasons.map((r) => `why: ${r}`),
    "",
    `arm         launches  runs   mean tok/s   sd(launch means)`,
    armRow(names.candidate, c.arms.candidate),
    armRow(names.incumbent, c.arms.incumbent),
    "",
    designLine(c),
    "tests:",
    ...testLines(c),
  ];
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  return lines.join("\n");
}
