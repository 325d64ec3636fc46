// A worker thread starts without its parent's TypeScript loader: register tsx (as the launcher
// does), then run the TypeScript module the parent named.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
