import type { SiteContext, SiteFile } from "../context.ts";
import { f1 } from "../format.ts";
import { html, type Html } from "../html.ts";
import type { SiteModel } from "../model.ts";

function runnerSection(r: SiteModel["runners"][number]): Html {
  const rows = r.windows.map((w) => html`<tr><td>${w.label}</td><td>${w.n}</td><td>${f1(w.sd)}</td></tr>`);
  const table = rows.length
    ? html`<table><thead><tr><th scope="col">Day</th><th scope="col">A/A blocks</th>\
<th scope="col">sd of differences (tok/s)</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p>No A/A runs yet.</p>`;
  return html`<section><h2>${r.id}</h2><p>${r.runs} runs. \
${r.health.drifting ? "Drifting: " : ""}${r.health.reason}</p>\
${table}</section>`;
}

/** Each runner's noise floor from A/A runs by day, with the drift check; and the JSON twin. */
export function* runnersPage(ctx: SiteContext): Generator<SiteFile> {
  const m = ctx.model;
  const sections = m.runners.length ? m.runners.map(runnerSection) : html`<p>No runs yet.</p>`;
  const body = html`<h1>Runners</h1><p>Noise floor from A/A runs (the leader against itself): the standard \
deviation of per-block differences by day. A runner whose noise grows is flagged.</p>${sections}`;
  yield ctx.page("runners.html", {
    depth: 0,
    title: "Runners",
    body,
    twin: "api/runners.json",
    active: "runners.html",
  });
  yield ctx.json("api/runners.json", { runners: m.runners });
}
