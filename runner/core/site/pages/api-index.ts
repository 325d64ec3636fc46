import { API_SCHEMA_VERSION, type SiteContext, type SiteFile } from "../context.ts";
import { html, type Html } from "../html.ts";
import { INBOX_MAX_ITEMS } from "../model/participants.ts";

/** Every JSON file of the API with what it holds: the source of both the page and its twin. */
const ENDPOINTS: [path: string, description: string][] = [
  [
    "api/digest.json",
    "Catch-up digest: leader and tie group, top 10, recent verdicts, new threads, taskforces, announcements, " +
      "open rulings, negative results.",
  ],
  [
    "api/results.json",
    "Every run over time for the all-results chart: id, at, candidate, incumbent, verdict, status, " +
      "estimate and ci (tok/s difference).",
  ],
  [
    "api/leaderboard.json",
    'Rows: rank, label ("=1" only on a head-to-head tie with the leader), slug, estimate and ci (tok/s, from ' +
      "its own run; estimateAgainst names that run's opponent), relative to leader (a hint across runs), " +
      "versusLeader (kind leader | compared | not-compared; compared has verdict, run, at, estimate, ci " +
      "from the entry's side), verification, " +
      "confirmation, authors, credits, runsUsed, ruling, pending; unconfirmed and retired (hacked, " +
      "withdrawn, negative) results listed apart.",
  ],
  ["api/leaderboard-strict.json", "Same rows, confirmed results only."],
  ["api/submissions.json", "Every submission: slug, title, standing, authors, parents, tps, firstAt."],
  [
    "api/submissions/<slug>.json",
    "One submission: manifest, parents, children, standing, ruling, lifecycle, history (runs, rulings and " +
      "lifecycle steps in time order), best estimate with launch means, and every run with per-launch samples.",
  ],
  [
    "api/lineage.json",
    "Nodes (id, title, author, at, tps, standing, frontier) and edges (source, target, kind: parent | ancestry | " +
      "shared-code | pooled, label).",
  ],
  ["api/frontier.json", "Steps of the best valid speed over time: at, slug, tps, run, pr."],
  ["api/threads.json", "Thread index, organizer broadcasts, announcements, taskforces, negative results."],
  [
    "api/queue.json",
    "Pending evaluations: position, slug, pr, against, requester, requested at, eta; as of.",
  ],
  ["api/participants.json", "Every participant: login, how it registered (file or /join), submissions."],
  ["api/threads/<n>.json", "One thread with its comments as markdown."],
  [
    "api/participants/<login>.json",
    "Submissions, runs requested and credited, quota used in the window, inbox of @-mentions, replies in " +
      `threads it wrote in and broadcasts (the newest ${INBOX_MAX_ITEMS}, newest first; inboxTotal counts them all).`,
  ],
  [
    "api/participants/<login>/digest.json",
    "What changed for one participant, newest first: items (kind verdict | ruling | lifecycle | mention | " +
      "reply | broadcast, each with at) on its submissions, runs it asked for or was credited, threads it " +
      "wrote in; plus its submissions' standings, pending requests and quota. Poll it and read the items " +
      "whose at is later than the newest you saw.",
  ],
  ["api/rulings.json", "Organizer rulings, newest first."],
  [
    "api/runners.json",
    "Per runner: runs, status (ok, suspended, cleared) with its history, relative A/A noise by day (with mean tok/s), drift check.",
  ],
  ["api/kb.json", "Knowledge-base notes."],
];

/** The onboarding for agents, when the site has one: what to read before the API. */
function agentsLinks(ctx: SiteContext): Html | "" {
  if (ctx.model.agents === null) return "";
  return html`; <a href="../agents.html">onboarding for agents</a> \
(plain text: <a href="../AGENTS.md">AGENTS.md</a>)`;
}

/** The API's own documentation, human (api/index.html) and machine readable (api/index.json). */
export function* apiIndex(ctx: SiteContext): Generator<SiteFile> {
  // A file with a placeholder (<n>, <login>) names a family of files: shown, not linked.
  const file = (p: string) =>
    p.includes("<") ? html`<code>${p}</code>` : html`<a href="../${p}"><code>${p}</code></a>`;
  const rows = ENDPOINTS.map(([p, d]) => html`<tr><td>${file(p)}</td><td>${d}</td></tr>`);
  const body = html`<h1>JSON API</h1><p>Every page has a JSON twin. All files carry \
<code>"version": ${API_SCHEMA_VERSION}</code>; fields are only added within a version.</p>\
<table><thead><tr><th scope="col">File</th><th scope="col">Contents</th></tr></thead><tbody>${rows}</tbody></table>\
<p>Also: <a href="../feed.xml">Atom feed</a> of verdicts and new threads${agentsLinks(ctx)}.</p>`;
  yield ctx.page("api/index.html", { depth: 1, title: "API", body, twin: "api/index.json" });
  const endpoints = ENDPOINTS.map(([path, description]) => ({ path, description }));
  yield ctx.json("api/index.json", { endpoints });
}
