import { SLUG_PATTERN } from "../schema/common.ts";

export type Command =
  | { kind: "bench"; against?: string; blocks?: number }
  | { kind: "rule"; decision: "invalid" | "valid"; reason: string }
  | { kind: "error"; message: string };

const MAX_REASON = 2000;

/**
 * Parses a slash command from the first line of a comment. Strict: anything unexpected is an
 * error with usage, never passed on. Returns undefined when the comment is not a command.
 */
export function parseCommand(body: string): Command | undefined {
  const first = body.replace(/\r/g, "").split("\n")[0]!.trim();
  if (first.startsWith("/bench")) {
    if (!/^\/bench(\s|$)/.test(first)) return undefined;
    const words = first.split(/\s+/).slice(1);
    const out: { kind: "bench"; against?: string; blocks?: number } = { kind: "bench" };
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const v = words[i + 1];
      if (w === "--against" && v !== undefined && SLUG_PATTERN.test(v)) {
        out.against = v;
        i++;
      } else if (
        w === "--blocks" &&
        v !== undefined &&
        /^\d{1,2}$/.test(v) &&
        Number(v) >= 2 &&
        Number(v) <= 32
      ) {
        out.blocks = Number(v);
        i++;
      } else
        return {
          kind: "error",
          message:
            `I did not understand \`${w.slice(0, 40).replace(/`/g, "'")}\`. ` +
            "Usage: `/bench [--against <slug>] [--blocks N]` with N from 2 to 32.",
        };
    }
    return out;
  }
  if (first.startsWith("/rule")) {
    const m = /^\/rule\s+(invalid|valid)(?:\s+([\s\S]*))?$/.exec(body.replace(/\r/g, "").trim());
    if (!m) return { kind: "error", message: "Usage: `/rule invalid <reason>` or `/rule valid [note]`." };
    const reason = (m[2] ?? "").trim();
    if (m[1] === "invalid" && !reason)
      return { kind: "error", message: "A ruling of invalid needs a reason: `/rule invalid <reason>`." };
    return { kind: "rule", decision: m[1] as "invalid" | "valid", reason: reason.slice(0, MAX_REASON) };
  }
  return undefined;
}
