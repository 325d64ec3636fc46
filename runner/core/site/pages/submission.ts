import { stringify } from "yaml";
import type { RunRecord } from "../../schema/run-record.ts";
import { launchMean } from "../../stats/estimates.ts";
import { pushTo } from "../collect.ts";
import type { SiteContext, SiteFile } from "../context.ts";
import { clip, cssToken, f1, pct, standingLabel, verdictLabel } from "../format.ts";
import { submissionLink, versusCell, when } from "./parts.ts";
import { seenBy, versusLeader, type VersusLeader } from "../../versus.ts";
import { html, type Html, type Interpolation, join } from "../html.ts";
import type { SubmissionView } from "../model.ts";

/** Items joined by a separator, or a dash when there are none. */
const listOrDash = (items: readonly Interpolation[], sep: string) => (items.length ? join(items, sep) : "—");

/** Per-launch dot plot of one run: each dot is a launch's mean; both arms on one axis. */
function dotPlot(r: RunRecord): Html | "" {
  const pts = r.launches.map((l) => ({ arm: l.arm, block: l.block, m: launchMean(l) }));
  if (!pts.length) return "";
  const lo = Math.min(...pts.map((p) => p.m));
  const hi = Math.max(...pts.map((p) => p.m));
  const w = 320;
  const x = (v: number) => 10 + ((v - lo) / (hi - lo || 1)) * (w - 20);
  const means = (arm: string) =>
    pts
      .filter((p) => p.arm === arm)
      .map((p) => f1(p.m))
      .join(", ");
  const label = `launch means: candidate ${means("candidate")}; incumbent ${means("incumbent")}`;
  const marks = pts.map((p) => {
    const title = html`<title>block ${p.block}: ${f1(p.m)} tok/s</title>`;
    return p.arm === "candidate"
      ? html`<circle class="cand" cx="${x(p.m).toFixed(1)}" cy="18" r="4">${title}</circle>`
      : html`<rect class="inc" x="${(x(p.m) - 4).toFixed(1)}" y="24" width="8" height="8">${title}</rect>`;
  });
  return html`<svg class="dots" width="${w}" height="46" role="img" aria-label="${label}">
<text x="0" y="12">candidate</text><text x="0" y="40">incumbent</text>
${marks}
</svg>`;
}

const okMark = (ok: boolean) => (ok ? "✓" : "✗");

/**
 * The three checks of the candidate arm side by side, each with its threshold: checkpoint
 * perplexity, identity with its own plain decode, decode-path NLL under the baseline. Records from
 * before the plain-decode reference show perplexity and agreement with the baseline, their gate then.
 */
function qualityChecks(q: NonNullable<RunRecord["quality"]["candidate"]>): Html {
  const verdict = q.ok ? "passed" : "failed";
  const only = q.verifiedBy === "baseline-agreement" ? html` (baseline agreement only: not ranked)` : "";
  if (!q.identity)
    return html`${verdict}: ppl ${pct(q.pplIncrease)}, greedy exact ${q.greedy.exact}/${q.greedy.prompts}${only}`;
  const pplOk = q.maxPplIncrease === undefined || q.pplIncrease <= q.maxPplIncrease;
  const pplLimit = q.maxPplIncrease === undefined ? "" : html` (≤ ${pct(q.maxPplIncrease)})`;
  const id = q.identity;
  const nll = q.outputNll;
  const sign = nll && nll.increase >= 0 ? "+" : "";
  const worst = nll?.worst === undefined ? "" : html`; worst prompt +${nll.worst.toFixed(3)}`;
  const over = nll ? html`(≤ ${nll.max}; ${nll.worse}/${nll.prompts} prompts over${worst})` : "";
  const nllLine = nll
    ? html`<br>${okMark(nll.ok)} decode path ${sign}${nll.increase.toFixed(3)} nats/token ${over}`
    : "";
  const failed = id.prompts - id.passed;
  const ties = html`(${failed} failed; ties under ${id.tieMargin})`;
  const idLine = html`${okMark(id.ok)} identity ${id.passed}/${id.prompts} ${ties}`;
  const agreement = html`<small>reference agreement ${q.greedy.exact}/${q.greedy.prompts} (information)</small>`;
  const pplLine = html`${okMark(pplOk)} checkpoint ppl ${pct(q.pplIncrease)}${pplLimit}`;
  return html`${verdict}<br>${pplLine}<br>${idLine}${nllLine}<br>${agreement}`;
}

