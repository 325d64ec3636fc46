import { parentPort, workerData } from "node:worker_threads";
import { buildSite } from "./site-build.ts";
import type { SiteBuildJob } from "./site.ts";

// The thread `velodrome site build` runs the build in (see buildSiteInWorker): progress lines and
// the summary go back as messages, so the parent's Io prints them.
const job = (workerData as { data: SiteBuildJob }).data;
const port = parentPort!;
const res = await buildSite(job.repo, job.out, {
  ...(job.dataRef ? { dataRef: job.dataRef } : {}),
  log: (s) => port.postMessage({ log: s }),
  // Present because the parent set --expose-gc before starting this thread.
  collectGarbage: () => (globalThis as { gc?: () => void }).gc?.(),
});
port.postMessage({ result: { written: res.written, files: res.files, digest: res.digest } });
