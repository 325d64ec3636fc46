import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

/**
 * The longest files start first, so the two workers finish together instead of one waiting on a
 * late demo. Measured in a CI-style run on the 2-core machine with two helpers beside it (seconds,
 * one worker): demo ~605, vllm ~405 (two start-ups), workflows/schedules ~313, audit ~295 (one
 * vLLM start-up), runner ~288, workflows/share-dies ~269, github ~171, workflows/bench ~146, site,
 * agent, workflows/commands ~100, fresh-clone ~70, workflows/validate ~60, replay ~70; everything
 * else < 20. The pure unit tier goes last within its group.
 */
const LONGEST_FIRST = [
  "vllm",
  "demo",
  "workflows/schedules",
  "audit",
  "runner",
  "workflows/share-dies",
  "github",
  "workflows/bench",
  "site",
  "agent",
  "workflows/commands",
  "fresh-clone",
  "replay",
  "workflows/validate",
  "plan",
  "git-store",
  "validate",
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const name = /((?:workflows\/)?[^/]+)\.test\.ts$/.exec(f.moduleId)?.[1] ?? "";
      const i = f.moduleId.includes("/test/unit/") ? LONGEST_FIRST.length : LONGEST_FIRST.indexOf(name);
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

// Integration tests launch real engines, git and a browser on a 2-core CI machine while the other
// worker does the same: their budgets are generous so that load never fails a test; where a test
// compares speeds (a cheat's claim, plan against a run), both sides are measured under the same
// load. Speed targets live in `npm run bench`, not in timeouts.
//
// Real vLLM start-ups hold both cores for minutes. A test that judges speeds beside one (the act
// scenario's verdict and private confirmation, the demo's story, the cheats in runner.test) sees
// one arm slowed and not the other, so test/vllm.test.ts (two start-ups) runs first, beside only
// the pure unit tier, and the rest after it. The audit's real-vLLM pass is not in that group: its
// fork bomb fills the engine user's process count (RLIMIT_NPROC is per user), and a shared vLLM
// server of the same user beside it lost its threads (stop() found it already dead in a CI run).
const VLLM_FIRST = ["test/vllm.test.ts", "test/unit/**/*.test.ts"];
const shared = {
  testTimeout: 300_000,
  hookTimeout: 300_000,
  pool: "forks" as const,
  maxWorkers: 2,
};
export default defineConfig({
  test: {
    sequence: { sequencer: LongestFirst },
    projects: [
      { test: { ...shared, name: "first", include: VLLM_FIRST, sequence: { groupOrder: 0 } } },
      {
        test: {
          ...shared,
          name: "rest",
          include: ["test/**/*.test.ts"],
          exclude: VLLM_FIRST,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
