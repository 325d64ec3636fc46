import type { Thread } from "../core/schema/data.ts";
import type { LinkBasis } from "../core/site/render.ts";
import type { WrittenFile } from "./site-writer.ts";
import { resultOf, tsWorker } from "./worker.ts";

/** Threads per message, and messages in flight: a few MB queued at a time, never the whole board. */
const BATCH = 100;
const IN_FLIGHT = 2;

/** What the main thread sends: a batch of threads to render and write, or the end. */
export type ThreadPagesMessage = { threads: Thread[] } | { end: true };

/**
 * Renders and writes every thread's page and JSON twin (core `threadFiles`) in a worker thread, while
 * the caller renders the rest of the site: markdown for 100,000 comments is the largest single part
 * of a build, and the machine has a second core. The threads go over in small batches, so the queue
 * holds a few MB; the worker needs only `basis` besides them. Resolves with the files it wrote.
 */
export function threadPagesInWorker(
  basis: LinkBasis,
  out: string,
  threads: readonly Thread[],
): Promise<WrittenFile[]> {
  const w = tsWorker(new URL("./thread-pages-worker.ts", import.meta.url), { basis, out });
  const result = resultOf<WrittenFile[]>(w, "thread pages");
  let acked = 0;
  let wake: (() => void) | undefined;
  w.on("message", (m: { ack?: number }) => {
    if (m.ack === undefined) return;
    acked = m.ack;
    wake?.();
  });
  const feed = async () => {
    let sent = 0;
    for (let i = 0; i < threads.length; i += BATCH) {
      while (sent - acked >= IN_FLIGHT) await new Promise<void>((r) => (wake = r));
      w.postMessage({ threads: threads.slice(i, i + BATCH) } satisfies ThreadPagesMessage);
      sent++;
    }
    w.postMessage({ end: true } satisfies ThreadPagesMessage);
  };
  // A failed worker ends the feed too: its waiting loop is woken by no ack, so race it with the result.
  return Promise.race([feed().then(() => result), result]);
}
