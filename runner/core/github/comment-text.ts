/**
 * Text primitives shared by every bot comment: the markers the bot finds its own comments by, the
 * neutraliser for user-controlled text, and the machine-readable JSON twin.
 */

/** Markers that let the bot find and update its own comment instead of adding new ones. */
export const marker = (kind: string, key: string | number) => `<!-- velodrome:${kind}:${key} -->`;

/** Neutralises user-controlled text for a comment: no HTML, no mentions, no link/image syntax. */
export function inert(text: string, max = 500): string {
  return text
    .slice(0, max)
    .replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!)
    .replace(/@/g, "@\u200b")
    .replace(/([[\]()`*_|!#])/g, "\\$1")
    .replace(/\r?\n/g, " ");
}

/** A machine-readable twin inside an HTML comment; `>` is escaped so the JSON cannot end the comment. */
export function hiddenJson(kind: string, data: unknown): string {
  const json = JSON.stringify(data).replace(/>/g, "\\u003e").replace(/--/g, "-\\u002d");
  return `<!-- velodrome:json:${kind} ${json} -->`;
}

/** Reads back the twin `hiddenJson(kind, …)` wrote, or undefined when the body has none. */
export function parseHiddenJson(body: string, kind: string): unknown {
  const m = new RegExp(`<!-- velodrome:json:${kind} (.*?) -->`, "s").exec(body);
  return m ? JSON.parse(m[1]!) : undefined;
}

/** A number with `d` decimals. */
export const fixed = (x: number, d = 1) => x.toFixed(d);

/** A signed percentage with two decimals: `+1.25%`. */
export const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}%`;

/** The first 7 characters of a commit, as GitHub shows it. */
export const shortSha = (sha: string) => sha.slice(0, 7);
