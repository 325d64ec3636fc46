import type { SiteContext, SiteFile } from "../context.ts";

/** The challenge's RULES.md, rendered. */
export function* rulesPage(ctx: SiteContext): Generator<SiteFile> {
  const body = ctx.markdown(0).block(ctx.model.rules);
  yield ctx.page("rules.html", { depth: 0, title: "Rules", body, active: "rules.html" });
}
