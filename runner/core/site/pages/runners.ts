import type { SiteContext, SiteFile } from "../context.ts";
import { f1, minute } from "../format.ts";
import { html, type Html } from "../html.ts";
import type { SiteModel } from "../model.ts";
import { DRIFT_ALPHA, DRIFT_MIN_RATIO } from "../../stats/health.ts";

/** A fraction as a percentage with two decimals ("—" when unknown). */
const pct2 = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : "—");

function windowTable(r: SiteModel["runners"][number]): Html {
  if (!r.windows.length) return html`<p>No A/A runs yet.</p>`;
  const rows = r.windows.map(
    (w) => html`<tr><td>${w.label}</td><td>${w.n}</td><td>${pct2(w.noise)}</td><td>${f1(w.tps)}</td></tr>`,
  );
  return html`<table><thead><tr><th scope="col">Day</th><th scope="col">A/A blocks</th>\
<th scope="col">relative noise</th><th scope="col">mean tok/s</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** "ok", "suspended since …" or "cleared by … on …", from the runner's latest status step. */
function statusLine(r: SiteModel["runners"][number]): Html {
  const last = r.history.at(-1);
  if (r.status === "suspended" && last)
    return html`<p class="runner-status suspended"><strong>Suspended</strong> since ${minute(last.at)} UTC \
(no runs are dispatched to it until an organizer clears it with <code>/runner clear ${r.id}</code>): \
${last.reason}</p>`;
  if (r.status === "cleared" && last)
    return html`<p class="runner-status cleared">Cleared by ${last.by?.login ?? "?"} on ${minute(last.at)} UTC\
${last.reason ? `: ${last.reason}` : ""}; in the dispatch pool.</p>`;
  return html`<p class="runner-status ok">Status: ok (in the dispatch pool).</p>`;
}

function runnerSection(r: SiteModel["runners"][number]): Html {
  const h = r.health;
  return html`<section><h2>${r.id}</h2>${statusLine(r)}<p>${r.runs} runs. Relative noise ${pct2(h.noise)} \
(latest day ${pct2(h.recentNoise)}). ${h.drifting ? "Drifting: " : ""}${h.reason}</p>${windowTable(r)}</section>`;
}

/** Each runner's relative noise from A/A runs by day, with the drift check; and the JSON twin. */
export function* runnersPage(ctx: SiteContext): Generator<SiteFile> {
  const m = ctx.model;
  const sections = m.runners.length ? m.runners.map(runnerSection) : html`<p>No runs yet.</p>`;
  const body = html`<h1>Runners</h1><p>Noise from A/A runs (the leader against itself): per block, \
the relative difference log(candidate / incumbent), and per day its robust spread (1.4826 × median \
absolute difference, an sd under normality). Relative, so a faster leader does not look noisier. A runner \
whose noise grows (one-sided rank test, false-alarm rate ${DRIFT_ALPHA * 100}%, and more than \
${DRIFT_MIN_RATIO}× its earlier level) is flagged, and taken out of the dispatch pool until an \
organizer clears it.</p>${sections}`;
  yield ctx.page("runners.html", {
    depth: 0,
    title: "Runners",
    body,
    twin: "api/runners.json",
    active: "runners.html",
  });
  yield ctx.json("api/runners.json", { runners: m.runners });
}
