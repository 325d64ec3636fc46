/** Number, time and label formats shared by the pages. */

/** One decimal: speeds and intervals in tok/s. */
export const f1 = (x: number) => x.toFixed(1);

/** A signed percentage with one decimal: "+4.2%", "-0.5%". */
export const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

/** An ISO time to the minute, readable: "2026-01-02 10:00". */
export const minute = (iso: string) => iso.slice(0, 16).replace("T", " ");

export const VERDICT_LABEL: Record<string, string> = {
  faster: "▲ faster",
  slower: "▼ slower",
  tie: "＝ tie",
  inconclusive: "？ inconclusive",
};

export const STANDING_LABEL: Record<string, string> = {
  leader: "★ leader",
  valid: "✓ valid",
  pending: "⧗ pending confirmation",
  invalid: "✗ ruled invalid",
  failed: "✗ failed verification",
  error: "⚠ error",
  unbenchmarked: "· not benchmarked",
  negative: "∅ negative result",
};
