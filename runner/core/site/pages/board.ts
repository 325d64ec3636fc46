import type { Thread } from "../../schema/data.ts";
import type { PageContext, SiteContext, SiteFile } from "../context.ts";
import { botMessage, stripMachinery } from "../comments.ts";
import { botCard } from "./bot-card.ts";
import { html, type Html, join } from "../html.ts";
import type { SiteModel } from "../model.ts";
import { labelBadges, submissionLink, threadRow, when } from "./parts.ts";

/** Taskforces in a stable order (the default sort of [name, threads] pairs, as the JSON twins use). */
const sortedTaskforces = (m: SiteModel) => [...m.taskforces].sort();

function announcementsSection(m: SiteModel): Html | "" {
  const pinnedNumbers = new Set(m.announcements);
  const pinned = m.threads.filter((t) => pinnedNumbers.has(t.number));
  if (!pinned.length) return "";
  const items = pinned.map(
    (t) => html`<li><a href="threads/${t.number}.html">#${t.number} ${t.title}</a></li>`,
  );
  return html`<section class="pinned" aria-labelledby="ann"><h2 id="ann">Announcements (pinned)</h2>\
<ul>${items}</ul></section>`;
}

function taskforcesSection(m: SiteModel): Html {
  const items = sortedTaskforces(m).map(
    ([name, ns]) => html`<li><a href="taskforces/${name}.html">${name}</a> (${ns.length} threads)</li>`,
  );
  const list = items.length
    ? html`<ul>${items}</ul>`
    : html`<p>None yet: label a thread <code>taskforce:&lt;name&gt;</code>.</p>`;
  return html`<section aria-labelledby="tf"><h2 id="tf">Taskforces</h2>${list}</section>`;
}

/** Organizers' broadcasts, newest first; each participant's inbox links here by anchor. */
function broadcastsSection(ctx: SiteContext): Html | "" {
  const m = ctx.model;
  if (!m.broadcasts.length) return "";
  const items = m.broadcasts.map(
    (b) => html`<li id="b-${b.id}"><header>@${b.by.login} · ${when(b.at)}</header>\
${ctx.markdown(0).block(stripMachinery(b.text))}</li>`,
  );
  return html`<section class="broadcasts" aria-labelledby="bc"><h2 id="bc">Broadcasts from the organizers</h2>\
<ul>${items}</ul></section>`;
}

function negativesSection(m: SiteModel): Html {
  const items = m.negatives.map((n) =>
    n.kind === "thread"
      ? html`<li><a href="threads/${n.ref}.html">#${n.ref} ${n.title}</a></li>`
      : html`<li>${submissionLink("", n.slug!)}: ${n.title}</li>`,
  );
  const list = items.length ? html`<ul>${items}</ul>` : html`<p>None logged yet.</p>`;
  return html`<section aria-labelledby="neg"><h2 id="neg">Dead ends (negative results)</h2>${list}</section>`;
}

/** The head of a thread table; the board's is sortable by replies. */
const threadHead = (
  sortable: boolean,
) => html`<thead><tr><th scope="col">Thread</th><th scope="col">Author</th>\
<th scope="col">Labels</th><th scope="col"${sortable ? html` data-type="num"` : ""}>Replies</th>\
<th scope="col">Last activity</th></tr></thead>`;

function boardPage(ctx: SiteContext): SiteFile {
  const m = ctx.model;
  const rows = join(
    m.threads.map((t) => threadRow(t, "./")),
    "\n",
  );
  const body = html`<h1>Board</h1>
${broadcastsSection(ctx)}
${announcementsSection(m)}
${taskforcesSection(m)}
${negativesSection(m)}
<section aria-labelledby="th"><h2 id="th">Threads</h2><table class="sortable">${threadHead(true)}\
<tbody>${rows}</tbody></table></section>`;
  return ctx.page("board.html", {
    depth: 0,
    title: "Board",
    body,
    twin: "api/threads.json",
    active: "board.html",
    scripts: ["assets/sort.js"],
  });
}

