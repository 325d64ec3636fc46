import { register } from "node:module";

/**
 * node-llama-cpp, before it loads its prebuilt llama.cpp addon on Linux, spawns a second Node
 * process that loads the addon once to check it does not crash (`testBindingBinary`). That check is
 * for a user's first run on an unknown machine; our engine loads the same addon at every launch, on
 * the machine it was installed on, and a crash there is caught anyway (the launch fails with the
 * engine's log). Measured on the 2-core CI machine: ~1.2 s of wall and CPU per launch, and the
 * suite and the demo make a few hundred launches. node-llama-cpp has no option to skip it, so the
 * engine process registers this module loader hook, which rewrites the one function that decides
 * whether to test. If a new node-llama-cpp renames that function, the rewrite finds nothing, the
 * check runs again as before, and `test/unit/engine-binary-test.test.ts` fails to say so.
 */

/** The file of node-llama-cpp whose decision is rewritten. */
export const GET_LLAMA_FILE = "/node-llama-cpp/dist/bindings/getLlama.js";

/** The source with the decision answering "no test"; `undefined` when the function is not found. */
export function withoutBinaryTest(source: string): string | undefined {
  // Local, not module-level: the hook below carries this function's text alone to its thread.
  const decision = "function getShouldTestBinaryBeforeLoading(";
  if (!source.includes(decision)) return undefined;
  const answer = "function getShouldTestBinaryBeforeLoading() { return false; }\n";
  return source.replace(decision, answer + "function velodromeReplacedDecision(");
}

/**
 * The loader hook as a self-contained module text, registered from a `data:` URL by the engine's
 * entry point (a hook runs on its own thread and cannot import the runner's TypeScript).
 */
export function binaryTestHookSource(): string {
  return [
    `const rewrite = ${withoutBinaryTest.toString()};`,
    "export async function load(url, context, next) {",
    "  const r = await next(url, context);",
    `  if (!url.endsWith(${JSON.stringify(GET_LLAMA_FILE)}) || r.source == null) return r;`,
    "  const source = rewrite(String(r.source));",
    "  return source === undefined ? r : { ...r, source };",
    "}",
  ].join("\n");
}

/** Registers the hook in this process; call it before node-llama-cpp is first imported. */
export function skipBinaryTest(): void {
  register(`data:text/javascript,${encodeURIComponent(binaryTestHookSource())}`);
}
