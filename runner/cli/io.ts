/** What an entry point may touch of the outside world, passed in so tests can capture it. */
export interface Io {
  cwd: string;
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

export function processIo(): Io {
  return {
    cwd: process.cwd(),
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
  };
}

/** Re-exported for entry points that import it from here; the class lives in core/errors.ts. */
export { UsageError } from "../core/errors.ts";