function threadIndexApi(m: SiteModel) {
  return {
    announcements: m.announcements,
    broadcasts: m.broadcasts,
    taskforces: Object.fromEntries(sortedTaskforces(m)),
    negatives: m.negatives,
    threads: m.threads.map((t) => ({
      number: t.number,
      title: t.title,
      author: t.author,
      labels: t.labels,
      replies: t.comments.length,
      updatedAt: t.updatedAt,
      state: t.state,
    })),
  };
}

/**
 * One post (the opening one or a comment) with its author and time: a bot's comment as the card its
 * JSON twin describes, anyone else's as markdown without the hidden machinery.
 */
function post(ctx: PageContext, p: { author: string; at: string; body: string; id?: number }): Html {
  const anchor = p.id ? html` id="c${p.id}"` : "";
  const bot = botMessage(p.author, p.body);
  const content = bot ? botCard(bot) : ctx.markdown(1).block(stripMachinery(p.body));
  const who = bot
    ? html`<span class="bot">${p.author} (bot)</span>`
    : html`<a href="../participants/${p.author}.html">@${p.author}</a>`;
  return html`<article class="post${bot ? " post-bot" : ""}"${anchor}><header>${who} · ${when(p.at)}</header>\
${content}</article>`;
}

function threadPage(ctx: PageContext, t: Thread): SiteFile {
  const comments = t.comments.map((c) =>
    post(ctx, { author: c.author, at: c.createdAt, body: c.body, id: c.id }),
  );
  const body = html`<h1>#${t.number} ${t.title}</h1>\
<p>${t.state} · ${labelBadges(t.labels)} · ${t.comments.length} replies</p>
${post(ctx, { author: t.author, at: t.createdAt, body: t.body })}
${join(comments, "\n")}`;
  const title = `#${t.number} ${t.title}`;
  return ctx.page(`threads/${t.number}.html`, {
    depth: 1,
    title,
    body,
    twin: `api/threads/${t.number}.json`,
  });
}

function threadApi(t: Thread) {
  return {
    number: t.number,
    title: t.title,
    author: t.author,
    state: t.state,
    labels: t.labels,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    reactions: t.reactions,
    isPullRequest: t.isPullRequest,
    body: t.body,
    comments: t.comments,
  };
}

function taskforcePage(ctx: SiteContext, name: string, numbers: readonly number[]): SiteFile {
  const members = new Set(numbers);
  const rows = ctx.model.threads.filter((t) => members.has(t.number)).map((t) => threadRow(t, "../"));
  const body = html`<h1>Taskforce: ${name}</h1><table>${threadHead(false)}<tbody>${join(rows, "\n")}</tbody></table>`;
  const twin = `api/taskforces/${name}.json`;
  return ctx.page(`taskforces/${name}.html`, { depth: 1, title: `Taskforce ${name}`, body, twin });
}

/** One thread's page and JSON twin: all they need is the thread and a page context. */
export function* threadFiles(ctx: PageContext, t: Thread): Generator<SiteFile> {
  yield threadPage(ctx, t);
  yield ctx.json(`api/threads/${t.number}.json`, threadApi(t));
}

/**
 * The board, one page per thread (only those asked for, in incremental builds; none when
 * `threads` is "elsewhere": a worker renders them with `threadFiles`), taskforces; JSON twins.
 */
export function* boardPages(
  ctx: SiteContext,
  only?: Set<number>,
  threads: "here" | "elsewhere" = "here",
): Generator<SiteFile> {
  const m = ctx.model;
  yield boardPage(ctx);
  yield ctx.json("api/threads.json", threadIndexApi(m));
  for (const t of threads === "here" ? m.threads : []) {
    if (only && !only.has(t.number)) continue;
    yield* threadFiles(ctx, t);
  }
  for (const [name, numbers] of m.taskforces) yield taskforcePage(ctx, name, numbers);
  for (const [name, numbers] of m.taskforces) {
    yield ctx.json(`api/taskforces/${name}.json`, { name, threads: numbers });
  }
}
