import { createHash } from "node:crypto";
import { mkdir, rename, writeFile, access } from "node:fs/promises";
import { join } from "node:path";
import { GENERATOR_VERSION, generateModel, MODELS } from "../../core/gguf/generate.ts";
import type { GgmlType } from "../../core/gguf/gguf.ts";

/** Path of a generated model, written on first use (atomically, so concurrent runners never see half a file). */
export async function ensureModel(dir: string, name: string, quant: GgmlType): Promise<string> {
  const spec = MODELS[name];
  if (!spec) throw new Error(`unknown embedded model \`${name}\`; known: ${Object.keys(MODELS).join(", ")}`);
  // Keyed by the recipe, so a changed generator or spec never reuses a stale file.
  const key = createHash("sha256")
    .update(JSON.stringify({ v: GENERATOR_VERSION, spec, quant }))
    .digest("hex")
    .slice(0, 12);
  const file = join(dir, `${name}-${quant}-${key}.gguf`);
  if (
    await access(file).then(
      () => true,
      () => false,
    )
  )
    return file;
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, generateModel(spec, quant));
  await rename(tmp, file);
  return file;
}
