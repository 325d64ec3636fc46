import { rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { socketPath } from "../../runner/adapters/engines/launch.ts";
import { fittingWorkFolder } from "../../runner/adapters/work-folder.ts";

describe("fittingWorkFolder: engine sockets fit the kernel's 107 bytes from any checkout", () => {
  const runId = "2026-12-06-pr5-c9018";

  it("keeps the preferred folder when a launch's socket fits under it", async () => {
    const short = "/work/main/.velodrome/evaluate";
    expect(await fittingWorkFolder(short, 1 + runId.length)).toBe(short);
    expect(() => socketPath(join(short, runId, "launch-0123456789"))).not.toThrow();
  });

  it("moves a deep checkout's work under the temp folder, where the socket fits", async () => {
    const deep = "/home/a-participant/projects/inference-challenges/velodrome/.velodrome/evaluate";
    // The preferred folder would fail every launch ("over the 107 a Unix socket allows").
    expect(() => socketPath(join(deep, runId, "launch-0123456789"))).toThrow(/107/);
    const chosen = await fittingWorkFolder(deep, 1 + runId.length);
    try {
      expect(chosen.startsWith(tmpdir())).toBe(true);
      expect((await stat(chosen)).isDirectory()).toBe(true);
      expect(() => socketPath(join(chosen, runId, "launch-0123456789"))).not.toThrow();
    } finally {
      await rm(chosen, { recursive: true, force: true });
    }
  });
});
