import hljs from "highlight.js/lib/common";
import MarkdownIt, { type Token } from "markdown-it";

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export interface LinkContext {
  threadHref(n: number): string | undefined;
  slugHref(slug: string): string | undefined;
  userHref(login: string): string;
}

/**
 * markdown-it with raw HTML off, only http(s)/mailto/relative links, fenced code highlighted, and
 * `#123`, submission slugs and `@login` auto-linked in plain text (never inside code or links).
 */
export function makeMarkdown(ctx: LinkContext): InstanceType<typeof MarkdownIt> {
  const md = new MarkdownIt({
    html: false,
    linkify: true,
    highlight: (code: string, lang: string) => {
      const language = lang && hljs.getLanguage(lang) ? lang : undefined;
      const body = language
        ? hljs.highlight(code, { language, ignoreIllegals: true }).value
        : escapeHtml(code);
      return `<pre class="hljs"><code>${body}</code></pre>`;
    },
  });
  const defaultValidate = md.validateLink.bind(md);
  md.validateLink = (url: string) => {
    const u = url.trim().toLowerCase();
    // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    // eslint-disable-next-line no-control-regex
    if (/^(javascript|vbscript|data|file):/.test(u.replace(/[\s\u0000-\u001f]/g, ""))) return false;
    if (/^[a-z][a-z0-9+.-]*:/.test(u) && !/^(https?|mailto):/.test(u)) return false;
    return defaultValidate(url);
  };
  // Images become links: no remote loads (privacy) and nothing for onerror payloads to hang on.
  md.renderer.rules.image = (tokens, idx) => {
    const t = tokens[idx]!;
    const src = String(t.attrGet("src") ?? "");
    return `<a href="${escapeHtml(src)}" rel="nofollow noopener">[image: ${escapeHtml(String(t.content || src))}]</a>`;
  };
  const defaultLinkOpen =
    md.renderer.rules.link_open ?? ((tokens, idx, opts, _env, self) => self.renderToken(tokens, idx, opts));
  md.renderer.rules.link_open = (tokens, idx, opts, env, self) => {
    const href = String(tokens[idx]!.attrGet("href") ?? "");
    if (/^https?:/i.test(href)) tokens[idx]!.attrSet("rel", "nofollow noopener");
    return defaultLinkOpen(tokens, idx, opts, env, self);
  };
  md.core.ruler.after("inline", "velodrome-autolinks", (state) => {
    for (const block of state.tokens) {
      if (block.type !== "inline" || !block.children) continue;
      const out: Token[] = [];
      let inLink = 0;
      for (const t of block.children) {
        if (t.type === "link_open") inLink++;
        if (t.type === "link_close") inLink--;
        if (t.type !== "text" || inLink > 0) {
          out.push(t);
          continue;
        }
        const re =
          /(^|[^\w/#-])(#(\d{1,7})|@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})|\b([a-z0-9][a-z0-9-]{1,62}[a-z0-9])\b)/g;
        let last = 0;
        let m: RegExpExecArray | null;
        const text = t.content;
        while ((m = re.exec(text))) {
          const start = m.index + m[1]!.length;
          let href: string | undefined;
          if (m[3]) href = ctx.threadHref(Number(m[3]));
          else if (m[4]) href = ctx.userHref(m[4]);
          else if (m[5]) href = ctx.slugHref(m[5]);
          if (!href) continue;
          if (start > last) {
            const tt = new state.Token("text", "", 0);
            tt.content = text.slice(last, start);
            out.push(tt);
          }
          const open = new state.Token("link_open", "a", 1);
          open.attrs = [
            ["href", href],
            ["class", m[3] ? "ref-thread" : m[4] ? "ref-user" : "ref-slug"],
          ];
          const inner = new state.Token("text", "", 0);
          inner.content = m[2]!;
          out.push(open, inner, new state.Token("link_close", "a", -1));
          last = start + m[2]!.length;
        }
        if (last === 0) out.push(t);
        else if (last < text.length) {
          const tt = new state.Token("text", "", 0);
          tt.content = text.slice(last);
          out.push(tt);
        }
      }
      block.children = out;
    }
  });
  return md;
}