/** The verification cell: quality checks of the candidate arm and the run's reason if any. */
function verificationCell(r: RunRecord): Html {
  const q = r.quality.candidate;
  const quality = q ? qualityChecks(q) : "—";
  return html`${quality}${r.reason ? html`<br><small>${clip(r.reason, 300)}</small>` : ""}`;
}

/** One row of a submission's run table, from its side; only the last 12 runs carry a dot plot. */
function runRow(s: SubmissionView, r: RunRecord, withPlot: boolean): Html {
  const seen = seenBy(r, s.slug)!;
  const against =
    seen.role === "candidate"
      ? submissionLink("../", seen.opponent)
      : html`${submissionLink("../", seen.opponent)} <small>(it challenged this one)</small>`;
  const verdict = seen.verdict
    ? html`<span class="verdict v-${cssToken(seen.verdict)}">${verdictLabel(seen.verdict)}</span>`
    : r.status;
  const delta = seen.ci ? `${f1(seen.estimate!)} [${f1(seen.ci[0])}, ${f1(seen.ci[1])}]` : "—";
  const verification = seen.role === "candidate" ? verificationCell(r) : incumbentCell(r);
  return html`<tr><td>${when(r.finishedAt)}</td><td>${against}</td>\
<td>${verdict}${r.status !== "ok" ? ` (${r.status})` : ""}</td><td>${delta}</td>\
<td>${verification}</td><td>${withPlot ? dotPlot(r) : ""}</td></tr>`;
}

/** The verification cell of a run it defended: its own arm's checks (the challenger's are on its page). */
function incumbentCell(r: RunRecord): Html {
  const q = r.quality.incumbent;
  return q ? qualityChecks(q) : html`—`;
}

/** Runs that say something about it: all its own, and the clean runs it defended (core/versus.ts). */
const ownView = (s: SubmissionView, runs: readonly RunRecord[]) => runs.filter((r) => seenBy(r, s.slug));

function runTable(s: SubmissionView, runs: readonly RunRecord[]): Html {
  const mine = ownView(s, runs);
  if (!mine.length) return html`<p>Not benchmarked yet.</p>`;
  const rows = mine.map((r, i) => runRow(s, r, i >= mine.length - 12));
  return html`<table><thead><tr><th scope="col">Finished</th><th scope="col">Against</th>\
<th scope="col">Verdict</th><th scope="col">Δ tok/s [CI]</th><th scope="col">Verification</th>\
<th scope="col">Launch means</th></tr></thead><tbody>${join(rows, "\n")}</tbody></table>`;
}

