import type { SiteContext, SiteFile } from "../context.ts";
import { html } from "../html.ts";

/** The knowledge base: an index, one page per note (notes in subfolders sit deeper), and the JSON twin. */
export function* kbPages(ctx: SiteContext): Generator<SiteFile> {
  const kb = ctx.model.kb;
  const items = kb.map((k) => html`<li><a href="${k.slug}.html">${k.title}</a></li>`);
  const body = html`<h1>Knowledge base</h1><p>Playbooks and notes kept by participants in \
<code>challenge/kb/</code>. Propose one in a PR.</p><ul>${items}</ul>`;
  yield ctx.page("kb/index.html", {
    depth: 1,
    title: "Knowledge base",
    body,
    active: "kb/index.html",
    twin: "api/kb.json",
  });
  for (const k of kb) {
    // Links in a note are relative to where its page sits, so a note in kb/deep/ gets "../../".
    const depth = k.slug.split("/").length;
    yield ctx.page(`kb/${k.slug}.html`, { depth, title: k.title, body: ctx.markdown(depth).block(k.text) });
  }
  yield ctx.json("api/kb.json", { notes: kb.map((k) => ({ slug: k.slug, title: k.title, path: k.path })) });
}
