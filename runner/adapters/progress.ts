import type { Progress } from "../ports.ts";
export type { Progress } from "../ports.ts";

export function progressFor(
  write: (s: string) => void,
  isTTY: boolean,
  now: () => number = () => Date.now(),
): Progress {
  let total = 0;
  let n = 0;
  let t0 = 0;
  let title = "";
  const eta = () => {
    if (!n) return "?";
    const s = Math.round((((now() - t0) / n) * (total - n)) / 1000);
    return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
  };
  return {
    start(t, label) {
      total = t;
      n = 0;
      t0 = now();
      title = label;
      if (!isTTY) write(`${title}: 0/${total}\n`);
    },
    tick(label) {
      n++;
      if (isTTY) {
        const w = 24;
        const fill = Math.round((n / total) * w);
        write(
          `\r${title} [${"#".repeat(fill)}${"-".repeat(w - fill)}] ${n}/${total} ETA ${eta()} ${label.slice(0, 40).padEnd(40)}`,
        );
      } else write(`${title}: ${n}/${total} ${label} (ETA ${eta()})\n`);
    },
    line(message) {
      write(isTTY ? `\r\x1b[K${message}\n` : `${message}\n`);
    },
    done() {
      if (isTTY) write("\n");
    },
  };
}

export const silentProgress: Progress = { start() {}, tick() {}, line() {}, done() {} };
