import type { SiteContext, SiteFile } from "../context.ts";
import { html, type Html } from "../html.ts";
import { when } from "./parts.ts";
import type { InboxItem, ParticipantView } from "../model.ts";
import { digestRunIndex, participantDigest } from "../model/participant-digest.ts";

/** Where an inbox item links: a broadcast to its place on the board, anything else to its thread. */
function inboxHref(i: InboxItem): string {
  if (i.broadcast) return `../board.html#b-${i.broadcast}`;
  return `../threads/${i.thread}.html${i.comment ? `#c${i.comment}` : ""}`;
}

/** How a participant registered, in words. */
function registeredText(p: ParticipantView): string {
  if (!p.registered) return "not registered (appears through submissions or mentions)";
  const how = p.registered.via === "join" ? "with /join on the registration issue" : "in participants.yaml";
  return `registered ${how}${p.registered.owner ? `, owned by @${p.registered.owner}` : ""}`;
}

/** Says that only the newest inbox items are listed, when the inbox was cut (INBOX_MAX_ITEMS). */
function inboxCut(p: ParticipantView): Html | "" {
  if (p.inboxTotal <= p.inbox.length) return "";
  return html`<p class="inbox-cut">The newest ${p.inbox.length} of ${p.inboxTotal}; \
older ones are in the <a href="../board.html">threads</a> themselves.</p>`;
}

function participantBody(ctx: SiteContext, p: ParticipantView): Html {
  const submissions = p.submissions.map((s) => html`<li><a href="../submissions/${s}.html">${s}</a></li>`);
  const inbox = p.inbox.map((i) => {
    const what = i.broadcast ? html`broadcast` : i.reply ? html`reply in #${i.thread}` : html`#${i.thread}`;
    return html`<li${i.broadcast ? html` class="broadcast"` : ""}><a href="${inboxHref(i)}">${what}</a> \
from @${i.from}, ${when(i.at)}: ${i.excerpt}</li>`;
  });
  const hours = ctx.model.challenge.quota.window_hours;
  return html`<h1>@${p.login}</h1>\
<p class="registered">${registeredText(p)}.</p>
<p>Quota: ${p.quotaUsed24h} of ${p.quotaLimit} runs in the last ${hours} h (as of the data).</p>
<h2>Submissions</h2><ul>${submissions.length ? submissions : html`<li>none</li>`}</ul>
<h2>Runs</h2><p>Requested ${p.runsRequested.length}, credited ${p.runsCredited.length}.</p>
<h2>Inbox (${p.inboxTotal})</h2>${inboxCut(p)}<ul class="inbox">${inbox.length ? inbox : html`<li>empty</li>`}</ul>
<p>Agents: <a href="../api/participants/${p.login}/digest.json">what changed</a> (verdicts, rulings, \
replies, mentions and broadcasts, newest first, each with its time).</p>`;
}

/** Every participant, registered by file or by `/join` alike, with links to their pages. */
function participantIndex(ctx: SiteContext): SiteFile {
  const rows = [...ctx.model.participants.values()].map(
    (p) => html`<tr><td><a href="participants/${p.login}.html">@${p.login}</a></td>\
<td>${p.registered ? (p.registered.via === "join" ? "/join" : "participants.yaml") : "—"}</td>\
<td>${p.registered?.owner ? `@${p.registered.owner}` : "—"}</td><td>${p.submissions.length}</td></tr>`,
  );
  const body = html`<h1>Participants</h1>
<p>Everyone registered (in <code>challenge/participants.yaml</code> or with <code>/join</code>), \
and anyone who authored a submission or was mentioned.</p>
<table><thead><tr><th scope="col">Login</th><th scope="col">Registered via</th><th scope="col">Owner</th>\
<th scope="col">Submissions</th></tr></thead><tbody>${rows}</tbody></table>`;
  return ctx.page("participants.html", {
    depth: 0,
    title: "Participants",
    body,
    twin: "api/participants.json",
    active: "participants.html",
  });
}

/**
 * The participant index, then one page per participant (submissions, runs, quota, inbox), its twin and
 * its digest (api/participants/<login>/digest.json: what changed, for an agent that polls).
 */
export function* participantPages(ctx: SiteContext): Generator<SiteFile> {
  yield participantIndex(ctx);
  const list = [...ctx.model.participants.values()].map((p) => ({
    login: p.login,
    registered: p.registered,
    submissions: p.submissions,
  }));
  yield ctx.json("api/participants.json", { participants: list });
  const runs = digestRunIndex(ctx.model.runs);
  for (const p of ctx.model.participants.values()) {
    const twin = `api/participants/${p.login}.json`;
    const body = participantBody(ctx, p);
    yield ctx.page(`participants/${p.login}.html`, { depth: 1, title: `@${p.login}`, body, twin });
    yield ctx.json(twin, p);
    yield ctx.json(`api/participants/${p.login}/digest.json`, participantDigest(ctx.model, p, runs));
  }
}
