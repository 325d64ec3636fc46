import type { SiteContext, SiteFile } from "../context.ts";
import { cssToken, f1, verdictLabel } from "../format.ts";
import { leadMargin } from "../../versus.ts";
import { html, type Html, join } from "../html.ts";
import type { SiteModel } from "../model.ts";
import { submissionLink, verdictList, when } from "./parts.ts";
import { resultPoints, resultsChart } from "./results-chart.ts";

/** A submission's name with its speed. */
function withSpeed(m: SiteModel, slug: string): Html {
  const best = m.submissions.get(slug)?.best;
  return html`${submissionLink("", slug)}${best ? ` — ${f1(best.estimate)} tok/s` : ""}`;
}

/**
 * The first thing a visitor reads: who leads, by how much over the runner-up, how sure, and how that
 * was decided, in one sentence (core/versus.ts picks the runner-up and turns its verdict around).
 */
export function marginSentence(m: SiteModel): Html {
  const leader = submissionLink("", m.leader.slug);
  const g = leadMargin(m.leaderboard);
  if (!g)
    return html`${leader} leads; no other entry has been compared with it head to head yet, so its margin is not measured.`;
  const runnerUp = submissionLink("", g.runnerUp);
  const sign = g.estimate >= 0 ? "+" : "";
  const interval = html`${sign}${f1(g.estimate)} tok/s (${Math.round(g.confidence * 100)}% CI ${f1(g.ci[0])} to ${f1(g.ci[1])})`;
  const how = html`decided head to head in ${g.blocks} paired blocks of fresh launches (run ${g.run}, verdict \
<span class="verdict v-${cssToken(g.verdict)}">${verdictLabel(g.verdict)}</span>)`;
  const relation =
    g.verdict === "faster"
      ? html`${leader} leads the runner-up ${runnerUp} by ${interval}`
      : g.verdict === "tie"
        ? html`${leader} leads; the runner-up ${runnerUp} is tied with it, ${interval}, and a tie keeps the leader`
        : g.verdict === "slower"
          ? html`${leader} leads; the runner-up ${runnerUp} measured faster, ${interval} for the leader, but has \
not taken the lead (its private-set confirmation is pending or failed)`
          : html`${leader} leads; against the runner-up ${runnerUp} the difference is ${interval}, not yet significant`;
  return html`${relation}, ${how}.`;
}

/** Tied entries named on the home page; a larger tie group is listed in full on the leaderboard. */
const TIED_SHOWN = 20;

/** The leader, and the entries a head-to-head verdict tied with it (its tie group). */
function leaderSection(m: SiteModel): Html {
  const others = m.leader.tieGroup.filter((s) => s !== m.leader.slug);
  const more = others.length - TIED_SHOWN;
  const rest = more > 0 ? html`, and <a href="leaderboard.html">${more} more</a>` : "";
  const tied = others.length
    ? html`<p>Tied with the leader by a head-to-head verdict (share rank 1): ${join(
        others.slice(0, TIED_SHOWN).map((s) => withSpeed(m, s)),
        ", ",
      )}${rest}</p>`
    : "";
  return html`<section aria-labelledby="lead"><h2 id="lead">Current leader</h2>
<p class="leaders" data-leader="${m.leader.slug}">${withSpeed(m, m.leader.slug)}</p>
<p class="margin">${marginSentence(m)}</p>
${tied}
<p><small>The lead moves only on a significant, verified "faster" verdict against the leader whose \
private-set confirmation did not fail; ties keep the incumbent.</small></p></section>`;
}

/** The frontier chart (drawn by assets/frontier.js) over a table that works without JavaScript. */
function frontierSection(m: SiteModel): Html {
  const rows = m.frontier.map(
    (
      p,
    ) => html`<tr><td>${when(p.at)}</td><td>${submissionLink("", p.slug)}${p.pr ? ` (PR #${p.pr})` : ""}</td>\
<td>${f1(p.tps)}</td><td><code>${p.run}</code></td></tr>`,
  );
  return html`<section aria-labelledby="fr"><h2 id="fr">Frontier over time</h2>
<div id="frontier-chart" class="chart" role="img" \
aria-label="step chart of the best valid tokens per second over time"></div>
<table class="frontier"><thead><tr><th scope="col">Since</th><th scope="col">Leader</th>\
<th scope="col">tok/s</th><th scope="col">Run</th></tr></thead><tbody>
${join(rows, "\n")}
</tbody></table></section>`;
}

/** Each submission's standing, for the all-results chart (discredited results are drawn hollow). */
const standingOf = (m: SiteModel) => (slug: string) => m.submissions.get(slug)?.standing;

/** Files that could not be read, listed so a broken record is never silently dropped. */
function problemsSection(m: SiteModel): Html | "" {
  if (!m.problems.length) return "";
  const items = m.problems.map((p) => html`<li><code>${p.path}</code>: ${p.message}</li>`);
  return html`<section aria-labelledby="pb"><h2 id="pb">Data problems</h2><ul>${items}</ul></section>`;
}

/** Where an agent (or its owner) starts: the onboarding page and its plain-text copy. */
function agentsLink(m: SiteModel): Html | "" {
  if (m.agents === null) return "";
  return html`<p class="agents">Taking part as an agent? Start with <a href="./agents.html">the onboarding</a> \
(plain text: <a href="./AGENTS.md">AGENTS.md</a>).</p>`;
}

/** Home: the challenge, who leads, the frontier, every result, recent verdicts, data problems. */
export function* homePage(ctx: SiteContext): Generator<SiteFile> {
  const m = ctx.model;
  const body = html`<h1>${m.challenge.title}</h1>
<p class="summary">${m.challenge.summary}</p>
${agentsLink(m)}
${leaderSection(m)}
${frontierSection(m)}
<section aria-labelledby="ar"><h2 id="ar">All results</h2>${resultsChart(m.runs, standingOf(m))}</section>
<section aria-labelledby="rv"><h2 id="rv">Recent verdicts</h2>${verdictList(m.recentVerdicts, "./")}</section>
${problemsSection(m)}`;
  yield ctx.page("index.html", {
    depth: 0,
    title: "Home",
    body,
    twin: "api/digest.json",
    active: "index.html",
    scripts: ["assets/d3.min.js", "assets/frontier.js"],
  });
  yield ctx.json("api/results.json", { runs: resultPoints(m.runs, standingOf(m)) });
}
