import type { Thread } from "../core/schema/data.ts";
import type { LinkBasis } from "../core/site/render.ts";
import type { WrittenFile } from "./site-writer.ts";
import { resultOf, tsWorker } from "./worker.ts";

/**
 * A batch is at most 100 threads and about 4 MB of markdown (one thread may exceed it alone), and at
 * most two batches are in flight: the queue between the threads stays small, never the whole board.
 */
const BATCH_THREADS = 100;
const BATCH_CHARS = 4_000_000;
const IN_FLIGHT = 2;

/** What the main thread sends: a batch of threads to render and write, or the end. */
export type ThreadPagesMessage = { threads: Thread[] } | { end: true };

const sizeOf = (t: Thread) => t.body.length + t.comments.reduce((n, c) => n + c.body.length, 0);

function* batches(threads: readonly Thread[]): Generator<Thread[]> {
  let batch: Thread[] = [];
  let chars = 0;
  for (const t of threads) {
    const size = sizeOf(t);
    if (batch.length && (batch.length >= BATCH_THREADS || chars + size > BATCH_CHARS)) {
      yield batch;
      batch = [];
      chars = 0;
    }
    batch.push(t);
    chars += size;
  }
  if (batch.length) yield batch;
}

export interface ThreadPages {
  /** The files the worker wrote, once it has written them all; rejects with the worker's error. */
  done: Promise<WrittenFile[]>;
  /** Ends the worker now (a no-op once it has finished): for a build that failed elsewhere. */
  stop(): Promise<void>;
}

/**
 * Renders and writes every thread's page and JSON twin (core \`threadFiles\`) in a worker thread, while
 * the caller renders the rest of the site: markdown for 100,000 comments is the largest single part
 * of a build, and the machine has a second core. The worker needs only \`basis\` besides the threads.
 */
export function threadPagesInWorker(basis: LinkBasis, out: string, threads: readonly Thread[]): ThreadPages {
  const w = tsWorker(new URL("./thread-pages-worker.ts", import.meta.url), { basis, out });
  const result = resultOf<WrittenFile[]>(w, "thread pages");
  const flow = { acked: 0, ended: false, wake: undefined as (() => void) | undefined };
  const wake = () => flow.wake?.();
  w.on("message", (m: { ack?: number }) => {
    if (m.ack === undefined) return;
    flow.acked = m.ack;
    wake();
  });
  // A worker that fails (or exits) wakes the feed, which then stops sending.
  void result
    .catch(() => undefined)
    .finally(() => {
      flow.ended = true;
      wake();
    });
  const feed = async () => {
    let sent = 0;
    for (const batch of batches(threads)) {
      while (sent - flow.acked >= IN_FLIGHT && !flow.ended) await new Promise<void>((r) => (flow.wake = r));
      if (flow.ended) return;
      w.postMessage({ threads: batch } satisfies ThreadPagesMessage);
      sent++;
    }
    w.postMessage({ end: true } satisfies ThreadPagesMessage);
  };
  const stop = async () => void (await w.terminate());
  // A feed that fails (a thread that cannot be cloned) ends the worker, which would wait forever.
  const fed = feed().catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return { done: fed.then(() => result), stop };
}
