import { raw, type Html } from "./html.ts";
import { layout, rootOf, type Page, type SiteFrame } from "./layout.ts";
import { makeMarkdown } from "./markdown.ts";
import type { SiteModel } from "./model.ts";

/** A built file: path relative to the site root, and its content. Pure: the adapter writes them. */
export interface SiteFile {
  path: string;
  content: string;
}

export const API_SCHEMA_VERSION = 1;

/** Markdown rendered for a page at one depth: links to threads, submissions and people are relative. */
export interface Markdown {
  block(text: string): Html;
  inline(text: string): Html;
}

/** What a page needs besides the model: markdown renderers and the two ways to make a file. */
export interface PageContext {
  markdown(depth: number): Markdown;
  /** An HTML page in the shared layout. */
  page(path: string, page: Page): SiteFile;
  /** A JSON twin: compact, with the API version first, byte-identical for the same model. */
  json(path: string, data: object): SiteFile;
}

/** What every page module gets: the model, and the page context built from it. */
export interface SiteContext extends PageContext {
  model: SiteModel;
}

/**
 * All a page context is built from: the frame every page shows and the names markdown may link to.
 * Small and plain (structured-cloneable), so a worker thread can render pages from it alone.
 */
export interface LinkBasis {
  frame: SiteFrame;
  threadNumbers: readonly number[];
  slugs: readonly string[];
}

export const linkBasis = (model: SiteModel): LinkBasis => ({
  frame: { challengeTitle: model.challenge.title, updatedAt: model.updatedAt },
  threadNumbers: model.threads.map((t) => t.number),
  slugs: [...model.submissions.keys()],
});

export function pageContext(basis: LinkBasis): PageContext {
  const threadNumbers = new Set(basis.threadNumbers);
  const slugs = new Set(basis.slugs);
  const renderers = new Map<number, Markdown>();
  const markdown = (depth: number): Markdown => {
    const cached = renderers.get(depth);
    if (cached) return cached;
    const root = rootOf(depth);
    const md = makeMarkdown({
      threadHref: (n) => (threadNumbers.has(n) ? `${root}threads/${n}.html` : undefined),
      slugHref: (s) => (slugs.has(s) ? `${root}submissions/${s}.html` : undefined),
      userHref: (u) => `${root}participants/${u}.html`,
    });
    // markdown-it escapes text and drops raw HTML (html: false): its output is trusted markup.
    const made: Markdown = { block: (t) => raw(md.render(t)), inline: (t) => raw(md.renderInline(t)) };
    renderers.set(depth, made);
    return made;
  };
  return {
    markdown,
    page: (path, page) => ({ path, content: layout(page, basis.frame) }),
    json: (path, data) => ({
      path,
      content: JSON.stringify({ version: API_SCHEMA_VERSION, ...data }) + "\n",
    }),
  };
}

export const siteContext = (model: SiteModel): SiteContext => ({
  model,
  ...pageContext(linkBasis(model)),
});
