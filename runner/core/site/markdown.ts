import hljs from "highlight.js/lib/common";
import MarkdownIt, { type StateCore, type Token } from "markdown-it";
import { escapeHtml } from "./html.ts";

export { escapeHtml } from "./html.ts";

type Md = InstanceType<typeof MarkdownIt>;

export interface LinkContext {
  threadHref(n: number): string | undefined;
  slugHref(slug: string): string | undefined;
  userHref(login: string): string;
}

/** Fenced code, highlighted when the language is known, escaped otherwise. */
function highlight(code: string, lang: string): string {
  const language = lang && hljs.getLanguage(lang) ? lang : undefined;
  const body = language ? hljs.highlight(code, { language, ignoreIllegals: true }).value : escapeHtml(code);
  return `<pre class="hljs"><code>${body}</code></pre>`;
}

/** Only http(s), mailto and relative links: no javascript:, data:, file: or other schemes. */
function restrictLinks(md: Md): void {
  const defaultValidate = md.validateLink.bind(md);
  md.validateLink = (url: string) => {
    const u = url.trim().toLowerCase();
    // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    // eslint-disable-next-line no-control-regex
    if (/^(javascript|vbscript|data|file):/.test(u.replace(/[\s\u0000-\u001f]/g, ""))) return false;
    if (/^[a-z][a-z0-9+.-]*:/.test(u) && !/^(https?|mailto):/.test(u)) return false;
    return defaultValidate(url);
  };
}

/** Images become links: no remote loads (privacy) and nothing for onerror payloads to hang on. */
function imagesAsLinks(md: Md): void {
  md.renderer.rules.image = (tokens, idx) => {
    const t = tokens[idx]!;
    const src = String(t.attrGet("src") ?? "");
    const label = escapeHtml(String(t.content || src));
    return `<a href="${escapeHtml(src)}" rel="nofollow noopener">[image: ${label}]</a>`;
  };
}

/** External links get rel="nofollow noopener". */
function externalLinksNofollow(md: Md): void {
  const defaultLinkOpen =
    md.renderer.rules.link_open ?? ((tokens, idx, opts, _env, self) => self.renderToken(tokens, idx, opts));
  md.renderer.rules.link_open = (tokens, idx, opts, env, self) => {
    const href = String(tokens[idx]!.attrGet("href") ?? "");
    if (/^https?:/i.test(href)) tokens[idx]!.attrSet("rel", "nofollow noopener");
    return defaultLinkOpen(tokens, idx, opts, env, self);
  };
}

/** `#123`, `@login` or a bare word that may be a submission slug, after a non-word boundary. */
const REFERENCE = new RegExp(
  [
    "(^|[^\\w/#-])(", // 1: what precedes; 2: the whole reference
    "#(\\d{1,7})", // 3: thread number
    "|@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})", // 4: GitHub login
    "|\\b([a-z0-9][a-z0-9-]{1,62}[a-z0-9])\\b)", // 5: slug
  ].join(""),
  "g",
);

/** Where a reference match links to, and its CSS class; undefined when it names nothing known. */
function referenceTarget(m: RegExpExecArray, ctx: LinkContext): { href: string; cls: string } | undefined {
  const href = m[3] ? ctx.threadHref(Number(m[3])) : m[4] ? ctx.userHref(m[4]) : ctx.slugHref(m[5]!);
  if (!href) return undefined;
  return { href, cls: m[3] ? "ref-thread" : m[4] ? "ref-user" : "ref-slug" };
}

function textToken(state: StateCore, content: string): Token {
  const t = new state.Token("text", "", 0);
  t.content = content;
  return t;
}

/** Splits one text token into text and link tokens around the references it contains. */
function linkReferences(state: StateCore, t: Token, ctx: LinkContext): Token[] {
  const out: Token[] = [];
  const text = t.content;
  const re = new RegExp(REFERENCE.source, "g");
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const start = m.index + m[1]!.length;
    const target = referenceTarget(m, ctx);
    if (!target) continue;
    if (start > last) out.push(textToken(state, text.slice(last, start)));
    const open = new state.Token("link_open", "a", 1);
    open.attrs = [
      ["href", target.href],
      ["class", target.cls],
    ];
    out.push(open, textToken(state, m[2]!), new state.Token("link_close", "a", -1));
    last = start + m[2]!.length;
  }
  if (last === 0) return [t];
  if (last < text.length) out.push(textToken(state, text.slice(last)));
  return out;
}

/** Auto-links references in plain text, never inside code or existing links. */
function autolinkReferences(md: Md, ctx: LinkContext): void {
  md.core.ruler.after("inline", "velodrome-autolinks", (state) => {
    for (const block of state.tokens) {
      if (block.type !== "inline" || !block.children) continue;
      const out: Token[] = [];
      let inLink = 0;
      for (const t of block.children) {
        if (t.type === "link_open") inLink++;
        if (t.type === "link_close") inLink--;
        if (t.type !== "text" || inLink > 0) out.push(t);
        else out.push(...linkReferences(state, t, ctx));
      }
      block.children = out;
    }
  });
}

/**
 * markdown-it with raw HTML off, only http(s)/mailto/relative links, fenced code highlighted, and
 * `#123`, submission slugs and `@login` auto-linked in plain text (never inside code or links).
 */
export function makeMarkdown(ctx: LinkContext): Md {
  const md = new MarkdownIt({ html: false, linkify: true, highlight });
  restrictLinks(md);
  imagesAsLinks(md);
  externalLinksNofollow(md);
  autolinkReferences(md, ctx);
  return md;
}
