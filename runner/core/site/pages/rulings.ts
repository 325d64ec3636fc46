import type { SiteContext, SiteFile } from "../context.ts";
import { html } from "../html.ts";
import { submissionLink, when } from "./parts.ts";

/** Organizer rulings, newest first, with their JSON twin. */
export function* rulingsPage(ctx: SiteContext): Generator<SiteFile> {
  const m = ctx.model;
  const md = ctx.markdown(0);
  const rows = m.rulings.map(
    (r) => html`<tr><td>${when(r.at)}</td><td>${submissionLink("", r.slug)}</td><td>${r.decision}</td>\
<td>${md.inline(r.reason)}</td><td>@${r.by.login}</td></tr>`,
  );
  const table = rows.length
    ? html`<table><thead><tr><th scope="col">When</th><th scope="col">Submission</th><th scope="col">Decision</th>\
<th scope="col">Reason</th><th scope="col">By</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p>No rulings.</p>`;
  const body = html`<h1>Rulings</h1>${table}`;
  yield ctx.page("rulings.html", {
    depth: 0,
    title: "Rulings",
    body,
    twin: "api/rulings.json",
    active: "rulings.html",
  });
  yield ctx.json("api/rulings.json", { rulings: m.rulings });
}
