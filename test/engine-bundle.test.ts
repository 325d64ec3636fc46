import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleEngine } from "../runner/adapters/engines/embedded/bundle.ts";
import { removeDir, tempDir } from "./helpers.ts";

// The engine bundle is built once and reused by every later process until a source file changes.
let dir: string;
beforeAll(async () => {
  dir = await tempDir("velodrome-bundle-");
});
afterAll(async () => removeDir(dir));

describe("the embedded engine's bundle", () => {
  it("is reused while its sources are unchanged, and rebuilt when one changes", async () => {
    const entry = join(dir, "entry.ts");
    const helper = join(dir, "helper.ts");
    await writeFile(helper, "export const answer: number = 41;\n");
    await writeFile(entry, 'import { answer } from "./helper.ts";\nconsole.log(answer + 1);\n');
    const out = join(dir, "out");
    const first = await bundleEngine(entry, out);
    expect(await readFile(first, "utf8")).toContain("41");
    const [record] = (await readdir(out)).filter((f) => f.startsWith("last-build-"));
    const written = (await stat(join(out, record!))).mtimeMs;
    expect(await bundleEngine(entry, out)).toBe(first);
    expect((await stat(join(out, record!))).mtimeMs).toBe(written); // not rebuilt
    // An imported file changes (not the entry): a new bundle with the new content.
    await writeFile(helper, "export const answer: number = 1041;\n");
    const second = await bundleEngine(entry, out);
    expect(second).not.toBe(first);
    expect(await readFile(second, "utf8")).toContain("1041");
  });

  it("keeps one record per entry point: a hostile test engine never gets the real one's bundle", async () => {
    const out = join(dir, "shared");
    const real = join(dir, "real.ts");
    const hostile = join(dir, "hostile.ts");
    await writeFile(real, 'console.log("real engine");\n');
    await writeFile(hostile, 'console.log("hostile engine");\n');
    const a = await bundleEngine(real, out);
    const b = await bundleEngine(hostile, out);
    expect(await readFile(b, "utf8")).toContain("hostile engine");
    expect(await bundleEngine(real, out)).toBe(a);
    expect(await bundleEngine(hostile, out)).toBe(b);
  });
});
