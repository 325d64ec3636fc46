import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { jsonSchemas } from "../core/schema/json-schema.ts";
import type { Io } from "./io.ts";

export async function schemasCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { write: { type: "boolean" }, repo: { type: "string" } },
  });
  const dir = join(resolve(io.cwd, values.repo ?? "."), "challenge/schema");
  let stale = 0;
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(jsonSchemas())) {
    const path = join(dir, name);
    const current = await readFile(path, "utf8").catch(() => undefined);
    if (current === text) continue;
    if (values.write) {
      await writeFile(path, text);
      io.out(`wrote ${path}`);
    } else {
      stale++;
      io.err(`${path} is out of date: run \`npm run schemas\``);
    }
  }
  return stale ? 1 : 0;
}
