import type { SiteContext, SiteFile } from "../context.ts";
import { html, type Html } from "../html.ts";
import { submissionLink, when } from "./parts.ts";

/** The queue's explanation: how positions and ETAs are worked out. */
function queueNote(ctx: SiteContext): Html {
  const q = ctx.model.queue;
  const typical =
    q.typicalMinutes === null
      ? "no run has finished yet, so there is no ETA"
      : `a run takes about ${Math.round(q.typicalMinutes)} min (median of recent runs)`;
  return html`<p>Evaluations requested with <code>/bench</code> that have no result yet, oldest first. \
${q.slots} ${q.slots === 1 ? "runner works" : "runners work"} in parallel; ${typical}. \
Times are as of the data (${when(ctx.model.updatedAt)}).</p>`;
}

/** The evaluation queue page (position and ETA of each pending evaluation) and `api/queue.json`. */
export function* queuePage(ctx: SiteContext): Generator<SiteFile> {
  const q = ctx.model.queue;
  const rows = q.entries.map(
    (e) => html`<tr><td>${e.position}</td><td>${submissionLink("", e.slug)} (PR #${e.pr})</td>\
<td>${submissionLink("", e.against)}</td><td>@${e.requester}</td><td>${when(e.at)}</td>\
<td>${e.eta ? when(e.eta) : "—"}</td></tr>`,
  );
  const table = rows.length
    ? html`<table class="queue"><thead><tr><th scope="col">Position</th><th scope="col">Submission</th>\
<th scope="col">Against</th><th scope="col">Requested by</th><th scope="col">Requested</th>\
<th scope="col">Expected verdict</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p>The queue is empty.</p>`;
  yield ctx.page("queue.html", {
    depth: 0,
    title: "Queue",
    body: html`<h1>Evaluation queue</h1>\n${queueNote(ctx)}\n${table}`,
    twin: "api/queue.json",
    active: "queue.html",
  });
  yield ctx.json("api/queue.json", { asOf: ctx.model.updatedAt, ...q });
}
