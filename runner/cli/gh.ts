import * as core from "@actions/core";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { octokitApi } from "../adapters/github/api.ts";
import { gitDataStore } from "../adapters/git-store.ts";
import { folderOrigins } from "../adapters/git-history.ts";
import { gitPullValidator } from "../adapters/git-validate.ts";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import { ParticipantsSchema } from "../core/schema/data.ts";
import { parseSubmission, parseWith } from "../core/validate/manifest.ts";
import { formatProblem } from "../core/validate/problem.ts";
import {
  handleCommand,
  mirrorChanges,
  mirrorThreads,
  reconcile,
  reconcileAfterCommand,
  postValidation,
  publishPinsFrom,
  publishResult,
  refreshAfterWrite,
  runCalibration,
  runReverification,
  type FlowContext,
  type Outcome,
} from "../flows/bot/index.ts";
import type { Io } from "./io.ts";
import { UsageError } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";
import { loadChallenge } from "./repo-load.ts";
import { EMPTY_PARTICIPANTS, manifestPath, PARTICIPANTS_FILE } from "../core/layout.ts";
import type { RepoFiles } from "../ports.ts";

const SHARED = {
  repo: { type: "string", default: ".", placeholder: "DIR", description: "the main checkout" },
  "data-remote": {
    type: "string",
    placeholder: "URL",
    description: "the data branch's remote (default: the repository's)",
  },
  "api-url": { type: "string", placeholder: "URL", description: "GitHub's API (default: GITHUB_API_URL)" },
  now: { type: "string", placeholder: "ISO", description: "the current time (tests)" },
  event: {
    type: "string",
    placeholder: "FILE",
    description: "the webhook event (default: GITHUB_EVENT_PATH)",
  },
} as const;

const SUBCOMMAND_OPTIONS = {
  "run-id": { type: "string", placeholder: "ID", description: "publish: the run's id" },
  result: { type: "string", placeholder: "FILE", description: "publish: the runner's result file" },
  "log-url": { type: "string", placeholder: "URL", description: "publish: where the run's log is" },
  gathered: {
    type: "string",
    placeholder: "FILE",
    description: "publish: a matrix run's gather result; the verify result must carry its launches",
  },
  issue: { type: "integer", min: 1, description: "board: mirror this thread only, read whole" },
  full: {
    type: "boolean",
    description:
      "board: the repair resync: read both change feeds from the beginning (paged within the budget)",
  },
  sha: {
    type: "string",
    pattern: /^[0-9a-f]{40}$/,
    placeholder: "SHA",
    description: "validate-comment: the workflow run's head commit (from its payload, never the artifact)",
  },
  "head-repo": {
    type: "string",
    pattern: /^[\w.-]+\/[\w.-]+$/,
    placeholder: "OWNER/NAME",
    description: "validate-comment: the repository of the run's head (a fork's)",
  },
  report: {
    type: "string",
    placeholder: "FILE",
    description: "validate-comment: the validation report (JSON)",
  },
  runners: {
    type: "string",
    pattern: /^[A-Za-z0-9._-]{1,100}(,[A-Za-z0-9._-]{1,100})*$/,
    placeholder: "ID,...",
    description: "calibrate: runners to calibrate besides those with recorded runs",
  },
} as const;

const OPTIONS = { ...SHARED, ...SUBCOMMAND_OPTIONS };

const sub = (name: string, summary: string, keys: (keyof typeof SUBCOMMAND_OPTIONS)[]): CommandSpec => ({
  name: `gh ${name}`,
  summary,
  options: { ...SHARED, ...Object.fromEntries(keys.map((k) => [k, SUBCOMMAND_OPTIONS[k]])) },
});

