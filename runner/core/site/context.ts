import { raw, type Html } from "./html.ts";
import { layout, rootOf, type Page } from "./layout.ts";
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

/** What every page module gets: the model, markdown renderers, and the two ways to make a file. */
export interface SiteContext {
  model: SiteModel;
  markdown(depth: number): Markdown;
  /** An HTML page in the shared layout. */
  page(path: string, page: Page): SiteFile;
  /** A JSON twin: compact, with the API version first, byte-identical for the same model. */
  json(path: string, data: object): SiteFile;
}

export function siteContext(model: SiteModel): SiteContext {
  const frame = { challengeTitle: model.challenge.title, updatedAt: model.updatedAt };
  const threadNumbers = new Set(model.threads.map((t) => t.number));
  const renderers = new Map<number, Markdown>();
  const markdown = (depth: number): Markdown => {
    const cached = renderers.get(depth);
    if (cached) return cached;
    const root = rootOf(depth);
    const md = makeMarkdown({
      threadHref: (n) => (threadNumbers.has(n) ? `${root}threads/${n}.html` : undefined),
      slugHref: (s) => (model.submissions.has(s) ? `${root}submissions/${s}.html` : undefined),
      userHref: (u) => `${root}participants/${u}.html`,
    });
    // markdown-it escapes text and drops raw HTML (html: false): its output is trusted markup.
    const made: Markdown = { block: (t) => raw(md.render(t)), inline: (t) => raw(md.renderInline(t)) };
    renderers.set(depth, made);
    return made;
  };
  return {
    model,
    markdown,
    page: (path, page) => ({ path, content: layout(page, frame) }),
    json: (path, data) => ({
      path,
      content: JSON.stringify({ version: API_SCHEMA_VERSION, ...data }) + "\n",
    }),
  };
}
