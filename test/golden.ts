import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { REPO_ROOT } from "./paths.ts";

/**
 * Golden-file check (as in Observable Framework's tests): `content` must equal the file
 * `test/golden/<name>`. Run with UPDATE_GOLDEN=1 to (re)write the files; the diff then shows a
 * reviewer exactly how an output changed.
 */
export async function expectGolden(name: string, content: string): Promise<void> {
  const file = join(REPO_ROOT, "test/golden", name);
  if (process.env.UPDATE_GOLDEN === "1") {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    return;
  }
  const expected = await readFile(file, "utf8").catch(() => undefined);
  expect(
    expected,
    `missing golden file test/golden/${name}: run UPDATE_GOLDEN=1 npx vitest run`,
  ).toBeDefined();
  expect(content, `output differs from test/golden/${name} (UPDATE_GOLDEN=1 rewrites it)`).toBe(expected);
}
