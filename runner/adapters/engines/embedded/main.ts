// Entry point of the embedded engine process (spawned by the runner, possibly inside a sandbox).
import { skipBinaryTest } from "./skip-binary-test.ts";

// Before node-llama-cpp is first imported (server.ts imports it lazily): see skip-binary-test.ts.
skipBinaryTest();

const { serverMain } = await import("./server.ts");
serverMain(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`embedded engine failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
