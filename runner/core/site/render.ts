import { stringify } from "yaml";
import type { RunRecord } from "../schema/run-record.ts";
import type { Thread } from "../schema/data.ts";
import { pushTo } from "./collect.ts";
import { escapeHtml as e, makeMarkdown } from "./markdown.ts";
import type { LeaderboardRow, SiteModel, SubmissionView } from "./model.ts";

/** A built file: path relative to the site root, and its content. Pure: the adapter writes them. */
export interface SiteFile {
  path: string;
  content: string;
}

const f1 = (x: number) => x.toFixed(1);
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
const VERDICT_LABEL: Record<string, string> = {
  faster: "▲ faster",
  slower: "▼ slower",
  tie: "＝ tie",
  inconclusive: "？ inconclusive",
};
const STANDING_LABEL: Record<string, string> = {
  leader: "★ leader",
  valid: "✓ valid",
  pending: "⧗ pending confirmation",
  invalid: "✗ ruled invalid",
  failed: "✗ failed verification",
  error: "⚠ error",
  unbenchmarked: "· not benchmarked",
  negative: "∅ negative result",
};

export const API_SCHEMA_VERSION = 1;

/** JSON twins are pretty-printed with sorted keys where order is not meaningful, so builds are byte-identical. */
const json = (data: unknown) => JSON.stringify({ version: API_SCHEMA_VERSION, ...(data as object) }) + "\n";

