import { parentPort, workerData } from "node:worker_threads";
import { pageContext, threadFiles, type LinkBasis } from "../core/site/render.ts";
import { fsEffects, writeFiles, type WrittenFile } from "./site-writer.ts";
import type { ThreadPagesMessage } from "./thread-pages.ts";

// The worker side of threadPagesInWorker: batches of threads in, their pages written, one ack per
// batch (the main thread's flow control), every written file reported at the end.
const { basis, out } = (workerData as { data: { basis: LinkBasis; out: string } }).data;
const ctx = pageContext(basis);
const fx = fsEffects(out);
const port = parentPort!;
const written: WrittenFile[] = [];
let batches = 0;
let queue = Promise.resolve();

port.on("message", (m: ThreadPagesMessage) => {
  queue = queue.then(() => handle(m));
  // A failure (an unwritable folder, say) becomes the thread's uncaught error: the parent's
  // `error` event, which rejects its result.
  queue.catch((e: unknown) =>
    setImmediate(() => {
      throw e;
    }),
  );
});

async function handle(m: ThreadPagesMessage): Promise<void> {
  if ("end" in m) {
    port.postMessage({ result: written });
    port.close();
    return;
  }
  // A generator, not an array: each page is written and let go before the next is rendered.
  const files = (function* () {
    for (const t of m.threads) yield* threadFiles(ctx, t);
  })();
  written.push(...(await writeFiles(files, fx)));
  port.postMessage({ ack: ++batches });
}
