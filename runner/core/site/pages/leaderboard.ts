import type { SiteContext, SiteFile } from "../context.ts";
import { html } from "../html.ts";
import { leaderboardTable } from "./parts.ts";

/** The minimum effect as the rules state it: "1%" or "2 tok/s". */
function minEffectText(ctx: SiteContext): string {
  const e = ctx.model.challenge.significance.min_effect;
  return e.kind === "relative" ? `${e.value * 100}%` : `${e.value} tok/s`;
}

/** The leaderboard, its strict view (confirmed results only), and their JSON twins. */
export function* leaderboardPages(ctx: SiteContext): Generator<SiteFile> {
  const m = ctx.model;
  const caption = "All benchmarked submissions; pending confirmations marked ⧗";
  yield ctx.page("leaderboard.html", {
    depth: 0,
    title: "Leaderboard",
    body: html`<h1>Leaderboard</h1>
<p>Rank = 1 + the number of entries significantly faster by more than the minimum effect (${minEffectText(ctx)}); \
"=" marks a shared rank. Bars show 95% intervals of launch means. Click a column header to sort. \
<a href="leaderboard-strict.html">Strict view</a>: confirmed results only.</p>
${leaderboardTable(m.leaderboard, "./", caption)}`,
    twin: "api/leaderboard.json",
    active: "leaderboard.html",
    scripts: ["assets/sort.js"],
  });
  yield ctx.page("leaderboard-strict.html", {
    depth: 0,
    title: "Leaderboard (strict)",
    body: html`<h1>Leaderboard — strict view</h1><p>Only results whose lead claims were confirmed on the \
private prompt set. <a href="leaderboard.html">All results</a>.</p>\
${leaderboardTable(m.strictLeaderboard, "./", "Confirmed results only")}`,
    twin: "api/leaderboard-strict.json",
    scripts: ["assets/sort.js"],
  });
  yield ctx.json("api/leaderboard.json", {
    leader: m.leader,
    minEffect: m.challenge.significance.min_effect,
    rows: m.leaderboard,
  });
  yield ctx.json("api/leaderboard-strict.json", { rows: m.strictLeaderboard });
}
