import { Worker, type ResourceLimits } from "node:worker_threads";

const BOOTSTRAP = new URL("./ts-worker.mjs", import.meta.url);

/**
 * A worker thread running a TypeScript module (`entry`, a file URL) with `data` as its
 * `workerData.data`. `limits` sets the thread's V8 heap sizes, which a running thread cannot change
 * for itself.
 */
export function tsWorker(entry: URL, data: unknown, limits?: ResourceLimits): Worker {
  return new Worker(BOOTSTRAP, {
    workerData: { entry: entry.href, data },
    ...(limits ? { resourceLimits: limits } : {}),
  });
}

/** The worker's one result message, or its error; an exit without a result is an error too. */
export function resultOf<T>(w: Worker, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let result: { value: T } | undefined;
    w.on("message", (m: { result?: T }) => {
      if ("result" in m) result = { value: m.result as T };
    });
    w.on("error", reject);
    w.on("exit", (code) =>
      result ? resolve(result.value) : reject(new Error(`${what} worker exited (${code}) without a result`)),
    );
  });
}
