import type { RunRecord } from "../schema/run-record.ts";
import type { Problem } from "../validate/problem.ts";
import type { QuotaState } from "./quota.ts";

/** Markers that let the bot find and update its own comment instead of adding new ones. */
export const marker = (kind: string, key: string | number) => `<!-- velodrome:${kind}:${key} -->`;

/** Neutralises user-controlled text for a comment: no HTML, no mentions, no link/image syntax. */
export function inert(text: string, max = 500): string {
  return text
    .slice(0, max)
    .replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!)
    .replace(/@/g, "@\u200b")
    .replace(/([[\]()`*_|!#])/g, "\\$1")
    .replace(/\r?\n/g, " ");
}

/** A machine-readable twin inside an HTML comment; `>` is escaped so the JSON cannot end the comment. */
export function hiddenJson(kind: string, data: unknown): string {
  return `<!-- velodrome:json:${kind} ${JSON.stringify(data).replace(/>/g, "\\u003e").replace(/--/g, "-\\u002d")} -->`;
}

export function parseHiddenJson(body: string, kind: string): unknown {
  const m = new RegExp(`<!-- velodrome:json:${kind} (.*?) -->`, "s").exec(body);
  return m ? JSON.parse(m[1]!) : undefined;
}

const f = (x: number, d = 1) => x.toFixed(d);
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}%`;
const BADGE: Record<string, string> = {
  faster: "🟢 **FASTER**",
  slower: "🔴 **SLOWER**",
  tie: "⚪ **TIE**",
  inconclusive: "🟡 **INCONCLUSIVE**",
};

export function renderValidationComment(pr: number, problems: Problem[], sha: string): string {
  const lines = [marker("validate", pr)];
  if (!problems.length)
    lines.push(
      `✅ **Velodrome validation passed** for \`${sha.slice(0, 7)}\`. Comment \`/bench\` to benchmark it.`,
    );
  else {
    lines.push(
      `❌ **Velodrome validation found ${problems.length} problem(s)** in \`${sha.slice(0, 7)}\`. No GPU time is spent until they are fixed.`,
      "",
      "| where | problem | fix |",
      "|---|---|---|",
    );
    for (const p of problems.slice(0, 50))
      lines.push(
        `| \`${inert(p.file, 200)}${p.line ? `:${p.line}:${p.col}` : ""}\` | ${inert(p.message)}${p.expected ? ` (expected: ${inert(p.expected, 200)})` : ""} | ${p.fix ? inert(p.fix, 200) : ""} |`,
      );
    if (problems.length > 50) lines.push(`| … | ${problems.length - 50} more | |`);
    lines.push("", "Run `npx velodrome validate --base origin/main` locally to see the same list.");
  }
  lines.push(
    hiddenJson("validate", { version: 1, pr, sha, ok: !problems.length, problems: problems.slice(0, 100) }),
  );
  return lines.join("\n");
}

export function renderQueuedComment(o: {
  pr: number;
  requester: string;
  author: string;
  slug: string;
  against: string;
  sha: string;
  quota: QuotaState;
  runId: string;
  pooled: boolean;
  organizer: boolean;
}): string {
  const q = o.quota;
  const quota = o.organizer
    ? "organizer run (not charged)"
    : `${q.agentUsed + 1} of ${q.agentLimit} runs used by @${o.requester} in the last 24 h${q.resetsAt ? `, the oldest frees up at ${q.resetsAt}` : ""}`;
  return [
    marker("queued", o.runId),
    `⏳ Queued \`${o.slug}\` against \`${o.against}\` at \`${o.sha.slice(0, 7)}\` — ${quota}.`,
    o.pooled ? `Pooled run: charged to @${o.requester}, credited to @${o.author}.` : "",
    hiddenJson("queued", {
      version: 1,
      runId: o.runId,
      pr: o.pr,
      slug: o.slug,
      against: o.against,
      sha: o.sha,
      requester: o.requester,
      author: o.author,
      pooled: o.pooled,
      quota: {
        agentUsed: q.agentUsed + (o.organizer ? 0 : 1),
        agentLimit: q.agentLimit,
        ownerUsed: q.ownerUsed + (o.organizer ? 0 : 1),
        ownerLimit: q.ownerLimit,
      },
    }),
  ]
    .filter(Boolean)
    .join("\n");
}

export function renderRefusal(requester: string, reason: string): string {
  return `🚫 @${requester} ${inert(reason, 600)}`;
}

/** The verdict comment: badge, Δ with CI, both arms, verification, design and machine, hidden JSON. */
export function renderVerdictComment(
  r: RunRecord,
  o: { author?: string; requester?: string; logUrl?: string },
): string {
  const c = r.comparison;
  const lines = [marker("verdict", r.id)];
  const mention = [
    o.author ? `@${o.author}` : "",
    o.requester && o.requester !== o.author ? `@${o.requester} (pooled run)` : "",
  ]
    .filter(Boolean)
    .join(" ");
  if (r.status === "error")
    lines.push(
      `⚠️ **Run failed** for \`${r.candidate.slug}\`: ${inert(r.reason ?? "unknown error")} ${mention}`,
      "",
      "The run still counts against quota.",
    );
  else if (!c) lines.push(`⚠️ No comparison for \`${r.candidate.slug}\` ${mention}`);
  else {
    const head =
      r.status === "invalid"
        ? `⛔ **INVALID** (${inert(r.reason ?? "", 300)}) — speed ${BADGE[c.verdict]}`
        : BADGE[c.verdict];
    lines.push(`${head} \`${r.candidate.slug}\` vs \`${r.incumbent.slug}\` ${mention}`, "");
    lines.push(
      `**Δ = ${f(c.estimate, 2)} tok/s (${pct(c.relative.estimate)})**, ${f(c.confidence * 100)}% CI [${f(c.ci[0], 2)}, ${f(c.ci[1], 2)}] (${pct(c.relative.ci[0])} … ${pct(c.relative.ci[1])}); minimum effect δ = ${f(c.delta, 2)} tok/s (${c.deltaSpec}); detectable at this noise ≈ ${f(c.mde, 1)} tok/s.`,
    );
    lines.push("", ...c.reasons.map((x) => `> ${inert(x)}`), "");
    const arm = (a: "candidate" | "incumbent") => r.launches.filter((l) => l.arm === a);
    const row = (a: "candidate" | "incumbent", slug: string) => {
      const ls = arm(a);
      const means = ls.map((l) => l.runs.reduce((x, y) => x + y, 0) / l.runs.length);
      const mean = means.reduce((x, y) => x + y, 0) / (means.length || 1);
      return `| ${a} | \`${slug}\` | ${ls.length} | ${f(mean, 2)} | ${means.map((m) => f(m, 1)).join(", ")} |`;
    };
    lines.push(
      "| arm | submission | launches | mean tok/s | per launch |",
      "|---|---|---|---|---|",
      row("candidate", r.candidate.slug),
      row("incumbent", r.incumbent.slug),
      "",
    );
    const q = r.quality.candidate;
    if (q)
      lines.push(
        `**Verification** (on the timed outputs): ${q.ok ? "✅ passed" : "❌ failed"} — perplexity ${f(q.ppl, 4)} vs reference ${f(q.pplReference, 4)} (${pct(q.pplIncrease)}); greedy exact on ${q.greedy.exact}/${q.greedy.prompts} prompts, mean prefix ${f(q.greedy.meanPrefixFraction * 100)}%.`,
      );
    const conf = r.confirmation;
    if (conf.status !== "skipped")
      lines.push(
        `**Confirmation** on the private prompt set: ${conf.status}${conf.ratio !== undefined ? ` (${f(conf.ratio * 100)}% of the claimed speed)` : ""}${conf.reason ? ` — ${inert(conf.reason)}` : ""}.`,
      );
    lines.push(
      "",
      `<sub>Design: ${c.design}, ${c.blocks} blocks (order ${r.design.order.join(" ")}, seed ${r.design.seed}), look ${c.look.index}/${c.look.of}, α ${c.alpha} (${c.alphaPerLook} per look); p = ${c.pValue === null ? "n/a" : c.pValue.toPrecision(3)}${c.wilcoxonP !== null ? `, Wilcoxon p = ${c.wilcoxonP.toPrecision(3)}` : ""}. ${r.design.prompts} prompts × ${r.design.maxTokens} tokens, ${r.design.warmup} warm-ups, ${r.design.repeats} timed pass(es) per launch. Runner \`${inert(r.runner.id, 80)}\` (${inert(r.runner.hardware, 120)}), engine ${inert(r.runner.engine, 120)}.${o.logUrl ? ` [log](${encodeURI(o.logUrl)})` : ""}</sub>`,
    );
  }
  lines.push(
    hiddenJson("verdict", {
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
      quality: r.quality.candidate
        ? {
            ok: r.quality.candidate.ok,
            pplIncrease: r.quality.candidate.pplIncrease,
            exactFraction: r.quality.candidate.greedy.exactFraction,
          }
        : null,
      confirmation: r.confirmation.status,
    }),
  );
  return lines.join("\n");
}