export const GH: CommandSpec = {
  name: "gh",
  summary: "(GitHub Actions) Entry points of the bot.",
  description:
    "They read the event from GITHUB_EVENT_PATH and the token from GITHUB_TOKEN, never check out or run\n" +
    "PR code, and write state only to the data branch.",
  options: SHARED,
  subcommands: {
    comment: sub("comment", "handle a command on an issue_comment event, then reconcile", []),
    reconcile: sub("reconcile", "answer every command comment the answer ledger lacks (by comment id)", []),
    publish: sub("publish", "publish a runner's result", ["run-id", "result", "log-url", "gathered"]),
    board: sub(
      "board",
      "mirror what changed since the watermarks (--full: everything; --issue: one thread)",
      ["issue", "full"],
    ),
    "validate-comment": sub("validate-comment", "comment a PR's validation report", [
      "sha",
      "head-repo",
      "report",
    ]),
    calibrate: sub("calibrate", "daily A/A: dispatch the leader against itself on every runner", ["runners"]),
    reverify: sub("reverify", "daily re-verification: dispatch the top k on the private set", []),
  },
};

/**
 * Who owns every submission on the default branch: the `authors` its manifest named in the commit
 * that first added it (git history), not whatever the manifest says now. Outside a git repository
 * (or a folder git does not know), the current manifest's authors.
 */
async function manifestAuthors(
  root: string,
  files: RepoFiles,
  slugs: string[],
): Promise<Record<string, string[]>> {
  const origins = await folderOrigins(root, "HEAD", slugs).catch(() => []);
  const out: Record<string, string[]> = {};
  for (const slug of slugs) {
    const origin = origins.find((o) => o.slug === slug);
    const parsed = parseSubmission(manifestPath(slug), (await files.read(manifestPath(slug))) ?? "");
    out[slug] = origin ? origin.authors : (parsed.value?.authors ?? []);
  }
  return out;
}

export async function buildContext(
  io: Io,
  o: { repo?: string; dataRemote?: string; apiUrl?: string; now?: string },
): Promise<FlowContext> {
  const root = resolve(io.cwd, o.repo ?? ".");
  const files = nodeRepoFiles(root);
  const knownSlugs = await files.dirs("submissions");
  const challenge = await loadChallenge(files);
  const ptext = (await files.read(PARTICIPANTS_FILE)) ?? EMPTY_PARTICIPANTS;
  const parts = parseWith(ParticipantsSchema, PARTICIPANTS_FILE, ptext);
  if (!parts.value) throw new Error(parts.problems.map(formatProblem).join("\n"));
  const token = io.env.GITHUB_TOKEN;
  const repository = io.env.GITHUB_REPOSITORY;
  if (!token || !repository || !/^[\w.-]+\/[\w.-]+$/.test(repository))
    throw new UsageError("GITHUB_TOKEN and GITHUB_REPOSITORY (owner/repo) must be set");
  const [owner, repo] = repository.split("/") as [string, string];
  const serverUrl = io.env.GITHUB_SERVER_URL ?? "https://github.com";
  const dataRemote =
    o.dataRemote ?? `${serverUrl.replace("://", `://x-access-token:${token}@`)}/${repository}.git`;
  return {
    api: octokitApi({
      token,
      owner,
      repo,
      ...((o.apiUrl ?? io.env.GITHUB_API_URL) ? { baseUrl: o.apiUrl ?? io.env.GITHUB_API_URL } : {}),
    }),
    store: gitDataStore({
      remote: dataRemote,
      branch: challenge.data_branch,
      dir: join(root, ".velodrome/data"),
    }),
    challenge,
    participants: parts.value,
    now: () => (o.now ? new Date(o.now) : new Date()),
    ref: io.env.VELODROME_REF ?? "main",
    evaluateWorkflow: "evaluate.yml",
    knownSlugs,
    manifestAuthors: await manifestAuthors(root, files, knownSlugs),
    publishPins: await publishPinsFrom(files, challenge),
    validator: gitPullValidator(files, dataRemote, io.env.VELODROME_REF ?? "main"),
  };
}

