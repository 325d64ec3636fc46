import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  binaryTestHookSource,
  GET_LLAMA_FILE,
  withoutBinaryTest,
} from "../../runner/adapters/engines/embedded/skip-binary-test.ts";
import { REPO_ROOT } from "../paths.ts";

// The embedded engine skips node-llama-cpp's spawn-a-process binary test at each launch (see
// skip-binary-test.ts). These tests run the rewrite on the installed node-llama-cpp, so an upgrade
// that renames the decision fails here instead of silently costing a second per launch again.
const installed = readFileSync(join(REPO_ROOT, "node_modules", GET_LLAMA_FILE), "utf8");

describe("skipping node-llama-cpp's per-launch binary test", () => {
  it("rewrites the installed getLlama.js so the decision answers 'no test', and nothing else", () => {
    const out = withoutBinaryTest(installed);
    expect(out).toBeDefined();
    expect(out).toContain("function getShouldTestBinaryBeforeLoading() { return false; }");
    // The original body is kept under another name: only the one declaration changed.
    expect(out!.length - installed.length).toBe(
      "function getShouldTestBinaryBeforeLoading() { return false; }\n".length +
        "function velodromeReplacedDecision(".length -
        "function getShouldTestBinaryBeforeLoading(".length,
    );
    expect(withoutBinaryTest("export const x = 1;")).toBeUndefined();
  });

  it("the loader hook rewrites only that file, and passes everything else through untouched", async () => {
    const hook = (await import(`data:text/javascript,${encodeURIComponent(binaryTestHookSource())}`)) as {
      load: (
        url: string,
        ctx: object,
        next: () => Promise<{ source: string; format: string }>,
      ) => Promise<{
        source: string;
      }>;
    };
    const from = (source: string) => async () => ({ source, format: "module" });
    const url = `file:///x/node_modules${GET_LLAMA_FILE}`;
    const patched = await hook.load(url, {}, from(installed));
    expect(patched.source).toBe(withoutBinaryTest(installed));
    const other = await hook.load("file:///x/node_modules/node-llama-cpp/dist/index.js", {}, from(installed));
    expect(other.source).toBe(installed);
  });
});
