import { html, type Html, join, raw } from "./html.ts";

/** One HTML page before layout: where it sits (depth below the site root), its title and body. */
export interface Page {
  /** Folders below the site root (0 for index.html, 1 for submissions/x.html): links are relative. */
  depth: number;
  title: string;
  body: Html;
  /** Site-relative path of the page's JSON twin, linked from the head and the footer. */
  twin?: string;
  /** Site-relative scripts loaded at the end of the body. */
  scripts?: string[];
  /** The nav entry to mark as the current page. */
  active?: string;
}

/** What every page's frame shows about the site. */
export interface SiteFrame {
  challengeTitle: string;
  updatedAt: string;
}

/** The relative path from a page at this depth to the site root ("./", "../", "../../"). */
export const rootOf = (depth: number) => (depth ? "../".repeat(depth) : "./");

const NAV: [href: string, label: string][] = [
  ["index.html", "Home"],
  ["leaderboard.html", "Leaderboard"],
  ["lineage.html", "Lineage"],
  ["queue.html", "Queue"],
  ["board.html", "Board"],
  ["participants.html", "Participants"],
  ["rulings.html", "Rulings"],
  ["rules.html", "Rules"],
  ["glossary.html", "Glossary"],
  ["kb/index.html", "Knowledge base"],
  ["runners.html", "Runners"],
  ["api/index.html", "API"],
];

const CURRENT = raw(' aria-current="page"');

function nav(root: string, active: string | undefined): Html {
  return html`${NAV.map(
    ([href, label]) => html`<a href="${root}${href}"${active === href ? CURRENT : ""}>${label}</a>`,
  )}`;
}

function head(page: Page, site: SiteFrame, root: string): Html {
  const twin = page.twin
    ? html`<link rel="alternate" type="application/json" href="${root}${page.twin}">`
    : "";
  return html`<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · ${site.challengeTitle}</title>
<link rel="icon" href="${root}assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${root}assets/site.css">
<link rel="alternate" type="application/atom+xml" title="Verdicts and threads" href="${root}feed.xml">
${twin}
</head>`;
}

/**
 * Every table of a page (the pages' own and those markdown renders) inside a scrolling box: a wide
 * table scrolls sideways in its box instead of widening the page or splitting words. Safe on the
 * escaped body: text from the data reaches it with "<" escaped, so only real elements match.
 */
function boxTables(body: Html): Html {
  return raw(
    body
      .toString()
      .replace(/<table\b/g, '<div class="table-wrap"><table')
      .replace(/<\/table>/g, "</table></div>"),
  );
}

/** The shared frame of every page: head, navigation, main, footer with the data's date, scripts. */
export function layout(page: Page, site: SiteFrame): string {
  const root = rootOf(page.depth);
  const twinLink = page.twin ? html` · <a href="${root}${page.twin}">JSON twin of this page</a>` : "";
  // JSON.stringify of a "../" path: no "<" can close the script element.
  const rootScript = raw(`<script>window.VELODROME_ROOT=${JSON.stringify(root)};</script>`);
  const scripts = join(
    [...(page.scripts ?? []), "assets/time.js"].map((s) => html`<script src="${root}${s}"></script>`),
    "\n",
  );
  return html`<!doctype html>
<html lang="en">
${head(page, site, root)}
<body>
<a class="skip" href="#main">Skip to content</a>
<header><div class="brand"><a href="${root}index.html">Velodrome</a> · ${site.challengeTitle}</div>\
<nav aria-label="Main">${nav(root, page.active)}</nav></header>
<main id="main">
${boxTables(page.body)}
</main>
<footer>Built from git history and the data branch · data as of \
<time datetime="${site.updatedAt}" title="${site.updatedAt}">${site.updatedAt}</time>${twinLink}</footer>
${rootScript}
${scripts}
</body>
</html>
`.toString();
}
