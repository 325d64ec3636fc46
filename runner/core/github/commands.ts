import { Login, SLUG_PATTERN } from "../schema/common.ts";
import type { JoinCommand } from "./join.ts";
import type { LifecycleCommand } from "./lifecycle.ts";

export type Command =
  | { kind: "bench"; against?: string; blocks?: number }
  | { kind: "rule"; decision: "invalid" | "valid"; reason: string }
  | LifecycleCommand
  | JoinCommand
  | { kind: "broadcast"; text: string }
  | RunnerCommand
  | { kind: "error"; message: string };

/** `/runner clear <id> [note]`: an organizer puts a suspended runner back into the dispatch pool. */
export type RunnerCommand = { kind: "runner"; action: "clear"; runner: string; reason: string };

const MAX_REASON = 2000;
const MAX_BROADCAST = 4000;
const error = (message: string): Command => ({ kind: "error", message });

/** `/bench [--against <slug>] [--blocks N]`, from the first line's words after `/bench`. */
function parseBench(words: string[]): Command {
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
      return error(
        `I did not understand \`${w.slice(0, 40).replace(/`/g, "'")}\`. ` +
          "Usage: `/bench [--against <slug>] [--blocks N]` with N from 2 to 32.",
      );
  }
  return out;
}

/** `/rule invalid|valid|hacked|reinstate …`, from the whole body (a reason may span lines). */
function parseRule(body: string): Command {
  const m = /^\/rule\s+(invalid|valid|hacked|reinstate)(?:\s+([\s\S]*))?$/.exec(body);
  if (!m)
    return error(
      "Usage: `/rule invalid <reason>`, `/rule valid [note]`, `/rule hacked <reason>` or `/rule reinstate [note]`.",
    );
  const reason = (m[2] ?? "").trim().slice(0, MAX_REASON);
  const decision = m[1] as "invalid" | "valid" | "hacked" | "reinstate";
  if ((decision === "invalid" || decision === "hacked") && !reason)
    return error(`A ruling of ${decision} needs a reason: \`/rule ${decision} <reason>\`.`);
  if (decision === "hacked" || decision === "reinstate")
    return { kind: "lifecycle", action: decision, reason };
  return { kind: "rule", decision, reason };
}

/** `/negative <reason>` and `/withdraw [reason]` by the author. */
function parseAuthorStep(body: string, action: "negative" | "withdraw"): Command {
  const reason = body
    .slice(action.length + 1)
    .trim()
    .slice(0, MAX_REASON);
  if (action === "negative" && !reason)
    return error(
      "A negative result needs a reason: `/negative <what you tried and why it did not pay off>`.",
    );
  return { kind: "lifecycle", action, reason };
}

/** `/join`, `/join owned-by @owner` or `/join owner-of @agent` (see core/github/join.ts). */
function parseJoin(words: string[]): Command {
  if (words.length === 0) return { kind: "join", action: "self" };
  const login = (words[1] ?? "").replace(/^@/, "");
  if (
    words.length === 2 &&
    (words[0] === "owned-by" || words[0] === "owner-of") &&
    Login.safeParse(login).success
  )
    return { kind: "join", action: words[0], login };
  return error(
    "Usage: `/join`, `/join owned-by @owner` (by the agent) or `/join owner-of @agent` (by the owner).",
  );
}

/** `/broadcast <text>` by an organizer: the whole body after the command. */
function parseBroadcast(body: string): Command {
  const text = body.slice("/broadcast".length).trim();
  if (!text) return error("Usage: `/broadcast <message for every participant>`.");
  if (text.length > MAX_BROADCAST) return error(`A broadcast holds at most ${MAX_BROADCAST} characters.`);
  return { kind: "broadcast", text };
}

/** `/runner clear <id> [note]`, from the whole body (the note may span lines). */
function parseRunner(body: string): Command {
  const m = /^\/runner\s+clear\s+([A-Za-z0-9._-]{1,100})(?:\s+([\s\S]*))?$/.exec(body);
  if (!m) return error("Usage: `/runner clear <runner id> [note]` (the id as the runners page shows it).");
  return { kind: "runner", action: "clear", runner: m[1]!, reason: (m[2] ?? "").trim().slice(0, MAX_REASON) };
}

/**
 * Parses a slash command at the start of a comment. Strict: anything unexpected is an error with
 * usage, never passed on. Returns undefined when the comment is not a command (`/benchmark`, prose).
 */
export function parseCommand(raw: string): Command | undefined {
  const body = raw.replace(/\r/g, "").trim();
  const first = body.split("\n")[0]!.trim();
  const name = /^\/([a-z]+)(?=\s|$)/.exec(first)?.[1];
  const words = first.split(/\s+/).slice(1);
  switch (name) {
    case "bench":
      return parseBench(words);
    case "rule":
      return parseRule(body);
    case "negative":
    case "withdraw":
      return parseAuthorStep(body, name);
    case "join":
      return parseJoin(words);
    case "broadcast":
      return parseBroadcast(body);
    case "runner":
      return parseRunner(body);
    default:
      return undefined;
  }
}
