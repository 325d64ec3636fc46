import type { Thread } from "../../schema/data.ts";
import type { RunRecord } from "../../schema/run-record.ts";
import { clip, cssToken, f1, minute, verdictLabel } from "../format.ts";
import { html, type Html, join } from "../html.ts";
import type { LeaderboardRow } from "../model.ts";
import { type VersusLeader, versusLeaderText } from "../../versus.ts";

/** Pieces shared by several pages: the leaderboard table, verdict lists, thread rows. */

/** An inline SVG bar: the CI relative to the leader, readable without JS or color. */
function ciBar(row: LeaderboardRow, lo: number, hi: number): Html {
  const w = 160;
  const x = (v: number) => (((v - lo) / (hi - lo || 1)) * w).toFixed(1);
  const label = `95% CI ${f1(row.ci[0])} to ${f1(row.ci[1])} tokens per second`;
  return html`<svg class="ci" width="${w}" height="14" role="img" aria-label="${label}">\
<line x1="${x(row.ci[0])}" x2="${x(row.ci[1])}" y1="7" y2="7"/>\
<circle cx="${x(row.estimate)}" cy="7" r="3"/></svg>`;
}

const VERIFICATION: Record<LeaderboardRow["verification"], string> = {
  passed: "passed",
  failed: "failed",
  unknown: "unknown",
};

/** What its latest head-to-head run with the leader said, with that run's difference and interval. */
export function versusCell(v: VersusLeader): Html {
  const text = versusLeaderText(v);
  if (v.kind !== "compared") return html`${text}`;
  const diff = html`Δ ${v.estimate >= 0 ? "+" : ""}${f1(v.estimate)} tok/s [${f1(v.ci[0])}, ${f1(v.ci[1])}]`;
  return html`<span class="verdict v-${cssToken(v.verdict)}">${text}</span><br><small>${diff}</small>`;
}

/** Where a row's speed was measured: a run against another submission, on that run's machine. */
const measuredIn = (r: LeaderboardRow, root: string) =>
  r.estimateAgainst && r.estimateAgainst !== r.slug
    ? html`<br><small>in its run vs ${submissionLink(root, r.estimateAgainst)}</small>`
    : "";

function leaderboardRow(r: LeaderboardRow, root: string, lo: number, hi: number): Html {
  const people = (logins: readonly string[]) =>
    join(
      logins.map((a) => html`<a href="${root}participants/${a}.html">@${a}</a>`),
      " ",
    );
  const [authors, credits] = [people(r.authors), people(r.credits)];
  return html`<tr data-slug="${r.slug}"><td data-value="${r.rank}">${r.label}</td>\
<td><a href="${root}submissions/${r.slug}.html">${r.slug}</a><br><small>${r.title}</small></td>\
<td data-value="${r.estimate.toFixed(3)}">${f1(r.estimate)}${measuredIn(r, root)}</td>\
<td>${ciBar(r, lo, hi)} <small>[${f1(r.ci[0])}, ${f1(r.ci[1])}]</small></td>\
<td>${versusCell(r.versusLeader)}</td>\
<td>${VERIFICATION[r.verification]}</td><td>${r.confirmation}${r.pending ? " (pending)" : ""}</td>\
<td>${authors}</td><td>${credits}</td><td data-value="${r.runsUsed}">${r.runsUsed}</td><td>${r.ruling ?? ""}</td></tr>`;
}

const LEADERBOARD_HEAD = html`<thead><tr><th scope="col" data-type="num">Rank</th>\
<th scope="col">Submission</th><th scope="col" data-type="num">tok/s</th><th scope="col">95% CI</th>\
<th scope="col">vs leader (head to head)</th><th scope="col">Verification</th>\
<th scope="col">Confirmation</th><th scope="col">Authors</th><th scope="col">Credits</th>\
<th scope="col" data-type="num">Runs</th><th scope="col">Ruling</th></tr></thead>`;

/** The sortable ranking table of the leaderboard pages. */
export function leaderboardTable(rows: LeaderboardRow[], root: string, caption: string): Html {
  if (!rows.length) return html`<p>No benchmarked submissions yet.</p>`;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r.ci[0]);
    hi = Math.max(hi, r.ci[1]);
  }
  const body = join(
    rows.map((r) => leaderboardRow(r, root, lo, hi)),
    "\n",
  );
  return html`<table class="sortable" id="leaderboard">
<caption>${caption}</caption>
${LEADERBOARD_HEAD}
<tbody>
${body}
</tbody></table>`;
}

/**
 * A time: readable to the minute, the exact ISO value in `datetime` and on hover; assets/time.js
 * turns the text into a relative time ("3 hours ago") in the reader's browser.
 */
export const when = (iso: string) => html`<time datetime="${iso}" title="${iso}">${minute(iso)}</time>`;

/** A link to a submission's page. */
export const submissionLink = (root: string, slug: string) =>
  html`<a href="${root}submissions/${slug}.html">${slug}</a>`;

function verdictItem(r: RunRecord, root: string): Html {
  const c = r.comparison!;
  const status =
    r.status !== "ok"
      ? html` <strong>(${r.status}${r.reason ? html`: ${clip(r.reason, 140)}` : ""})</strong>`
      : "";
  const pooled =
    r.requester && r.credited && r.requester.login !== r.credited
      ? html` <em>pooled: run by @${r.requester.login}, credited to @${r.credited}</em>`
      : "";
  const confidence = Math.round(c.confidence * 1000) / 10;
  return html`<li><span class="verdict v-${cssToken(c.verdict)}">${verdictLabel(c.verdict)}</span> \
${submissionLink(root, r.candidate.slug)} vs ${submissionLink(root, r.incumbent.slug)}: \
Δ ${f1(c.estimate)} tok/s, ${confidence}% CI [${f1(c.ci[0])}, ${f1(c.ci[1])}]${status}${pooled} \
<small>${when(r.finishedAt)}</small></li>`;
}

/** Runs with a verdict, newest first as given. */
export function verdictList(runs: RunRecord[], root: string): Html {
  if (!runs.length) return html`<p>No verdicts yet.</p>`;
  const items = runs.map((r) => verdictItem(r, root));
  return html`<ul class="verdicts">${join(items, "\n")}</ul>`;
}

/** Labels as small badges. */
export const labelBadges = (labels: readonly string[]) =>
  join(
    labels.map((l) => html`<span class="label">${l}</span>`),
    " ",
  );

/** One row of a thread table (board and taskforce pages). */
export function threadRow(t: Thread, root: string): Html {
  return html`<tr><td><a href="${root}threads/${t.number}.html">#${t.number} ${t.title}</a></td>\
<td><span class="login">@${t.author}</span></td><td>${labelBadges(t.labels)}</td>\
<td data-value="${t.comments.length}">${t.comments.length}</td>\
<td data-value="${t.updatedAt}">${when(t.updatedAt)}</td></tr>`;
}
