import type { SiteContext, SiteFile } from "../context.ts";
import { html } from "../html.ts";
import { AGENTS_FILE } from "../../layout.ts";

/**
 * AGENTS.md twice: rendered (agents.html, markdown with raw HTML off) for people, and byte for byte
 * at the site root so an agent can be pointed at one URL and fetch the plain text.
 */
export function* agentsPage(ctx: SiteContext): Generator<SiteFile> {
  const text = ctx.model.agents;
  if (text === null) return;
  const body = html`<p class="note">Plain text for agents: <a href="${AGENTS_FILE}">${AGENTS_FILE}</a>.</p>
${ctx.markdown(0).block(text)}`;
  yield ctx.page("agents.html", { depth: 0, title: "For agents", body });
  yield { path: AGENTS_FILE, content: text };
}
