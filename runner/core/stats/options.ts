import type { MinEffect } from "../schema/common.ts";

/**
 * Reads a minimum-effect option (`--delta`): tok/s ("2.5") or a percentage of the incumbent ("1%").
 * Each wrong input gets a message saying what is wrong and what to write instead.
 */
export function parseMinEffectOption(
  text: string,
  option = "--delta",
): { ok: true; value: MinEffect } | { ok: false; message: string } {
  const s = text.trim();
  const percent = s.endsWith("%");
  const n = Number(percent ? s.slice(0, -1) : s);
  const how = `e.g. ${option} 1% (of the incumbent's tok/s) or ${option} 2.5 (tok/s)`;
  if (s === "" || s === "%" || !Number.isFinite(n))
    return { ok: false, message: `${option} must be tok/s or a percentage, ${how}; got "${text}"` };
  if (n < 0)
    return {
      ok: false,
      message:
        `${option} must not be negative: it is the smallest gain that counts as faster (and the smallest ` +
        `loss that counts as slower), so it is a size, not a direction. Give ${s.slice(1)} instead, ` +
        `${how}, or ${option} 0 to count any difference; got ${text}`,
    };
  const value: MinEffect = percent ? { kind: "relative", value: n / 100 } : { kind: "absolute", value: n };
  return { ok: true, value };
}
