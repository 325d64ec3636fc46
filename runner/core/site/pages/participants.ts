import type { SiteContext, SiteFile } from "../context.ts";
import { html, type Html } from "../html.ts";
import { when } from "./parts.ts";
import type { ParticipantView } from "../model.ts";

function participantBody(ctx: SiteContext, p: ParticipantView): Html {
  const submissions = p.submissions.map((s) => html`<li><a href="../submissions/${s}.html">${s}</a></li>`);
  const inbox = p.inbox.map(
    (
      i,
    ) => html`<li><a href="../threads/${i.thread}.html${i.comment ? `#c${i.comment}` : ""}">#${i.thread}</a> \
from @${i.from}, ${when(i.at)}: ${i.excerpt}</li>`,
  );
  const hours = ctx.model.challenge.quota.window_hours;
  return html`<h1>@${p.login}</h1>\
<p>Quota: ${p.quotaUsed24h} of ${p.quotaLimit} runs in the last ${hours} h (as of the data).</p>
<h2>Submissions</h2><ul>${submissions.length ? submissions : html`<li>none</li>`}</ul>
<h2>Runs</h2><p>Requested ${p.runsRequested.length}, credited ${p.runsCredited.length}.</p>
<h2>Inbox (${p.inbox.length})</h2><ul class="inbox">${inbox.length ? inbox : html`<li>empty</li>`}</ul>`;
}

/** One page per participant (submissions, runs, quota, inbox of @-mentions) and its JSON twin. */
export function* participantPages(ctx: SiteContext): Generator<SiteFile> {
  for (const p of ctx.model.participants.values()) {
    const twin = `api/participants/${p.login}.json`;
    const body = participantBody(ctx, p);
    yield ctx.page(`participants/${p.login}.html`, { depth: 1, title: `@${p.login}`, body, twin });
    yield ctx.json(twin, p);
  }
}
