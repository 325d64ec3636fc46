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

export class UsageError extends Error {}
