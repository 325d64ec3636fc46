import type { SiteContext, SiteFile } from "../context.ts";
import { f1 } from "../format.ts";
import { html, type Html, join } from "../html.ts";
import type { SiteModel } from "../model.ts";
import { leaderboardTable, submissionLink } from "./parts.ts";

/** The minimum effect as the rules state it: "1%" or "2 tok/s". */
function minEffectText(ctx: SiteContext): string {
  const e = ctx.model.challenge.significance.min_effect;
  return e.kind === "relative" ? `${e.value * 100}%` : `${e.value} tok/s`;
}

/** Results whose confirmation failed, listed apart from the ranking with the failed check. */
function unconfirmedList(m: SiteModel): Html {
  if (!m.unconfirmed.length) return html``;
  const items = m.unconfirmed.map((e) => {
    const claim = e.claim !== null ? ` claimed ${f1(e.claim)} tok/s;` : "";
    const ratio = e.ratio !== null ? ` re-run at ${(e.ratio * 100).toFixed(1)}% of the claim;` : "";
    return html`<li>${submissionLink("", e.slug)}:${claim}${ratio} failed check: ${e.check}</li>`;
  });
  return html`<section aria-labelledby="unc"><h2 id="unc">Unconfirmed (not ranked)</h2>
<p>Their private-set confirmation failed; they are shown here with the evidence and never ranked.</p>
<ul class="unconfirmed">${join(items, "\n")}</ul></section>`;
}

/** Results ruled hacked (with the evidence) or withdrawn: listed apart, never ranked. */
function retiredList(m: SiteModel): Html {
  const out = m.retired.filter((e) => e.status !== "negative");
  if (!out.length) return html``;
  const items = out.map((e) => {
    const what = e.status === "hacked" ? `ruled hacked by @${e.by}; evidence:` : `withdrawn by @${e.by}:`;
    return html`<li class="l-${e.status}">${submissionLink("", e.slug)}: ${what} ${e.reason || "—"}</li>`;
  });
  return html`<section aria-labelledby="ret"><h2 id="ret">Hacked or withdrawn (not ranked)</h2>
<p>They can neither rank nor lead; an organizer's reinstate puts a hacked result back.</p>
<ul class="retired">${join(items, "\n")}</ul></section>`;
}

/** The leaderboard, its strict view (confirmed results only), and their JSON twins. */
export function* leaderboardPages(ctx: SiteContext): Generator<SiteFile> {
  const m = ctx.model;
  const caption = "All ranked submissions; pending confirmations marked (pending)";
  yield ctx.page("leaderboard.html", {
    depth: 0,
    title: "Leaderboard",
    body: html`<h1>Leaderboard</h1>
<p>Rank 1 is the leader, shared ("=1") only with an entry whose latest head-to-head run with the \
leader gave a tie; overlapping intervals from separate runs are not a tie. Any other rank = 1 + \
the number of entries significantly faster by more than the minimum effect (${minEffectText(ctx)}); \
"=" marks a shared rank. Bars show 95% intervals of launch means, each from the submission's own \
run (runs on other days or against other opponents are not comparable; "vs leader" is the verdict). Click a column header to sort. \
<a href="leaderboard-strict.html">Strict view</a>: confirmed results only.</p>
${leaderboardTable(m.leaderboard, "./", caption)}
${unconfirmedList(m)}
${retiredList(m)}`,
    twin: "api/leaderboard.json",
    active: "leaderboard.html",
    scripts: ["assets/sort.js"],
  });
  yield ctx.page("leaderboard-strict.html", {
    depth: 0,
    title: "Leaderboard (strict)",
    body: html`<h1>Leaderboard — strict view</h1>\
<p>Only results confirmed on the private prompt set, and the baseline. \
Leader: ${submissionLink("", m.strictLeader.slug)}. <a href="leaderboard.html">All results</a>.</p>\
${leaderboardTable(m.strictLeaderboard, "./", "Confirmed results only")}`,
    twin: "api/leaderboard-strict.json",
    scripts: ["assets/sort.js"],
  });
  yield ctx.json("api/leaderboard.json", {
    leader: m.leader,
    minEffect: m.challenge.significance.min_effect,
    rows: m.leaderboard,
    unconfirmed: m.unconfirmed,
    retired: m.retired,
  });
  yield ctx.json("api/leaderboard-strict.json", {
    leader: m.strictLeader,
    minEffect: m.challenge.significance.min_effect,
    rows: m.strictLeaderboard,
  });
}
