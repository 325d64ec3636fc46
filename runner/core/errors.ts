/**
 * The one error model of the runner and the CLI: a closed set of named error classes, each with a
 * stable `code`, each taking `{ cause }` so the original failure is kept. Entry points map them to
 * exit codes in one place (cli/main.ts) and print them with `formatError` (text) or `errorJson`.
 */

export type ErrorCode =
  | "usage" // the command line is wrong: fix the arguments
  | "validation" // an input file (manifest, prompt set, reference, challenge) is invalid
  | "not-found" // something named does not exist (a submission, a file)
  | "engine" // an engine failed to start, answered wrongly or cut its stream
  | "sha-moved" // a PR moved after its run was requested
  | "deadline" // a run passed its time cap
  | "internal"; // a bug: anything not named above

interface ErrorOptions {
  cause?: unknown;
}

/** Base of every named error; `code` says which kind of problem it is. */
export abstract class VelodromeError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** Bad arguments or options; the message says what to pass instead. */
export class UsageError extends VelodromeError {
  readonly code = "usage" as const;
}

/** An input file failed validation; the message lists the problems. */
export class ValidationFailed extends VelodromeError {
  readonly code = "validation" as const;
}

/** A named thing (submission, file, ref) does not exist. */
export class NotFound extends VelodromeError {
  readonly code = "not-found" as const;
}

/** The engine under test failed: crashed, never became healthy, answered wrongly. */
export class EngineFailure extends VelodromeError {
  readonly code = "engine" as const;
}

/** Where a request to an engine went wrong, as the trusted client saw it. */
export type EngineFault = "http" | "protocol" | "stream-cut" | "timeout" | "connect" | "too-large";

/** A request to the engine failed: an HTTP error, a reply off vLLM's shape, a cut stream, a timeout. */
export class EngineRequestFailed extends EngineFailure {
  constructor(
    message: string,
    readonly fault: EngineFault,
    options: ErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The engine did not start: it exited, never became healthy, or serves another model. */
export class EngineStartFailed extends EngineFailure {}

/**
 * An engine ended a timed turn before max_tokens where the reference decode did not stop (see
 * turnLengthProblem in flows/run/launch.ts): the run is not counted.
 */
export class EarlyStop extends EngineFailure {}

/** The PR's head moved after the run was requested (time-of-check/time-of-use). */
export class ShaMoved extends VelodromeError {
  readonly code = "sha-moved" as const;
}

/** A run passed its whole-run time cap. */
export class DeadlinePassed extends VelodromeError {
  readonly code = "deadline" as const;
}

const NAMED = {
  UsageError,
  ValidationFailed,
  NotFound,
  EngineFailure,
  EngineStartFailed,
  EarlyStop,
  ShaMoved,
  DeadlinePassed,
};

/**
 * A named error again, after a trip through a worker thread: Node copies an error's own
 * properties (name, message, code, cause) but not its class, so `instanceof` (and with it the exit
 * code) would be lost.
 * Anything else is returned as it came.
 */
export function reviveError(e: unknown): unknown {
  if (!(e instanceof Error) || e instanceof VelodromeError || !Object.hasOwn(NAMED, e.name)) return e;
  const Named = NAMED[e.name as keyof typeof NAMED];
  return new Named(e.message, e.cause === undefined ? {} : { cause: e.cause });
}

/** The code of any thrown value: named errors keep theirs, everything else is internal. */
export function errorCode(e: unknown): ErrorCode {
  if (e instanceof VelodromeError) return e.code;
  // node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options.
  if (String((e as { code?: unknown })?.code ?? "").startsWith("ERR_PARSE_ARGS")) return "usage";
  return "internal";
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The causes of an error, outermost first, as messages (at most five: cycles and long chains stop). */
function causes(e: unknown): string[] {
  const out: string[] = [];
  let c = e instanceof Error ? e.cause : undefined;
  while (c !== undefined && out.length < 5) {
    out.push(messageOf(c));
    c = c instanceof Error ? c.cause : undefined;
  }
  return out;
}

/** One line per error and cause, for a human on a terminal; internal errors keep their stack. */
export function formatError(e: unknown, prefix = "velodrome"): string {
  const code = errorCode(e);
  const head = code === "internal" ? `${prefix}: internal error: ` : `${prefix}: `;
  const lines = [head + messageOf(e), ...causes(e).map((m) => `  caused by: ${m}`)];
  if (code === "internal" && e instanceof Error && e.stack) lines.push(e.stack);
  return lines.join("\n");
}

/** The same error as JSON, for `--json` callers (agents): always on stdout, always parseable. */
export function errorJson(e: unknown): {
  ok: false;
  error: { code: ErrorCode; message: string; causes: string[] };
} {
  return { ok: false, error: { code: errorCode(e), message: messageOf(e), causes: causes(e) } };
}
