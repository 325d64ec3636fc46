import type { ComparisonRecord, RunRecord } from "../schema/run-record.ts";
import { fixed, hiddenJson, inert, marker, pct } from "./comment-text.ts";
import { launchMeans } from "../stats/estimates.ts";

type Arm = "candidate" | "incumbent";

/** Who the verdict is for; the log link comes from the publishing workflow. */
export interface VerdictAudience {
  author?: string;
  requester?: string;
  logUrl?: string;
}

const BADGE: Record<string, string> = {
  faster: "🟢 **FASTER**",
  slower: "🔴 **SLOWER**",
  tie: "⚪ **TIE**",
  unresolved: "🟠 **UNRESOLVED**",
  inconclusive: "🟡 **INCONCLUSIVE**",
};

/** What a verdict means for the lead, in one sentence (for the two that are easy to misread). */
function meaningLine(c: ComparisonRecord): string[] {
  if (c.verdict === "unresolved")
    return [
      `The evidence ran out at the last planned look: the interval still straddles ±δ, so this is ` +
        `neither faster nor a tie. The incumbent keeps the lead; at this noise only a difference ` +
        `above ≈ ${fixed(c.mde, 1)} tok/s could have been shown.`,
    ];
  if (c.verdict === "tie")
    return [
      "A tie: the whole interval lies within ±δ, so any difference is smaller than the minimum effect.",
    ];
  return [];
}

/** "@author @requester (pooled run)": the requester is named only when it is someone else. */
function mentions(o: VerdictAudience): string {
  const author = o.author ? `@${o.author}` : "";
  const pooled = o.requester && o.requester !== o.author ? `@${o.requester} (pooled run)` : "";
  return [author, pooled].filter(Boolean).join(" ");
}

/** The badge line: the speed verdict, behind an INVALID banner when verification failed. */
function headline(r: RunRecord, c: ComparisonRecord, mention: string): string {
  const badge =
    r.status === "invalid"
      ? `⛔ **INVALID** (${inert(r.reason ?? "", 300)}) — speed ${BADGE[c.verdict]}`
      : BADGE[c.verdict];
  return `${badge} \`${r.candidate.slug}\` vs \`${r.incumbent.slug}\` ${mention}`;
}

/** Δ with its confidence interval, absolute and relative, against the minimum effect. */
function effectLine(c: ComparisonRecord): string {
  const ci = `${fixed(c.confidence * 100)}% CI [${fixed(c.ci[0], 2)}, ${fixed(c.ci[1], 2)}]`;
  const relCi = `(${pct(c.relative.ci[0])} … ${pct(c.relative.ci[1])})`;
  return (
    `**Δ = ${fixed(c.estimate, 2)} tok/s (${pct(c.relative.estimate)})**, ${ci} ${relCi}; ` +
    `minimum effect δ = ${fixed(c.delta, 2)} tok/s (${c.deltaSpec}); ` +
    `detectable at this noise ≈ ${fixed(c.mde, 1)} tok/s.`
  );
}

/** One arm's row: launches, the mean of launch means, and each launch's mean. */
function armRow(r: RunRecord, arm: Arm, slug: string): string {
  const launches = r.launches.filter((l) => l.arm === arm);
  const means = launchMeans(r, arm);
  const mean = means.reduce((x, y) => x + y, 0) / (means.length || 1);
  const perLaunch = means.map((m) => fixed(m, 1)).join(", ");
  return `| ${arm} | \`${slug}\` | ${launches.length} | ${fixed(mean, 2)} | ${perLaunch} |`;
}

function armTable(r: RunRecord): string[] {
  return [
    "| arm | submission | launches | mean tok/s | per launch |",
    "|---|---|---|---|---|",
    armRow(r, "candidate", r.candidate.slug),
    armRow(r, "incumbent", r.incumbent.slug),
  ];
}

type Quality = NonNullable<RunRecord["quality"]["candidate"]>;

