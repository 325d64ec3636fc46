import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { chmod, readFile, readdir, realpath, symlink } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { REPO_ROOT, removeDir, tempDir } from "./helpers.ts";

/**
 * A participant's first local run, as in the README: a fresh clone of this repository (its
 * committed HEAD; no demo run, no generated models), `npx velodrome bench`. The shipped challenge
 * runs on vLLM, so bench says in one line what is missing and what works here; `--demo` then
 * benchmarks on the embedded engine against the shipped demo challenge, generating its model.
 */

let clone: string;

/** Runs `npx velodrome …` in the clone, as a participant would, and collects its output. */
function npxVelodrome(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn("npx", ["--no-install", "velodrome", ...args], { cwd: clone, env: { ...process.env } });
    let out = "";
    let err = "";
    c.stdout.on("data", (d: Buffer) => (out += d));
    c.stderr.on("data", (d: Buffer) => (err += d));
    c.on("error", reject);
    c.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

beforeAll(async () => {
  clone = await tempDir("velodrome-clone-");
  // The engine runs as an unprivileged user when the tests run as root: it must be able to read the clone.
  await chmod(clone, 0o755);
  await simpleGit(clone).clone(REPO_ROOT, clone, ["--no-hardlinks"]);
  // The checkout's own dependencies (resolved: a worktree's node_modules may itself be a link).
  await symlink(await realpath(join(REPO_ROOT, "node_modules")), join(clone, "node_modules"));
});

afterAll(async () => {
  if (clone) await removeDir(clone);
});

describe("npx velodrome bench in a fresh clone", () => {
  it("says in one line that the shipped vLLM challenge needs tokenized prompts, and what runs here", async () => {
    const r = await npxVelodrome(["bench", "baseline"]);
    expect(r.code).toBe(1);
    const lines = r.err.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no token_ids yet/);
    expect(lines[0]).toMatch(/npx velodrome bench baseline --demo$/);
  });

  it("--demo benchmarks on the embedded engine, generating the model, and leaves the clone clean", async () => {
    expect(await readdir(join(clone, ".velodrome")).catch(() => [])).toEqual([]);
    const r = await npxVelodrome([
      "bench",
      "baseline",
      "--demo",
      "--blocks",
      "2",
      "--prompts",
      "2",
      "--out",
      "run.json",
    ]);
    expect(r.code, r.err).toBe(0);
    const record = JSON.parse(await readFile(join(clone, "run.json"), "utf8"));
    expect(record).toMatchObject({
      challenge: "embedded-demo",
      status: "ok",
      candidate: { slug: "baseline" },
    });
    expect(record.launches).toHaveLength(4);
    expect(record.quality.candidate.greedy.exactFraction).toBe(1);
    // The model was generated into the clone's own cache, and nothing tracked changed.
    expect((await readdir(join(clone, ".velodrome/models"))).some((f) => f.startsWith("target-f32-"))).toBe(
      true,
    );
    const status = await simpleGit(clone).status();
    // (node_modules is the test's symlink: .gitignore's `node_modules/` matches folders only.)
    expect(status.files.map((f) => f.path).filter((p) => p !== "node_modules")).toEqual(["run.json"]);
  });
});