/** Who made it, what it builds on, where it is discussed. */
function facts(s: SubmissionView): Html {
  const sub = (p: string) => html`<a href="${p}.html">${p}</a>`;
  const authors = s.authors.map((a) => html`<a href="../participants/${a}.html">@${a}</a>`);
  const credits = s.credits.map((c) => `@${c.who} (${c.for})`);
  const threads = s.mentionedIn.map((n) => html`<a href="../threads/${n}.html">#${n}</a>`);
  return html`<dl><dt>Authors</dt><dd>${join(authors, ", ")}</dd>
<dt>Credits</dt><dd>${listOrDash(credits, "; ")}</dd>
<dt>Parents</dt><dd>${listOrDash(s.parents.map(sub), ", ")}</dd>
<dt>Children</dt><dd>${listOrDash(s.children.map(sub), ", ")}</dd>
<dt>First seen</dt><dd>${when(s.firstAt)} in <code>${s.firstCommit.slice(0, 10)}</code>\
${s.pr ? ` · pull request #${s.pr}` : ""}</dd>
<dt>Threads that mention it</dt><dd>${listOrDash(threads, ", ")}</dd></dl>`;
}

/** Why an unconfirmed result is not ranked: the claim, the private-set re-run, the failed check. */
export function unconfirmedEvidence(e: NonNullable<SubmissionView["unconfirmed"]>): Html {
  const claim = e.claim !== null ? `${f1(e.claim)} tok/s` : "not recorded";
  const rerun = e.tps !== null ? `${f1(e.tps)} tok/s` : "not recorded";
  const ratio = e.ratio !== null ? `${(e.ratio * 100).toFixed(1)}% of the claim` : "not recorded";
  return html`<dl class="evidence"><dt>Claim</dt><dd>${claim} (run <code>${e.run}</code>)</dd>\
<dt>Private-set re-run</dt><dd>${rerun}</dd><dt>Re-run ratio</dt><dd>${ratio}</dd>\
<dt>Failed check</dt><dd>${e.check}</dd></dl>`;
}

/** The unconfirmed mark on a submission's page, with its evidence. */
function unconfirmedNote(s: SubmissionView): Html | "" {
  if (!s.unconfirmed) return "";
  return html`<section class="unconfirmed" aria-labelledby="unc"><h2 id="unc">Unconfirmed: not ranked</h2>
<p>Its lead claim did not hold on the private prompt set, so it is left off both leaderboards.</p>
${unconfirmedEvidence(s.unconfirmed)}</section>`;
}

/** Why the lifecycle took a result out: the organizer's evidence, or the author's reason. */
function lifecycleNote(s: SubmissionView): Html | "" {
  const m = s.lifecycle;
  if (!m) return "";
  const heading = {
    hacked: "Ruled hacked: not ranked",
    withdrawn: "Withdrawn: not ranked",
    negative: "Negative result: a logged dead end",
  }[m.status];
  const what = {
    hacked: "An organizer ruled this result hacked. The evidence is kept here; it cannot lead or rank.",
    withdrawn: "Its author withdrew it. It cannot lead or rank.",
    negative: "Its author logged it as a dead end, without a GPU run, so others need not repeat it.",
  }[m.status];
  const label = m.status === "hacked" ? "Evidence" : "Reason";
  return html`<section class="lifecycle l-${m.status}" aria-labelledby="lc"><h2 id="lc">${heading}</h2>
<p>${what}</p><dl class="evidence"><dt>${label}</dt><dd>${m.reason || "—"}</dd>\
<dt>By</dt><dd><a href="../participants/${m.by}.html">@${m.by}</a>, ${when(m.at)} (PR #${m.pr})</dd></dl></section>`;
}

/** Every run, ruling and lifecycle step in time order. */
function historySection(s: SubmissionView): Html {
  if (!s.history.length) return html`<section><h2>History</h2><p>Nothing recorded yet.</p></section>`;
  const kind = { run: "run", ruling: "ruling", lifecycle: "lifecycle" };
  const items = s.history.map(
    (h) => html`<li class="h-${h.kind}">${when(h.at)} · <strong>${kind[h.kind]} ${h.status}</strong>\
${h.by ? html` by <a href="../participants/${h.by}.html">@${h.by}</a>` : ""}: ${h.text}</li>`,
  );
  return html`<section aria-labelledby="hist"><h2 id="hist">History</h2><ol class="history">${items}</ol></section>`;
}

/** Its relation to the leader in one line (nothing for the leader itself). */
function versusLine(ctx: SiteContext, v: VersusLeader): Html | "" {
  if (v.kind === "leader") return "";
  const leader = submissionLink("../", ctx.model.leader.slug);
  return html`<p class="versus">Against the leader (${leader}): ${versusCell(v)}</p>`;
}

function submissionBody(
  ctx: SiteContext,
  s: SubmissionView,
  runs: readonly RunRecord[],
  versus: VersusLeader,
): Html {
  const best = s.best
    ? ` — ${f1(s.best.estimate)} tok/s, 95% CI [${f1(s.best.ci[0])}, ${f1(s.best.ci[1])}]`
    : "";
  const ruling = s.ruling
    ? html`<p class="ruling">Ruling (${s.ruling.decision}) by @${s.ruling.by}: ${s.ruling.reason}</p>`
    : "";
  return html`<h1>${s.slug}: ${s.title}</h1>
<p class="standing s-${cssToken(s.standing)}">${standingLabel(s.standing)}${best}</p>
${versusLine(ctx, versus)}
${ruling}
${unconfirmedNote(s)}
${lifecycleNote(s)}
${facts(s)}
<section><h2>Description</h2>${ctx.markdown(1).block(s.description || "_No description._")}</section>
${historySection(s)}
<section><h2>Runs</h2>${runTable(s, runs)}</section>
<section><h2>Manifest</h2><pre><code>${stringify(s.manifest)}</code></pre></section>`;
}

/** One run as the submission's JSON twin lists it, from the submission's side (core/versus.ts). */
function runApi(s: SubmissionView, r: RunRecord) {
  const seen = seenBy(r, s.slug)!;
  return {
    id: r.id,
    role: seen.role,
    status: r.status,
    reason: r.reason ?? null,
    against: seen.opponent,
    verdict: seen.verdict,
    estimate: seen.estimate,
    ci: seen.ci,
    quality: seen.role === "candidate" ? r.quality.candidate : r.quality.incumbent,
    confirmation: r.confirmation,
    finishedAt: r.finishedAt,
    requester: r.requester?.login ?? null,
    credited: r.credited ?? null,
    launches: r.launches.map((l) => ({ arm: l.arm, block: l.block, runs: l.runs })),
  };
}

/** A submission's JSON twin: everything on its page, runs with per-launch samples. */
function submissionApi(s: SubmissionView, runs: readonly RunRecord[], versus: VersusLeader) {
  return {
    slug: s.slug,
    title: s.title,
    description: s.description,
    authors: s.authors,
    credits: s.credits,
    parents: s.parents,
    children: s.children,
    firstAt: s.firstAt,
    firstCommit: s.firstCommit,
    pr: s.pr ?? null,
    standing: s.standing,
    unconfirmed: s.unconfirmed ?? null,
    lifecycle: s.lifecycle ?? null,
    history: s.history,
    ruling: s.ruling ?? null,
    best: s.best ?? null,
    manifest: s.manifest,
    mentionedIn: s.mentionedIn,
    versusLeader: versus,
    runs: ownView(s, runs).map((r) => runApi(s, r)),
  };
}

/** Runs by the submissions they involve (either arm), indexed once for all pages. */
function runsBySubmission(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const out = new Map<string, RunRecord[]>();
  for (const r of runs)
    for (const slug of new Set([r.candidate.slug, r.incumbent.slug])) pushTo(out, slug, r);
  return out;
}

/** One page and one JSON twin per submission (only those asked for, in incremental builds), then the index. */
export function* submissionPages(ctx: SiteContext, only?: Set<string>): Generator<SiteFile> {
  const runsOf = runsBySubmission(ctx.model.runs);
  for (const s of ctx.model.submissions.values()) {
    if (only && !only.has(s.slug)) continue;
    const runs = runsOf.get(s.slug) ?? [];
    const twin = `api/submissions/${s.slug}.json`;
    const versus = versusLeader(s.slug, ctx.model.leader.slug, runs);
    const body = submissionBody(ctx, s, runs, versus);
    yield ctx.page(`submissions/${s.slug}.html`, { depth: 1, title: s.slug, body, twin });
    yield ctx.json(twin, submissionApi(s, runs, versus));
  }
  const index = [...ctx.model.submissions.values()].map((s) => ({
    slug: s.slug,
    title: s.title,
    standing: s.standing,
    authors: s.authors,
    parents: s.parents,
    tps: s.best?.estimate ?? null,
    firstAt: s.firstAt,
  }));
  yield ctx.json("api/submissions.json", { submissions: index });
}