const mark = (ok: boolean) => (ok ? "✅" : "❌");
const nats = (x: number) => `${x >= 0 ? "+" : ""}${fixed(x, 3)}`;

/** The three checks side by side, each with its result, its threshold and how many prompts failed it. */
function checkRows(q: Quality): string[] {
  const pplOk = q.maxPplIncrease === undefined || q.pplIncrease <= q.maxPplIncrease;
  const pplLimit = q.maxPplIncrease === undefined ? "" : `≤ ${pct(q.maxPplIncrease)}`;
  const rows = [
    "| check | result | threshold |",
    "| --- | --- | --- |",
    `| checkpoint perplexity | ${mark(pplOk)} ${fixed(q.ppl, 4)} vs reference ${fixed(q.pplReference, 4)} ` +
      `(${pct(q.pplIncrease)}) | ${pplLimit} |`,
  ];
  const id = q.identity;
  if (id)
    rows.push(
      `| identity with its own plain decode | ${mark(id.ok)} ${id.passed}/${id.prompts} prompts ` +
        `(${id.exact} exact, ${id.passed - id.exact} diverged at a near-tie, ${id.prompts - id.passed} failed) | ` +
        `≥ ${fixed(id.min * 100)}% of prompts; ties under ${id.tieMargin} nats |`,
    );
  const o = q.outputNll;
  if (o) {
    // The worst single prompt and its bound, where the record carries them.
    const worst = o.worst === undefined ? "" : `; worst prompt ${nats(o.worst)}`;
    const perPrompt = o.maxPrompt === undefined ? "" : `, ≤ ${o.maxPrompt} on any prompt`;
    rows.push(
      `| decode path, by the trusted scorer | ${mark(o.ok)} ${nats(o.increase)} nats/token over its plain ` +
        `decode (${o.worse} of ${o.prompts} prompts over${worst}) | ≤ ${o.max} nats/token${perPrompt} |`,
    );
  }
  return rows;
}

/** Verification on the timed outputs (the three checks), when the runner checked it. */
function verificationLines(r: RunRecord): string[] {
  const q = r.quality.candidate;
  if (!q) return [];
  const prompts = `${q.greedy.exact}/${q.greedy.prompts} prompts`;
  const prefix = `mean prefix ${fixed(q.greedy.meanPrefixFraction * 100)}%`;
  const head = `**Verification** (on the timed outputs): ${q.ok ? "✅ passed" : "❌ failed"}`;
  // A record from before the plain-decode reference: agreement with the baseline was the gate.
  if (!q.identity) {
    const ppl = `perplexity ${fixed(q.ppl, 4)} vs reference ${fixed(q.pplReference, 4)} (${pct(q.pplIncrease)})`;
    // A look gathered from the runner pool could not run the plain decode nor the scorer.
    const only =
      q.verifiedBy === "baseline-agreement"
        ? " Verified by agreement with the baseline only (no plain decode, no trusted scorer): not ranked."
        : "";
    return [`${head} — ${ppl}; greedy exact on ${prompts}, ${prefix}.${only}`];
  }
  const agreement = `${prompts} exact, ${prefix}`;
  return [
    `${head}`,
    "",
    ...checkRows(q),
    "",
    `Agreement with the reference outputs (information only): ${agreement}.`,
  ];
}

/** The private-set confirmation, unless it was skipped. */
function confirmationLines(r: RunRecord): string[] {
  const conf = r.confirmation;
  if (conf.status === "skipped") return [];
  const ratio = conf.ratio !== undefined ? ` (${fixed(conf.ratio * 100)}% of the claimed speed)` : "";
  const reason = conf.reason ? ` — ${inert(conf.reason)}` : "";
  return [`**Confirmation** on the private prompt set: ${conf.status}${ratio}${reason}.`];
}