export async function ghCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  const spec = sub ? GH.subcommands![sub] : undefined;
  if (!spec) {
    if (sub === "--help" || sub === "-h") return (io.out(helpText(GH)), 0);
    throw new UsageError(sub ? `unknown gh subcommand \`${sub}\`\n\n${helpText(GH)}` : helpText(GH));
  }
  const { help, values } = parseOptions(OPTIONS, rest, false);
  if (help) return (io.out(helpText(spec)), 0);
  const ctx = await buildContext(io, {
    repo: values.repo,
    dataRemote: values["data-remote"],
    apiUrl: values["api-url"],
    now: values.now,
  });
  const eventPath = values.event ?? io.env.GITHUB_EVENT_PATH;
  const readEvent = async () => {
    if (!eventPath) throw new UsageError("no event: set GITHUB_EVENT_PATH or pass --event FILE");
    return JSON.parse(await readFile(eventPath, "utf8")) as unknown;
  };
  let outcome;
  switch (sub) {
    case "comment": {
      outcome = await handleCommand(ctx, await readEvent());
      // After a command, a reconciliation (one per few minutes): a command lost earlier is answered now.
      if (outcome.kind !== "ignored") {
        const lately = { kind: "reconcile skipped", why: "a reconciliation ran less than 5 minutes ago" };
        io.out(JSON.stringify((await reconcileAfterCommand(ctx)) ?? lately));
      }
      break;
    }
    case "reconcile":
      outcome = await reconcile(ctx);
      break;
    case "publish": {
      if (!values["run-id"] || !values.result) throw new UsageError("publish needs --run-id and --result");
      const text = await readFile(resolve(io.cwd, values.result), "utf8").catch(() => "");
      const gathered = values.gathered
        ? await readFile(resolve(io.cwd, values.gathered), "utf8").catch(() => "")
        : undefined;
      outcome = await publishResult(ctx, {
        runId: values["run-id"],
        resultText: text,
        ...(values["log-url"] ? { logUrl: values["log-url"] } : {}),
        ...(gathered !== undefined ? { gatheredText: gathered } : {}),
      });
      break;
    }
    case "board":
      // Every event's run reads every change since the watermarks, so runs a concurrency group
      // replaced lose nothing; --issue reads one thread whole (a manual repair).
      outcome = values.issue
        ? await mirrorThreads(ctx, [values.issue])
        : await mirrorChanges(ctx, { full: values.full === true });
      break;
    case "validate-comment":
      if (!values.sha || !values.report)
        throw new UsageError("validate-comment needs --sha (the workflow run's head SHA) and --report");
      outcome = await postValidation(ctx, {
        sha: values.sha,
        ...(values["head-repo"] ? { headRepo: values["head-repo"] } : {}),
        reportText: await readFile(resolve(io.cwd, values.report), "utf8"),
      });
      break;
    case "calibrate":
      outcome = await runCalibration(ctx, values.runners ? values.runners.split(",") : []);
      break;
    case "reverify":
      outcome = await runReverification(ctx);
      break;
    default:
      throw new UsageError(`unknown gh subcommand \`${sub}\`\n\n${helpText(GH)}`);
  }
  return report(ctx, sub, outcome, io);
}

/**
 * Prints the outcome, dispatches the refresh that GITHUB_TOKEN's writes cannot start (board.yml,
 * then pages.yml from the mirror) and writes the job summary. A refresh that cannot be dispatched
 * fails the job: a site that silently stops refreshing is what this step exists to prevent.
 */
async function report(ctx: FlowContext, sub: string, outcome: Outcome, io: Io): Promise<number> {
  io.out(JSON.stringify(outcome));
  const debounceS = Number(io.env.VELODROME_BOARD_DEBOUNCE_S ?? 0);
  const boardDebounceMs = Number.isFinite(debounceS) && debounceS > 0 ? debounceS * 1000 : 0;
  const refreshed = await refreshAfterWrite(ctx, sub, { boardDebounceMs }).catch((e: Error) => e);
  if (refreshed instanceof Error) {
    io.err(
      `velodrome gh ${sub}: handled, but could not dispatch the refresh (${refreshed.message}); ` +
        "the job needs `actions: write` (see the README's workflow table)",
    );
    return 1;
  }
  if (io.env.GITHUB_ACTIONS === "true") {
    core.setOutput("outcome", outcome.kind);
    await core.summary
      .addHeading(`velodrome gh ${sub}: ${outcome.kind}`, 3)
      .addCodeBlock(JSON.stringify(outcome, null, 2), "json")
      .write()
      .catch(() => undefined);
  }
  return 0;
}
