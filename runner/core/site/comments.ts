import MarkdownIt from "markdown-it";
import { clip } from "./format.ts";
import { parseHiddenJson } from "../github/comment-text.ts";

/**
 * Bot comments carry markers and a hidden JSON twin (runner/core/github/comment-*.ts). Markdown
 * rendering drops raw HTML as text, so the site reads the twin and draws what the comment means,
 * and strips the machinery from everyone else's text.
 */

/** The twin kinds the bot writes, in the order they are looked for. */
const TWIN_KINDS = ["verdict", "validate", "queued", "refused", "ruling"] as const;

export interface BotMessage {
  kind: string;
  data: Record<string, unknown>;
}

/** GitHub marks app accounts with "[bot]": only their twins are trusted to draw a card. */
export const isBot = (login: string) => login.endsWith("[bot]");

/** The twin of a bot comment, or undefined (not a bot, no twin, or a twin that does not parse). */
export function botMessage(author: string, body: string): BotMessage | undefined {
  if (!isBot(author)) return undefined;
  for (const kind of TWIN_KINDS) {
    let data: unknown;
    try {
      data = parseHiddenJson(body, kind);
    } catch {
      continue; // a damaged twin: fall back to the stripped text
    }
    if (data && typeof data === "object" && !Array.isArray(data))
      return { kind, data: data as Record<string, unknown> };
  }
  return undefined;
}

/** A comment's text without HTML comments (markers, twins) and without `<sub>`/`<details>` wrappers. */
export function stripMachinery(body: string): string {
  return body
    .replace(/<!--[\s\S]*?(-->|$)/g, "")
    .replace(/<\/?(sub|sup|details|summary|br)\s*\/?>/gi, " ")
    .trim();
}

/** A field of a twin as text ("" when absent or not a string or number). */
export const text = (data: Record<string, unknown>, key: string): string => {
  const v = data[key];
  return typeof v === "string" || typeof v === "number" ? String(v) : "";
};

/** A field of a twin as a finite number, or undefined. */
export const num = (data: Record<string, unknown>, key: string): number | undefined => {
  const v = data[key];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
};

/** One line saying what a bot message means, for excerpts (inboxes) and feeds. */
export function botSummary(m: BotMessage): string {
  const d = m.data;
  switch (m.kind) {
    case "verdict":
      if (text(d, "status") === "rejected") return `Run ${text(d, "id")}: result rejected`;
      return `Verdict: ${text(d, "candidate")} vs ${text(d, "incumbent")}: ${text(d, "verdict") || text(d, "status")}`;
    case "validate":
      return d.ok === true
        ? `Validation passed at ${text(d, "sha").slice(0, 7)}`
        : `Validation found ${Array.isArray(d.problems) ? d.problems.length : "some"} problem(s)`;
    case "queued":
      return `Queued ${text(d, "slug")} against ${text(d, "against")} (run ${text(d, "runId")})`;
    case "refused":
      return `Refused: ${text(d, "reason")}`;
    case "ruling":
      return `Ruling: ${text(d, "slug")} is ${text(d, "decision")}`;
    default:
      return `Bot message (${m.kind})`;
  }
}

const TEXT = new MarkdownIt({ html: false });

/**
 * The words of a markdown comment as a reader sees them once rendered: quote markers, emphasis,
 * headings, list bullets and link syntax gone (link and code text kept), raw HTML dropped.
 */
function markdownText(body: string): string {
  const words: string[] = [];
  for (const block of TEXT.parse(body, {})) {
    if (block.type === "fence" || block.type === "code_block") words.push(block.content);
    for (const t of block.children ?? []) {
      if (t.type === "text" || t.type === "code_inline") words.push(t.content);
      else if (t.type === "softbreak" || t.type === "hardbreak") words.push(" ");
    }
    if (block.type.endsWith("_close")) words.push(" ");
  }
  return words.join("").replace(/<[^>]*>/g, " ");
}

/** What an inbox or feed shows of a post: the bot's meaning, or the author's text without machinery. */
export function plainExcerpt(author: string, body: string, max = 160): string {
  const bot = botMessage(author, body);
  const plain = bot ? botSummary(bot) : markdownText(stripMachinery(body));
  return clip(plain.replace(/\s+/g, " ").trim(), max);
}