/** The small print: design, sequential look, p-values, workload, runner and log link. */
function designFooter(r: RunRecord, c: ComparisonRecord, logUrl?: string): string {
  const d = r.design;
  const p = c.pValue === null ? "n/a" : c.pValue.toPrecision(3);
  const wilcoxon = c.wilcoxonP !== null ? `, Wilcoxon p = ${c.wilcoxonP.toPrecision(3)}` : "";
  const design =
    `Design: ${c.design}, ${c.blocks} blocks (order ${d.order.join(" ")}, seed ${d.seed}), ` +
    `look ${c.look.index}/${c.look.of}, α ${c.alpha} (${c.alphaPerLook} per look); p = ${p}${wilcoxon}.`;
  const workload =
    `${d.prompts} prompts × ${d.maxTokens} tokens, ${d.warmup} warm-ups, ` +
    `${d.repeats} timed pass(es) per launch.`;
  const runner =
    `Runner \`${inert(r.runner.id, 80)}\` (${inert(r.runner.hardware, 120)}), ` +
    `engine ${inert(r.runner.engine, 120)}.`;
  const log = logUrl ? ` [log](${encodeURI(logUrl)})` : "";
  return `<sub>${design} ${workload} ${runner}${log}</sub>`;
}

/** The body of a run that produced a comparison. */
function comparisonLines(r: RunRecord, c: ComparisonRecord, o: VerdictAudience): string[] {
  return [
    headline(r, c, mentions(o)),
    "",
    effectLine(c),
    ...meaningLine(c),
    "",
    ...c.reasons.map((x) => `> ${inert(x)}`),
    "",
    ...armTable(r),
    "",
    ...verificationLines(r),
    ...confirmationLines(r),
    "",
    designFooter(r, c, o.logUrl),
  ];
}

/** The twin of the verdict comment: what the site and tools read back. */
function verdictTwin(r: RunRecord) {
  const c = r.comparison;
  const q = r.quality.candidate;
  return {
    version: 1,
    id: r.id,
    status: r.status,
    candidate: r.candidate.slug,
    incumbent: r.incumbent.slug,
    verdict: c?.verdict ?? null,
    estimate: c?.estimate ?? null,
    ci: c?.ci ?? null,
    delta: c?.delta ?? null,
    blocks: c?.blocks ?? 0,
    quality: q
      ? {
          ok: q.ok,
          pplIncrease: q.pplIncrease,
          exactFraction: q.greedy.exactFraction,
          ...(q.identity
            ? { identity: { ok: q.identity.ok, passed: q.identity.passed, prompts: q.identity.prompts } }
            : {}),
          ...(q.outputNll ? { outputNll: { ok: q.outputNll.ok, increase: q.outputNll.increase } } : {}),
        }
      : null,
    confirmation: r.confirmation.status,
  };
}

/** The verdict comment: badge, Δ with CI, both arms, verification, design and machine, hidden JSON. */
export function renderVerdictComment(r: RunRecord, o: VerdictAudience): string {
  const c = r.comparison;
  const slug = r.candidate.slug;
  let body: string[];
  if (r.status === "error")
    body = [
      `⚠️ **Run failed** for \`${slug}\`: ${inert(r.reason ?? "unknown error")} ${mentions(o)}`,
      "",
      "The run still counts against quota.",
    ];
  else if (!c) body = [`⚠️ No comparison for \`${slug}\` ${mentions(o)}`];
  else body = comparisonLines(r, c, o);
  return [marker("verdict", r.id), ...body, hiddenJson("verdict", verdictTwin(r))].join("\n");
}

/** Replaces the verdict comment of a run whose result publish refused. */
export function renderRejectedComment(runId: string, reason: string): string {
  return [
    marker("verdict", runId),
    `⚠️ The result of run \`${runId}\` was rejected: ${inert(reason)}. It still counts against quota.`,
    hiddenJson("verdict", { version: 1, id: runId, status: "rejected", reason }),
  ].join("\n");
}
