import type { SiteContext, SiteFile } from "../context.ts";
import { html, type Html, join } from "../html.ts";
import type { SiteModel } from "../model.ts";
import { submissionLink } from "./parts.ts";

/** Edges listed as links: the graph's content without JavaScript (capped: the page must stay light). */
function edgeList(m: SiteModel): Html {
  const items = m.lineage.edges
    .slice(0, 5000)
    .map(
      (x) =>
        html`<li>${submissionLink("", x.source)} → ${submissionLink("", x.target)} (${x.kind}: ${x.label})</li>`,
    );
  const count = m.lineage.edges.length;
  return html`<details><summary>All ${count} edges as a list</summary><ul>${items}</ul></details>`;
}

/** Node colours by standing, as assets/lineage.js draws them (keep the two in step). */
const STANDING_COLOURS: [standing: string, colour: string][] = [
  ["leader", "#009e73"],
  ["valid", "#0072b2"],
  ["pending", "#e69f00"],
  ["unconfirmed", "#cc79a7"],
  ["invalid, failed or hacked", "#d55e00"],
  ["negative or withdrawn", "#666"],
  ["not benchmarked", "#bbb"],
];

/** What every mark means: edge kinds, node colour (standing), node size (speed), the frontier. */
function legend(): Html {
  const swatches = STANDING_COLOURS.map(
    ([s, c]) => html`<span class="sw"><svg width="12" height="12" aria-hidden="true">\
<circle cx="6" cy="6" r="5" fill="${c}"/></svg> ${s}</span>`,
  );
  return html`<dl class="legend">
<dt>Edges</dt><dd><span class="k k-parent">declared parent</span> <span class="k k-ancestry">git ancestry</span> \
<span class="k k-shared-code">shared code</span> <span class="k k-pooled">pooled run credit</span></dd>
<dt>Node colour</dt><dd>standing: ${join(swatches, " ")}</dd>
<dt>Node size</dt><dd>speed: the larger the circle, the more tokens per second (area grows with tok/s)</dd>
<dt>Frontier</dt><dd><span class="k n-frontier">frontier path</span> through each submission that took \
the lead, in time order (outlined nodes)</dd>
<dt>Axes</dt><dd>left to right: time of first commit; one lane per author</dd></dl>`;
}

/** The lineage graph page (drawn by assets/lineage.js), its JSON twin and the frontier's. */
export function* lineagePages(ctx: SiteContext): Generator<SiteFile> {
  const m = ctx.model;
  const authors = [...new Set(m.lineage.nodes.map((n) => n.author))].sort();
  const options = authors.map((a) => html`<option>${a}</option>`);
  const body = html`<h1>Lineage: who built on whom</h1>
<form class="filters" onsubmit="return false"><label>Author <select id="author-filter">\
<option value="">everyone</option>${options}</select></label></form>
${legend()}
<div id="lineage" class="lineage" tabindex="0" \
aria-label="lineage graph: scroll to zoom, drag to pan, click a node to focus its lineage, again to open it"></div>
<div id="lineage-tip" class="tip" role="status" aria-live="polite"></div>
<noscript><p>The graph needs JavaScript; the same data as a list:</p></noscript>
${edgeList(m)}`;
  yield ctx.page("lineage.html", {
    depth: 0,
    title: "Lineage",
    body,
    twin: "api/lineage.json",
    active: "lineage.html",
    scripts: ["assets/d3.min.js", "assets/lineage.js"],
  });
  yield ctx.json("api/lineage.json", { nodes: m.lineage.nodes, edges: m.lineage.edges });
  yield ctx.json("api/frontier.json", { frontier: m.frontier });
}
