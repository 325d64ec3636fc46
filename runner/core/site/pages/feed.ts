import type { SiteContext, SiteFile } from "../context.ts";
import { clip, f1 } from "../format.ts";
import { html, join } from "../html.ts";
import type { SiteModel } from "../model.ts";

interface Entry {
  id: string;
  at: string;
  title: string;
  link: string;
  summary: string;
}

/** Lifecycle steps (hacked, withdrawn, negative, reinstated) and organizer broadcasts as feed entries. */
function lifecycleAndBroadcasts(m: SiteModel): Entry[] {
  const steps = [...m.submissions.values()].flatMap((s) =>
    s.history
      .filter((h) => h.kind === "lifecycle")
      .map((h) => ({
        id: `lifecycle:${h.ref}`,
        at: h.at,
        title: `${s.slug}: ${h.status}${h.by ? ` by @${h.by}` : ""}`,
        link: `submissions/${s.slug}.html`,
        summary: clip(h.text, 200),
      })),
  );
  const broadcasts = m.broadcasts.map((b) => ({
    id: `broadcast:${b.id}`,
    at: b.at,
    title: `Broadcast from @${b.by.login}`,
    link: `board.html#b-${b.id}`,
    summary: clip(b.text, 200),
  }));
  return [...steps, ...broadcasts];
}

/** The newest 100 verdicts, new threads, lifecycle steps and broadcasts, newest first. */
function entries(m: SiteModel): Entry[] {
  const verdicts = m.runs
    .filter((r) => r.comparison)
    .map((r) => {
      const c = r.comparison!;
      const status = r.status !== "ok" ? ` (${r.status})` : "";
      return {
        id: `run:${r.id}`,
        at: r.finishedAt,
        title: `${r.candidate.slug} vs ${r.incumbent.slug}: ${c.verdict}${status}`,
        link: `submissions/${r.candidate.slug}.html`,
        summary: `Δ ${f1(c.estimate)} tok/s, CI [${f1(c.ci[0])}, ${f1(c.ci[1])}]`,
      };
    });
  const threads = m.threads.map((t) => ({
    id: `thread:${t.number}`,
    at: t.createdAt,
    title: `#${t.number} ${t.title}`,
    link: `threads/${t.number}.html`,
    summary: clip(t.body, 200),
  }));
  return [...verdicts, ...threads, ...lifecycleAndBroadcasts(m)]
    .sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id))
    .slice(0, 100);
}

/**
 * feed.xml: an Atom feed of verdicts, new threads, lifecycle steps and broadcasts (the html
 * template's escaping is valid XML too).
 */
export function* feed(ctx: SiteContext): Generator<SiteFile> {
  const m = ctx.model;
  const id = m.challenge.id;
  const items = entries(m).map(
    (
      x,
    ) => html`<entry><id>urn:velodrome:${id}:${x.id}</id><title>${x.title}</title><updated>${x.at}</updated>\
<link href="${x.link}"/><summary>${x.summary}</summary></entry>`,
  );
  const content = html`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>${m.challenge.title}: verdicts and threads</title>
<id>urn:velodrome:${id}</id>
<updated>${m.updatedAt}</updated>
<link href="index.html"/>
${join(items, "\n")}
</feed>
`;
  yield { path: "feed.xml", content: content.toString() };
}
