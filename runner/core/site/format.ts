/** Number, time and label formats shared by the pages. */

/** One decimal: speeds and intervals in tok/s. */
export const f1 = (x: number) => x.toFixed(1);

/** A signed percentage with one decimal: "+4.2%", "-0.5%". */
export const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

/** An ISO time to the minute, readable: "2026-01-02 10:00". */
export const minute = (iso: string) => iso.slice(0, 16).replace("T", " ");

/**
 * Labels are plain words (colour comes from CSS classes): Debian's default fonts lack emoji and many
 * symbols, which would render as empty boxes.
 */
const VERDICT_LABEL: Record<string, string> = {
  faster: "faster",
  slower: "slower",
  tie: "tie",
  inconclusive: "inconclusive",
  unresolved: "unresolved — evidence ran out; the incumbent keeps the lead",
};

const STANDING_LABEL: Record<string, string> = {
  leader: "leader",
  valid: "valid",
  pending: "pending confirmation",
  unconfirmed: "unconfirmed — private-set confirmation failed; not ranked",
  invalid: "ruled invalid",
  failed: "failed verification",
  error: "error",
  unbenchmarked: "not benchmarked",
  negative: "negative result — a logged dead end",
  hacked: "ruled hacked by an organizer; not ranked",
  withdrawn: "withdrawn by its author; not ranked",
};

/** A readable fallback for a value no table knows yet (a newer record format): the value itself. */
const known = (table: Record<string, string>, value: string) =>
  Object.hasOwn(table, value) ? table[value]! : value.replace(/[-_]/g, " ");

/** A verdict in words; an unknown but valid verdict string reads as itself. */
export const verdictLabel = (verdict: string) => known(VERDICT_LABEL, verdict);

/** A standing in words; an unknown standing reads as itself. */
export const standingLabel = (standing: string) => known(STANDING_LABEL, standing);

/** A CSS class suffix safe for any verdict or standing string (unknown ones get their own class). */
export const cssToken = (value: string) => value.toLowerCase().replace(/[^a-z0-9-]/g, "-");

/**
 * At most `max` characters, cut at a word boundary with "…" (a reason is never cut mid-word, as
 * "…guarantee)" once became "…nee)"). A single word longer than `max` is cut where it must be.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.search(/\s\S*$/);
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
