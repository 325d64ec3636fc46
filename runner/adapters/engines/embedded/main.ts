// Entry point of the embedded engine process (spawned by the runner, possibly inside a sandbox).
import { serverMain } from "./server.ts";

serverMain(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`embedded engine failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
