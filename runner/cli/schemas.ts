import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { jsonSchemas } from "../core/schema/json-schema.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const OPTIONS = {
  write: { type: "boolean", description: "rewrite the files that are out of date (default: only check)" },
  repo: { type: "string", default: ".", placeholder: "DIR", description: "the challenge repository" },
} as const;

export const SCHEMAS: CommandSpec = {
  name: "schemas",
  summary: "Write or check the JSON Schemas in challenge/schema/.",
  description: "Without --write, exits 1 when a schema file differs from what the code defines.",
  options: OPTIONS,
};

export async function schemasCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(SCHEMAS)), 0);
  const dir = join(resolve(io.cwd, values.repo), "challenge/schema");
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
