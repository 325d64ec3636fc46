import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// runner/bin/postinstall.mjs, npm's postinstall of this package, deletes the variants of GitHub's
// OpenAPI description that nothing reads (372 MB of @octokit/openapi). Run as npm runs it, on a
// folder laid out like node_modules.
const ROOT = join(import.meta.dirname, "../..");
const SCRIPT = join(ROOT, "runner/bin/postinstall.mjs");
const VARIANTS = [
  "api.github.com.json",
  "api.github.com.deref.json",
  "ghec.json",
  "ghec.deref.json",
  "ghes-3.19.json",
  "ghes-3.19.deref.json",
];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "velodrome-trim-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (dir: string) => execFileSync(process.execPath, [SCRIPT, dir], { encoding: "utf8" });

describe("the postinstall trim of @octokit/openapi", () => {
  it("keeps api.github.com.json byte for byte and the package's other files; deletes the other variants", async () => {
    const gen = join(root, "node_modules/@octokit/openapi/generated");
    await mkdir(gen, { recursive: true });
    for (const f of VARIANTS) await writeFile(join(gen, f), `{"file":"${f}"}`);
    await writeFile(join(gen, "README.md"), "readme");
    expect(run(root)).toMatch(/removed 5 unused @octokit\/openapi variants/);
    expect((await readdir(gen)).sort()).toEqual(["README.md", "api.github.com.json"]);
    expect(await readFile(join(gen, "api.github.com.json"), "utf8")).toBe('{"file":"api.github.com.json"}');
    // A second install (npm install after npm ci) finds nothing more to delete and says nothing.
    expect(run(root)).toBe("");
  });

  it("does nothing where the package is not installed", async () => {
    const empty = await mkdtemp(join(tmpdir(), "velodrome-trim-none-"));
    expect(run(empty)).toBe("");
    expect(await readdir(empty)).toEqual([]);
    await rm(empty, { recursive: true });
  });

  it("keeps every description file the runner reads", async () => {
    const kept = (await readFile(SCRIPT, "utf8")).match(/OPENAPI_KEPT = (\[.*\])/)![1]!;
    const read = new Set<string>();
    for (const f of await readdir(join(ROOT, "runner"), { recursive: true })) {
      if (!/\.(ts|mjs)$/.test(f)) continue;
      const src = await readFile(join(ROOT, "runner", f), "utf8");
      for (const m of src.matchAll(/@octokit\/openapi\/generated\/([\w.-]+\.json)/g)) read.add(m[1]!);
    }
    expect([...read]).toContain("api.github.com.json");
    for (const f of read) expect(JSON.parse(kept)).toContain(f);
  });
});