function layout(
  depth: number,
  title: string,
  body: string,
  o: { twin?: string; scripts?: string[]; active?: string; updatedAt: string; challengeTitle: string },
): string {
  const root = depth ? "../".repeat(depth) : "./";
  const nav = [
    ["index.html", "Home"],
    ["leaderboard.html", "Leaderboard"],
    ["lineage.html", "Lineage"],
    ["board.html", "Board"],
    ["rulings.html", "Rulings"],
    ["rules.html", "Rules"],
    ["kb/index.html", "Knowledge base"],
    ["runners.html", "Runners"],
    ["api/index.html", "API"],
  ]
    .map(
      ([href, label]) =>
        `<a href="${root}${href}"${o.active === href ? ' aria-current="page"' : ""}>${label}</a>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} · ${e(o.challengeTitle)}</title>
<link rel="icon" href="${root}assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${root}assets/site.css">
<link rel="alternate" type="application/atom+xml" title="Verdicts and threads" href="${root}feed.xml">
${o.twin ? `<link rel="alternate" type="application/json" href="${root}${o.twin}">` : ""}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><div class="brand"><a href="${root}index.html">Velodrome</a> · ${e(o.challengeTitle)}</div><nav aria-label="Main">${nav}</nav></header>
<main id="main">
${body}
</main>
<footer>Built from git history and the data branch · data as of ${e(o.updatedAt)}${o.twin ? ` · <a href="${root}${o.twin}">JSON twin of this page</a>` : ""}</footer>
<script>window.VELODROME_ROOT=${JSON.stringify(root)};</script>
${(o.scripts ?? []).map((s) => `<script src="${root}${s}"></script>`).join("\n")}
</body>
</html>
`;
}

/** An inline SVG bar: the CI relative to the leader, readable without JS or color. */
function ciBar(row: LeaderboardRow, lo: number, hi: number): string {
  const w = 160;
  const x = (v: number) => ((v - lo) / (hi - lo || 1)) * w;
  return `<svg class="ci" width="${w}" height="14" role="img" aria-label="95% CI ${f1(row.ci[0])} to ${f1(row.ci[1])} tokens per second"><line x1="${x(row.ci[0]).toFixed(1)}" x2="${x(row.ci[1]).toFixed(1)}" y1="7" y2="7"/><circle cx="${x(row.estimate).toFixed(1)}" cy="7" r="3"/></svg>`;
}

function leaderboardTable(rows: LeaderboardRow[], root: string, caption: string): string {
  if (!rows.length) return `<p>No benchmarked submissions yet.</p>`;
  const lo = Math.min(...rows.map((r) => r.ci[0]));
  const hi = Math.max(...rows.map((r) => r.ci[1]));
  return `<table class="sortable" id="leaderboard">
<caption>${e(caption)}</caption>
<thead><tr><th scope="col" data-type="num">Rank</th><th scope="col">Submission</th><th scope="col" data-type="num">tok/s</th><th scope="col">95% CI</th><th scope="col" data-type="num">vs leader</th><th scope="col">Verification</th><th scope="col">Confirmation</th><th scope="col">Authors</th><th scope="col">Credits</th><th scope="col" data-type="num">Runs</th><th scope="col">Ruling</th></tr></thead>
<tbody>
${rows.map((r) => `<tr data-slug="${e(r.slug)}"><td data-value="${r.rank}">${e(r.label)}</td><td><a href="${root}submissions/${e(r.slug)}.html">${e(r.slug)}</a><br><small>${e(r.title)}</small></td><td data-value="${r.estimate.toFixed(3)}">${f1(r.estimate)}</td><td>${ciBar(r, lo, hi)} <small>[${f1(r.ci[0])}, ${f1(r.ci[1])}]</small></td><td data-value="${r.relative.toFixed(5)}">${pct(r.relative)}</td><td>${r.verification === "passed" ? "✓ passed" : r.verification === "failed" ? "✗ failed" : "?"}</td><td>${e(r.confirmation)}${r.pending ? " ⧗" : ""}</td><td>${r.authors.map((a) => `<a href="${root}participants/${e(a)}.html">@${e(a)}</a>`).join(" ")}</td><td>${r.credits.map((a) => `@${e(a)}`).join(" ")}</td><td data-value="${r.runsUsed}">${r.runsUsed}</td><td>${r.ruling ? e(r.ruling) : ""}</td></tr>`).join("\n")}
</tbody></table>`;
}

function verdictList(runs: RunRecord[], root: string): string {
  if (!runs.length) return "<p>No verdicts yet.</p>";
  return `<ul class="verdicts">${runs
    .map((r) => {
      const c = r.comparison!;
      return `<li><span class="verdict v-${c.verdict}">${VERDICT_LABEL[c.verdict]}</span> <a href="${root}submissions/${e(r.candidate.slug)}.html">${e(r.candidate.slug)}</a> vs <a href="${root}submissions/${e(r.incumbent.slug)}.html">${e(r.incumbent.slug)}</a>: Δ ${f1(c.estimate)} tok/s, ${Math.round(c.confidence * 1000) / 10}% CI [${f1(c.ci[0])}, ${f1(c.ci[1])}]${r.status !== "ok" ? ` <strong>(${e(r.status)}${r.reason ? `: ${e(r.reason.slice(0, 140))}` : ""})</strong>` : ""}${r.requester && r.credited && r.requester.login !== r.credited ? ` <em>pooled: run by @${e(r.requester.login)}, credited to @${e(r.credited)}</em>` : ""} <small>${e(r.finishedAt.slice(0, 16).replace("T", " "))}</small></li>`;
    })
    .join("\n")}</ul>`;
}

/** Per-launch dot plot of one run: each dot is a launch's mean; both arms on one axis. */
function dotPlot(r: RunRecord): string {
  const pts = r.launches.map((l) => ({
    arm: l.arm,
    block: l.block,
    m: l.runs.reduce((a, b) => a + b, 0) / l.runs.length,
  }));
  if (!pts.length) return "";
  const lo = Math.min(...pts.map((p) => p.m));
  const hi = Math.max(...pts.map((p) => p.m));
  const w = 320;
  const x = (v: number) => 10 + ((v - lo) / (hi - lo || 1)) * (w - 20);
  return `<svg class="dots" width="${w}" height="46" role="img" aria-label="launch means: candidate ${pts
    .filter((p) => p.arm === "candidate")
    .map((p) => f1(p.m))
    .join(", ")}; incumbent ${pts
    .filter((p) => p.arm === "incumbent")
    .map((p) => f1(p.m))
    .join(", ")}">
<text x="0" y="12">candidate</text><text x="0" y="40">incumbent</text>
${pts.map((p) => (p.arm === "candidate" ? `<circle class="cand" cx="${x(p.m).toFixed(1)}" cy="18" r="4"><title>block ${p.block}: ${f1(p.m)} tok/s</title></circle>` : `<rect class="inc" x="${(x(p.m) - 4).toFixed(1)}" y="24" width="8" height="8"><title>block ${p.block}: ${f1(p.m)} tok/s</title></rect>`)).join("")}
</svg>`;
}

function submissionApi(s: SubmissionView, runs: RunRecord[]) {
  return {
    slug: s.slug,
    title: s.title,
    description: s.description,
    authors: s.authors,
    credits: s.credits,
    parents: s.parents,
    children: s.children,
    firstAt: s.firstAt,
    firstCommit: s.firstCommit,
    pr: s.pr ?? null,
    standing: s.standing,
    ruling: s.ruling ?? null,
    best: s.best ?? null,
    manifest: s.manifest,
    mentionedIn: s.mentionedIn,
    runs: runs.map((r) => ({
      id: r.id,
      role: r.candidate.slug === s.slug ? "candidate" : "incumbent",
      status: r.status,
      reason: r.reason ?? null,
      against: r.candidate.slug === s.slug ? r.incumbent.slug : r.candidate.slug,
      verdict: r.comparison?.verdict ?? null,
      estimate: r.comparison?.estimate ?? null,
      ci: r.comparison?.ci ?? null,
      quality: r.quality.candidate,
      confirmation: r.confirmation,
      finishedAt: r.finishedAt,
      requester: r.requester?.login ?? null,
      credited: r.credited ?? null,
      launches: r.launches.map((l) => ({ arm: l.arm, block: l.block, runs: l.runs })),
    })),
  };
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

export interface RenderOptions {
  /** Only pages for these submissions/threads are rendered (incremental builds); undefined = all. */
  onlySubmissions?: Set<string>;
  onlyThreads?: Set<number>;
}

/** Renders the whole site as a stream of files, so a 10,000-submission site never sits in memory at once. */
export function* renderSite(m: SiteModel, opts: RenderOptions = {}): Generator<SiteFile> {
  const ch = m.challenge;
  const base = { updatedAt: m.updatedAt, challengeTitle: ch.title };
  const threadNums = new Set(m.threads.map((t) => t.number));
  const mdFor = (depth: number) => {
    const root = depth ? "../".repeat(depth) : "./";
    return makeMarkdown({
      threadHref: (n) => (threadNums.has(n) ? `${root}threads/${n}.html` : undefined),
      slugHref: (s) => (m.submissions.has(s) ? `${root}submissions/${s}.html` : undefined),
      userHref: (u) => `${root}participants/${u}.html`,
    });
  };
  const md0 = mdFor(0);
  const md1 = mdFor(1);
  const pending: SiteFile[] = [];
  const add = (path: string, content: string) => pending.push({ path, content });
  const flush = function* () {
    yield* pending;
    pending.length = 0;
  };

  // Home.
  const leaders = m.leader.tieGroup;
  add(
    "index.html",
    layout(
      0,
      "Home",
      `<h1>${e(ch.title)}</h1>
<p class="summary">${e(ch.summary)}</p>
<section aria-labelledby="lead"><h2 id="lead">Current leader${leaders.length > 1 ? "s (tied)" : ""}</h2>
<p class="leaders">${leaders.map((s) => `<a href="submissions/${e(s)}.html">${e(s)}</a>${m.submissions.get(s)?.best ? ` — ${f1(m.submissions.get(s)!.best!.estimate)} tok/s` : ""}`).join(" = ")}</p>
<p><small>The lead moves only on a significant, verified, confirmed "faster" verdict against the leader; ties keep the incumbent. ${leaders.length > 1 ? "Entries above share rank 1: their intervals overlap by more than the minimum effect." : ""}</small></p></section>
<section aria-labelledby="fr"><h2 id="fr">Frontier over time</h2>
<div id="frontier-chart" class="chart" role="img" aria-label="step chart of the best valid tokens per second over time"></div>
<table class="frontier"><thead><tr><th scope="col">Since</th><th scope="col">Leader</th><th scope="col">tok/s</th><th scope="col">Run</th></tr></thead><tbody>
${m.frontier.map((p) => `<tr><td>${e(p.at.slice(0, 16).replace("T", " "))}</td><td><a href="submissions/${e(p.slug)}.html">${e(p.slug)}</a>${p.pr ? ` (PR #${p.pr})` : ""}</td><td>${f1(p.tps)}</td><td><code>${e(p.run)}</code></td></tr>`).join("\n")}
</tbody></table></section>
<section aria-labelledby="rv"><h2 id="rv">Recent verdicts</h2>${verdictList(m.recentVerdicts, "./")}</section>
${m.problems.length ? `<section aria-labelledby="pb"><h2 id="pb">Data problems</h2><ul>${m.problems.map((p) => `<li><code>${e(p.path)}</code>: ${e(p.message)}</li>`).join("")}</ul></section>` : ""}`,
      {
        ...base,
        twin: "api/digest.json",
        active: "index.html",
        scripts: ["assets/d3.min.js", "assets/frontier.js"],
      },
    ),
  );

  // Leaderboard (normal and strict).
  add(
    "leaderboard.html",
    layout(
      0,
      "Leaderboard",
      `<h1>Leaderboard</h1>
<p>Rank = 1 + the number of entries significantly faster by more than the minimum effect (${e(ch.significance.min_effect.kind === "relative" ? `${ch.significance.min_effect.value * 100}%` : `${ch.significance.min_effect.value} tok/s`)}); "=" marks a shared rank. Bars show 95% intervals of launch means. Click a column header to sort. <a href="leaderboard-strict.html">Strict view</a>: confirmed results only.</p>
${leaderboardTable(m.leaderboard, "./", "All benchmarked submissions; pending confirmations marked ⧗")}`,
      { ...base, twin: "api/leaderboard.json", active: "leaderboard.html", scripts: ["assets/sort.js"] },
    ),
  );
  add(
    "leaderboard-strict.html",
    layout(
      0,
      "Leaderboard (strict)",
      `<h1>Leaderboard — strict view</h1><p>Only results whose lead claims were confirmed on the private prompt set. <a href="leaderboard.html">All results</a>.</p>${leaderboardTable(m.strictLeaderboard, "./", "Confirmed results only")}`,
      { ...base, twin: "api/leaderboard-strict.json", scripts: ["assets/sort.js"] },
    ),
  );
  add(
    "api/leaderboard.json",
    json({ leader: m.leader, minEffect: ch.significance.min_effect, rows: m.leaderboard }),
  );
  add("api/leaderboard-strict.json", json({ rows: m.strictLeaderboard }));

  // Lineage.
  const authors = [...new Set(m.lineage.nodes.map((n) => n.author))].sort();
  add(
    "lineage.html",
    layout(
      0,
      "Lineage",
      `<h1>Lineage: who built on whom</h1>
<form class="filters" onsubmit="return false"><label>Author <select id="author-filter"><option value="">everyone</option>${authors.map((a) => `<option>${e(a)}</option>`).join("")}</select></label>
<span class="legend"><span class="k k-parent">declared parent</span> <span class="k k-ancestry">git ancestry</span> <span class="k k-shared-code">shared code</span> <span class="k k-pooled">pooled run credit</span> · <span class="k n-frontier">frontier</span> · <span class="k n-invalid">invalid ✗</span></span></form>
<div id="lineage" class="lineage" tabindex="0" aria-label="lineage graph: scroll to zoom, drag to pan, click a node to open it"></div>
<div id="lineage-tip" class="tip" role="status" aria-live="polite"></div>
<noscript><p>The graph needs JavaScript; the same data as a list:</p></noscript>
<details><summary>All ${m.lineage.edges.length} edges as a list</summary><ul>${m.lineage.edges
        .slice(0, 5000)
        .map(
          (x) =>
            `<li><a href="submissions/${e(x.source)}.html">${e(x.source)}</a> → <a href="submissions/${e(x.target)}.html">${e(x.target)}</a> (${e(x.kind)}: ${e(x.label)})</li>`,
        )
        .join("")}</ul></details>`,
      {
        ...base,
        twin: "api/lineage.json",
        active: "lineage.html",
        scripts: ["assets/d3.min.js", "assets/lineage.js"],
      },
    ),
  );
  add("api/lineage.json", json({ nodes: m.lineage.nodes, edges: m.lineage.edges }));
  add("api/frontier.json", json({ frontier: m.frontier }));

  // Submissions (runs indexed once: per-page scans would be quadratic at 10,000 submissions).
  const runsOf = new Map<string, RunRecord[]>();
  for (const r of m.runs)
    for (const slug of new Set([r.candidate.slug, r.incumbent.slug])) pushTo(runsOf, slug, r);
  for (const s of m.submissions.values()) {
    if (opts.onlySubmissions && !opts.onlySubmissions.has(s.slug)) continue;
    const runs = runsOf.get(s.slug) ?? [];
    add(
      `submissions/${s.slug}.html`,
      layout(
        1,
        s.slug,
        `<h1>${e(s.slug)}: ${e(s.title)}</h1>
<p class="standing s-${s.standing}">${STANDING_LABEL[s.standing]}${s.best ? ` — ${f1(s.best.estimate)} tok/s, 95% CI [${f1(s.best.ci[0])}, ${f1(s.best.ci[1])}]` : ""}</p>
${s.ruling ? `<p class="ruling">Ruling (${e(s.ruling.decision)}) by @${e(s.ruling.by)}: ${e(s.ruling.reason)}</p>` : ""}
<dl><dt>Authors</dt><dd>${s.authors.map((a) => `<a href="../participants/${e(a)}.html">@${e(a)}</a>`).join(", ")}</dd>
<dt>Credits</dt><dd>${s.credits.map((c) => `@${e(c.who)} (${e(c.for)})`).join("; ") || "—"}</dd>
<dt>Parents</dt><dd>${s.parents.map((p) => `<a href="${e(p)}.html">${e(p)}</a>`).join(", ") || "—"}</dd>
<dt>Children</dt><dd>${s.children.map((p) => `<a href="${e(p)}.html">${e(p)}</a>`).join(", ") || "—"}</dd>
<dt>First seen</dt><dd>${e(s.firstAt)} in <code>${e(s.firstCommit.slice(0, 10))}</code>${s.pr ? ` · pull request #${s.pr}` : ""}</dd>
<dt>Threads that mention it</dt><dd>${s.mentionedIn.map((n) => `<a href="../threads/${n}.html">#${n}</a>`).join(", ") || "—"}</dd></dl>
<section><h2>Description</h2>${md1.render(s.description || "_No description._")}</section>
<section><h2>Runs</h2>${runs.length ? `<table><thead><tr><th scope="col">Finished</th><th scope="col">Against</th><th scope="col">Verdict</th><th scope="col">Δ tok/s [CI]</th><th scope="col">Verification</th><th scope="col">Launch means</th></tr></thead><tbody>${runs.map((r, i) => `<tr><td>${e(r.finishedAt.slice(0, 16).replace("T", " "))}</td><td>${e(r.candidate.slug === s.slug ? r.incumbent.slug : `${r.candidate.slug} (as incumbent)`)}</td><td>${r.comparison ? `<span class="verdict v-${r.comparison.verdict}">${VERDICT_LABEL[r.comparison.verdict]}</span>` : e(r.status)}${r.status !== "ok" ? ` (${e(r.status)})` : ""}</td><td>${r.comparison ? `${f1(r.comparison.estimate)} [${f1(r.comparison.ci[0])}, ${f1(r.comparison.ci[1])}]` : "—"}</td><td>${r.quality.candidate ? `${r.quality.candidate.ok ? "✓" : "✗"} ppl ${pct(r.quality.candidate.pplIncrease)}, greedy exact ${r.quality.candidate.greedy.exact}/${r.quality.candidate.greedy.prompts}` : "—"}${r.reason ? `<br><small>${e(r.reason.slice(0, 300))}</small>` : ""}</td><td>${i >= runs.length - 12 ? dotPlot(r) : ""}</td></tr>`).join("\n")}</tbody></table>` : "<p>Not benchmarked yet.</p>"}</section>
<section><h2>Manifest</h2><pre><code>${e(stringify(s.manifest))}</code></pre></section>`,
        { ...base, twin: `api/submissions/${s.slug}.json` },
      ),
    );
    add(`api/submissions/${s.slug}.json`, json(submissionApi(s, runs)));
    yield* flush();
  }
  add(
    "api/submissions.json",
    json({
      submissions: [...m.submissions.values()].map((s) => ({
        slug: s.slug,
        title: s.title,
        standing: s.standing,
        authors: s.authors,
        parents: s.parents,
        tps: s.best?.estimate ?? null,
        firstAt: s.firstAt,
      })),
    }),
  );

  // Board.
  const threadRow = (t: Thread, root: string) =>
    `<tr><td><a href="${root}threads/${t.number}.html">#${t.number} ${e(t.title)}</a></td><td>@${e(t.author)}</td><td>${t.labels.map((l) => `<span class="label">${e(l)}</span>`).join(" ")}</td><td data-value="${t.comments.length}">${t.comments.length}</td><td>${e(t.updatedAt.slice(0, 16).replace("T", " "))}</td></tr>`;
  const pinned = m.threads.filter((t) => m.announcements.includes(t.number));
  add(
    "board.html",
    layout(
      0,
      "Board",
      `<h1>Board</h1>
${pinned.length ? `<section class="pinned" aria-labelledby="ann"><h2 id="ann">📌 Announcements</h2><ul>${pinned.map((t) => `<li><a href="threads/${t.number}.html">#${t.number} ${e(t.title)}</a></li>`).join("")}</ul></section>` : ""}
<section aria-labelledby="tf"><h2 id="tf">Taskforces</h2>${
        m.taskforces.size
          ? `<ul>${[...m.taskforces]
              .sort()
              .map(
                ([name, ns]) =>
                  `<li><a href="taskforces/${e(name)}.html">${e(name)}</a> (${ns.length} threads)</li>`,
              )
              .join("")}</ul>`
          : "<p>None yet: label a thread <code>taskforce:&lt;name&gt;</code>.</p>"
      }</section>
<section aria-labelledby="neg"><h2 id="neg">Dead ends (negative results)</h2>${m.negatives.length ? `<ul>${m.negatives.map((n) => `<li>${n.kind === "thread" ? `<a href="threads/${e(n.ref)}.html">#${e(n.ref)} ${e(n.title)}</a>` : `<a href="submissions/${e(n.slug!)}.html">${e(n.slug!)}</a>: ${e(n.title)}`}</li>`).join("")}</ul>` : "<p>None logged yet.</p>"}</section>
<section aria-labelledby="th"><h2 id="th">Threads</h2><table class="sortable"><thead><tr><th scope="col">Thread</th><th scope="col">Author</th><th scope="col">Labels</th><th scope="col" data-type="num">Replies</th><th scope="col">Last activity</th></tr></thead><tbody>${m.threads.map((t) => threadRow(t, "./")).join("\n")}</tbody></table></section>`,
      { ...base, twin: "api/threads.json", active: "board.html", scripts: ["assets/sort.js"] },
    ),
  );
  add(
    "api/threads.json",
    json({
      announcements: m.announcements,
      taskforces: Object.fromEntries([...m.taskforces].sort()),
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
    }),
  );
  for (const t of m.threads) {
    if (opts.onlyThreads && !opts.onlyThreads.has(t.number)) continue;
    const post = (author: string, at: string, body: string, id?: number) =>
      `<article class="post"${id ? ` id="c${id}"` : ""}><header><a href="../participants/${e(author)}.html">@${e(author)}</a> · <time datetime="${e(at)}">${e(at.slice(0, 16).replace("T", " "))}</time></header>${md1.render(body)}</article>`;
    add(
      `threads/${t.number}.html`,
      layout(
        1,
        `#${t.number} ${t.title}`,
        `<h1>#${t.number} ${e(t.title)}</h1><p>${t.state} · ${t.labels.map((l) => `<span class="label">${e(l)}</span>`).join(" ")} · ${t.comments.length} replies</p>
${post(t.author, t.createdAt, t.body)}
${t.comments.map((c) => post(c.author, c.createdAt, c.body, c.id)).join("\n")}`,
        { ...base, twin: `api/threads/${t.number}.json` },
      ),
    );
    add(`api/threads/${t.number}.json`, json(threadApi(t)));
    yield* flush();
  }
  for (const [name, ns] of m.taskforces)
    add(
      `taskforces/${name}.html`,
      layout(
        1,
        `Taskforce ${name}`,
        `<h1>Taskforce: ${e(name)}</h1><table><thead><tr><th scope="col">Thread</th><th scope="col">Author</th><th scope="col">Labels</th><th scope="col">Replies</th><th scope="col">Last activity</th></tr></thead><tbody>${m.threads
          .filter((t) => ns.includes(t.number))
          .map((t) => threadRow(t, "../"))
          .join("\n")}</tbody></table>`,
        { ...base, twin: `api/taskforces/${name}.json` },
      ),
    );
  for (const [name, ns] of m.taskforces) add(`api/taskforces/${name}.json`, json({ name, threads: ns }));

  // Rulings, rules, knowledge base.
  add(
    "rulings.html",
    layout(
      0,
      "Rulings",
      `<h1>Rulings</h1>${m.rulings.length ? `<table><thead><tr><th scope="col">When</th><th scope="col">Submission</th><th scope="col">Decision</th><th scope="col">Reason</th><th scope="col">By</th></tr></thead><tbody>${m.rulings.map((r) => `<tr><td>${e(r.at.slice(0, 16).replace("T", " "))}</td><td><a href="submissions/${e(r.slug)}.html">${e(r.slug)}</a></td><td>${e(r.decision)}</td><td>${md0.renderInline(r.reason)}</td><td>@${e(r.by.login)}</td></tr>`).join("")}</tbody></table>` : "<p>No rulings.</p>"}`,
      { ...base, twin: "api/rulings.json", active: "rulings.html" },
    ),
  );
  add("api/rulings.json", json({ rulings: m.rulings }));
  add("rules.html", layout(0, "Rules", md0.render(m.rules), { ...base, active: "rules.html" }));
  add(
    "kb/index.html",
    layout(
      1,
      "Knowledge base",
      `<h1>Knowledge base</h1><p>Playbooks and notes kept by participants in <code>challenge/kb/</code>. Propose one in a PR.</p><ul>${m.kb.map((k) => `<li><a href="${e(k.slug)}.html">${e(k.title)}</a></li>`).join("")}</ul>`,
      { ...base, active: "kb/index.html", twin: "api/kb.json" },
    ),
  );
  for (const k of m.kb)
    add(`kb/${k.slug}.html`, layout(1 + (k.slug.split("/").length - 1), k.title, md1.render(k.text), base));
  add("api/kb.json", json({ notes: m.kb.map((k) => ({ slug: k.slug, title: k.title, path: k.path })) }));

  // Participants and inboxes.
  for (const p of m.participants.values()) {
    add(
      `participants/${p.login}.html`,
      layout(
        1,
        `@${p.login}`,
        `<h1>@${e(p.login)}</h1><p>Quota: ${p.quotaUsed24h} of ${p.quotaLimit} runs in the last ${ch.quota.window_hours} h (as of the data).</p>
<h2>Submissions</h2><ul>${p.submissions.map((s) => `<li><a href="../submissions/${e(s)}.html">${e(s)}</a></li>`).join("") || "<li>none</li>"}</ul>
<h2>Runs</h2><p>Requested ${p.runsRequested.length}, credited ${p.runsCredited.length}.</p>
<h2>Inbox (${p.inbox.length})</h2><ul class="inbox">${p.inbox.map((i) => `<li><a href="../threads/${i.thread}.html${i.comment ? `#c${i.comment}` : ""}">#${i.thread}</a> from @${e(i.from)}: ${e(i.excerpt)}</li>`).join("") || "<li>empty</li>"}</ul>`,
        { ...base, twin: `api/participants/${p.login}.json` },
      ),
    );
    add(`api/participants/${p.login}.json`, json(p));
    yield* flush();
  }

  // Runners.
  add(
    "runners.html",
    layout(
      0,
      "Runners",
      `<h1>Runners</h1><p>Noise floor from A/A runs (the leader against itself): the standard deviation of per-block differences by day. A runner whose noise grows is flagged.</p>${m.runners.map((r) => `<section><h2>${e(r.id)}</h2><p>${r.runs} runs. ${r.health.drifting ? "⚠ " : ""}${e(r.health.reason)}</p>${r.windows.length ? `<table><thead><tr><th scope="col">Day</th><th scope="col">A/A blocks</th><th scope="col">sd of differences (tok/s)</th></tr></thead><tbody>${r.windows.map((w) => `<tr><td>${e(w.label)}</td><td>${w.n}</td><td>${f1(w.sd)}</td></tr>`).join("")}</tbody></table>` : "<p>No A/A runs yet.</p>"}</section>`).join("") || "<p>No runs yet.</p>"}`,
      { ...base, twin: "api/runners.json", active: "runners.html" },
    ),
  );
  add("api/runners.json", json({ runners: m.runners }));

  // Digest: one file an agent reads to catch up.
  add(
    "api/digest.json",
    json({
      challenge: {
        id: ch.id,
        title: ch.title,
        summary: ch.summary,
        metric: ch.metric,
        verification: {
          max_ppl_increase: ch.verification.max_ppl_increase,
          min_greedy_exact: ch.verification.min_greedy_exact,
        },
        significance: ch.significance,
        quota: ch.quota,
      },
      updatedAt: m.updatedAt,
      leader: m.leader,
      top: m.leaderboard.slice(0, 10),
      recentVerdicts: m.recentVerdicts.slice(0, 20).map((r) => ({
        id: r.id,
        candidate: r.candidate.slug,
        incumbent: r.incumbent.slug,
        status: r.status,
        verdict: r.comparison?.verdict ?? null,
        estimate: r.comparison?.estimate ?? null,
        ci: r.comparison?.ci ?? null,
        confirmation: r.confirmation.status,
        finishedAt: r.finishedAt,
      })),
      newThreads: [...m.threads]
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, 10)
        .map((t) => ({ number: t.number, title: t.title, author: t.author, labels: t.labels })),
      taskforces: Object.fromEntries([...m.taskforces].sort()),
      announcements: m.announcements,
      openRulings: m.threads
        .filter((t) => t.state === "open" && t.labels.includes("ruling-request"))
        .map((t) => t.number),
      rulings: m.rulings.slice(0, 10),
      negatives: m.negatives.slice(0, 20),
    }),
  );

  // Atom feed of verdicts and new threads.
  const entries = [
    ...m.runs
      .filter((r) => r.comparison)
      .map((r) => ({
        id: `run:${r.id}`,
        at: r.finishedAt,
        title: `${r.candidate.slug} vs ${r.incumbent.slug}: ${r.comparison!.verdict}${r.status !== "ok" ? ` (${r.status})` : ""}`,
        link: `submissions/${r.candidate.slug}.html`,
        summary: `Δ ${f1(r.comparison!.estimate)} tok/s, CI [${f1(r.comparison!.ci[0])}, ${f1(r.comparison!.ci[1])}]`,
      })),
    ...m.threads.map((t) => ({
      id: `thread:${t.number}`,
      at: t.createdAt,
      title: `#${t.number} ${t.title}`,
      link: `threads/${t.number}.html`,
      summary: t.body.slice(0, 200),
    })),
  ]
    .sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id))
    .slice(0, 100);
  add(
    "feed.xml",
    `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>${e(ch.title)}: verdicts and threads</title>
<id>urn:velodrome:${e(ch.id)}</id>
<updated>${e(m.updatedAt)}</updated>
<link href="index.html"/>
${entries.map((x) => `<entry><id>urn:velodrome:${e(ch.id)}:${e(x.id)}</id><title>${e(x.title)}</title><updated>${e(x.at)}</updated><link href="${e(x.link)}"/><summary>${e(x.summary)}</summary></entry>`).join("\n")}
</feed>
`,
  );

  // The API's own documentation, human and machine readable.
  const endpoints = [
    [
      "api/digest.json",
      "Catch-up digest: leader and tie group, top 10, recent verdicts, new threads, taskforces, announcements, open rulings, negative results.",
    ],
    [
      "api/leaderboard.json",
      'Rows: rank, label ("=1" for shared ranks), slug, estimate and ci (tok/s), relative to leader, verification, confirmation, authors, credits, runsUsed, ruling, pending.',
    ],
    ["api/leaderboard-strict.json", "Same rows, confirmed results only."],
    ["api/submissions.json", "Every submission: slug, title, standing, authors, parents, tps, firstAt."],
    [
      "api/submissions/<slug>.json",
      "One submission: manifest, parents, children, standing, ruling, best estimate with launch means, and every run with per-launch samples.",
    ],
    [
      "api/lineage.json",
      "Nodes (id, title, author, at, tps, standing, frontier) and edges (source, target, kind: parent | ancestry | shared-code | pooled, label).",
    ],
    ["api/frontier.json", "Steps of the best valid speed over time: at, slug, tps, run, pr."],
    ["api/threads.json", "Thread index, announcements, taskforces, negative results."],
    ["api/threads/<n>.json", "One thread with its comments as markdown."],
    [
      "api/participants/<login>.json",
      "Submissions, runs requested and credited, quota used in the window, inbox of @-mentions.",
    ],
    ["api/rulings.json", "Organizer rulings, newest first."],
    ["api/runners.json", "Per runner: runs, A/A noise by day, drift check."],
    ["api/kb.json", "Knowledge-base notes."],
  ];
  add(
    "api/index.html",
    layout(
      1,
      "API",
      `<h1>JSON API</h1><p>Every page has a JSON twin. All files carry <code>"version": ${API_SCHEMA_VERSION}</code>; fields are only added within a version.</p><table><thead><tr><th scope="col">File</th><th scope="col">Contents</th></tr></thead><tbody>${endpoints.map(([p, d]) => `<tr><td><code>${e(p!)}</code></td><td>${e(d!)}</td></tr>`).join("")}</tbody></table><p>Also: <a href="../feed.xml">Atom feed</a> of verdicts and new threads.</p>`,
      { ...base, twin: "api/index.json" },
    ),
  );
  add("api/index.json", json({ endpoints: endpoints.map(([path, description]) => ({ path, description })) }));
  yield* flush();
}
