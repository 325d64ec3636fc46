import { setTimeout as sleep } from "node:timers/promises";
import { octokitApi } from "../adapters/github/api.ts";
import { ACTIONS_BOT_LOGIN } from "../flows/bot/comments.ts";
import { followPr, StatusTimeout } from "../flows/status.ts";
import type { PrStatus } from "../core/github/status.ts";
import type { Io } from "./io.ts";
import { UsageError } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const OPTIONS = {
  wait: { type: "boolean", description: "keep polling until the verdict lands (or the request is refused)" },
  json: {
    type: "boolean",
    description: "print one JSON object: { version, pr, stage, validation?, run?, verdict? }",
  },
  repo: {
    type: "string",
    placeholder: "OWNER/NAME",
    description: "the challenge repository (default: GITHUB_REPOSITORY)",
  },
  timeout: {
    type: "number",
    min: 0.1,
    default: 120,
    placeholder: "MIN",
    description: "give up waiting after MIN minutes; exit 3",
  },
  interval: { type: "number", min: 0.1, default: 30, placeholder: "S", description: "seconds between polls" },
  "api-url": {
    type: "string",
    placeholder: "URL",
    description: "GitHub API base (GitHub Enterprise, tests)",
  },
} as const;

export const STATUS: CommandSpec = {
  name: "status",
  args: "<pr>",
  summary: "Follow a pull request through validation, the queue, the run and the verdict.",
  description:
    "Reads the bot's comments (their JSON twins) through the GitHub API with your token (GITHUB_TOKEN or\n" +
    "GH_TOKEN). Exit codes: 0 a verdict or a current status, 1 refused or invalid, 3 timed out waiting.",
  options: OPTIONS,
};

function describe(s: PrStatus): string {
  const v = s.verdict;
  switch (s.stage) {
    case "verdict":
      return `PR #${s.pr}: verdict for ${s.run!.slug} vs ${s.run!.against}: ${String(v?.verdict ?? v?.status)}`;
    case "queued":
      return `PR #${s.pr}: run ${s.run!.id} queued${s.run!.queue ? ` (position ${s.run!.queue.position})` : ""}`;
    case "refused":
      return `PR #${s.pr}: refused: ${s.refusal ?? "see the PR"}`;
    default:
      return `PR #${s.pr}: ${s.stage}${s.validation ? ` (${s.validation.problems} problem(s))` : ""}`;
  }
}

function options(argv: string[], io: Io) {
  const { help, values, positionals } = parseOptions(OPTIONS, argv);
  if (help) return { help: true as const };
  const pr = Number(positionals[0]);
  const repo = values.repo ?? io.env.GITHUB_REPOSITORY ?? "";
  const token = io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN;
  if (!Number.isInteger(pr) || pr < 1)
    throw new UsageError(`name the pull request number\n\n${helpText(STATUS)}`);
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo))
    throw new UsageError("--repo OWNER/NAME (or GITHUB_REPOSITORY) is needed");
  if (!token) throw new UsageError("set GITHUB_TOKEN (or GH_TOKEN) to a token that can read the repository");
  return {
    help: false as const,
    pr,
    repo,
    token,
    timeout: values.timeout,
    interval: values.interval,
    values,
  };
}

export async function statusCommand(argv: string[], io: Io): Promise<number> {
  const o = options(argv, io);
  if (o.help) return (io.out(helpText(STATUS)), 0);
  const [owner, repo] = o.repo.split("/") as [string, string];
  const apiUrl = o.values["api-url"] ?? io.env.GITHUB_API_URL;
  const api = octokitApi({ token: o.token, owner, repo, ...(apiUrl ? { baseUrl: apiUrl } : {}) });
  try {
    const s = await followPr({
      api,
      pr: o.pr,
      botLogin: io.env.VELODROME_BOT_LOGIN ?? ACTIONS_BOT_LOGIN,
      wait: o.values.wait ?? false,
      pollMs: o.interval * 1000,
      timeoutMs: o.timeout * 60_000,
      now: () => Date.now(),
      sleep: (ms) => sleep(ms),
      ...(o.values.json ? {} : { onChange: (x: PrStatus) => io.err(describe(x)) }),
    });
    io.out(o.values.json ? JSON.stringify(s) : describe(s));
    return s.stage === "refused" || s.stage === "invalid" ? 1 : 0;
  } catch (e) {
    if (!(e instanceof StatusTimeout)) throw e;
    io.out(o.values.json ? JSON.stringify({ ...e.last, error: e.message }) : e.message);
    return 3;
  }
}
