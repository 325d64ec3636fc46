import { errorCode, errorJson, formatError, type ErrorCode } from "../core/errors.ts";
import { processIo, type Io } from "./io.ts";

type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command>; hidden?: boolean }> = {
  validate: {
    summary: "check submission manifests and a PR's file policy",
    load: async () => (await import("./validate.ts")).validateCommand,
  },
  new: {
    summary: "scaffold submissions/<slug>/submission.yaml from its parents",
    load: async () => (await import("./new.ts")).newCommand,
  },
  compare: {
    summary: "significance-test decode samples of two arms",
    load: async () => (await import("./compare.ts")).compareCommand,
  },
  bench: {
    summary: "benchmark a submission against another in blocks of fresh launches",
    load: async () => (await import("./bench.ts")).benchCommand,
  },
  "bench-blocks": {
    summary: "(internal) one worker's share of a look's blocks, for bench/evaluate --runners N",
    load: async () => (await import("./bench-blocks.ts")).benchBlocksCommand,
    hidden: true,
  },
  "runner-pool": {
    summary:
      "(internal) the GPU jobs' runs-on and matrix from challenge.yaml, for evaluate.yml and reference.yml",
    load: async () => (await import("./runner-pool.ts")).runnerPoolCommand,
    hidden: true,
  },
  evaluate: {
    summary: "(self-hosted runner) evaluate a dispatched run at its pinned SHA",
    load: async () => (await import("./evaluate.ts")).evaluateCommand,
  },
  gh: {
    summary: "(GitHub Actions) bot entry points: comment, publish, board, validate-comment",
    load: async () => (await import("./gh.ts")).ghCommand,
  },
  site: {
    summary: "build the static site from git history and the data branch",
    load: async () => (await import("./site.ts")).siteCommand,
  },
  demo: {
    summary: "play a complete local challenge on the embedded engine, then serve its site",
    load: async () => (await import("./demo.ts")).demoCommand,
  },
  synth: {
    summary: "create a synthetic challenge repository for scale tests",
    load: async () => (await import("./synth.ts")).synthCommand,
  },
  digest: {
    summary: "the state of play for an agent: leader and margin, tie group, queue, quota, dead ends",
    load: async () => (await import("./digest.ts")).digestCommand,
  },
  status: {
    summary: "follow a PR through validation, queue and verdict (--wait until it lands, --json)",
    load: async () => (await import("./status.ts")).statusCommand,
  },
  audit: {
    summary: "runner host self-test: hostile engines through the real sandbox, contained or not",
    load: async () => (await import("./audit.ts")).auditCommand,
  },
  doctor: {
    summary: "runner host preflight: sandbox, engine, accelerator, weights, private set, one real decode",
    load: async () => (await import("./doctor.ts")).doctorCommand,
  },
  prompts: {
    summary:
      "prepare prompt sets: `tokenize` with the model's own tokenizer, `reference` outputs on a runner",
    load: async () => (await import("./prompts.ts")).promptsCommand,
  },
  plan: {
    summary: "cost, wall time and error rates of the significance design on a runner pool",
    load: async () => (await import("./plan.ts")).planCommand,
  },
  schemas: {
    summary: "write or check the JSON Schemas in challenge/schema/",
    load: async () => (await import("./schemas.ts")).schemasCommand,
  },
};

/**
 * The one exit-code mapping of the command line. 0 success and 1 "the answer is no" (invalid
 * submission, failed run) are returned by commands themselves; thrown errors map here.
 */
export const EXIT_CODES: Record<ErrorCode, number> = {
  usage: 2, // fix the command line
  validation: 1, // fix the input file
  "not-found": 1,
  engine: 3, // the engine under test failed
  "sha-moved": 4, // request the run again
  deadline: 5,
  internal: 70, // a bug (EX_SOFTWARE)
};

export function exitCodeFor(e: unknown): number {
  return EXIT_CODES[errorCode(e)];
}

export function usage(): string {
  const shown = Object.entries(COMMANDS).filter(([, v]) => !v.hidden);
  const width = Math.max(...shown.map(([c]) => c.length));
  return [
    "usage: velodrome <command> [options]",
    "",
    "commands:",
    ...shown.map(([k, v]) => `  ${k.padEnd(width)}  ${v.summary}`),
    "",
    "Run `velodrome <command> --help` for a command's options.",
  ].join("\n");
}

/** `--json` anywhere before a `--`: errors are then printed as JSON on stdout too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).includes("--json");
}

/** Prints a thrown error the way the caller asked for (JSON on stdout, or text on stderr). */
export function reportError(e: unknown, name: string, argv: readonly string[], io: Io): number {
  if (wantsJson(argv)) io.out(JSON.stringify(errorJson(e), null, 2));
  else io.err(formatError(e, `velodrome ${name}`));
  return exitCodeFor(e);
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name ? 0 : EXIT_CODES.usage;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`velodrome: unknown command \`${name}\`\n\n${usage()}`);
    return EXIT_CODES.usage;
  }
  try {
    return await (
      await cmd.load()
    )(rest, io);
  } catch (e) {
    return reportError(e, name, rest, io);
  }
}
