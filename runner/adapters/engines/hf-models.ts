import { createHash } from "node:crypto";
import { access, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { HF_MODELS, HF_WRITER_VERSION, hfModelFiles } from "../../core/hf/model.ts";

/**
 * Path of a generated Hugging Face model folder for vLLM, written on first use. Keyed by the
 * recipe, so a changed writer or spec never reuses a stale folder; written to a temporary folder
 * and renamed, so a concurrent runner never sees half a model.
 */
export async function ensureHfModel(dir: string, name: string): Promise<string> {
  const spec = HF_MODELS[name];
  if (!spec) throw new Error(`unknown vLLM model \`${name}\`; known: ${Object.keys(HF_MODELS).join(", ")}`);
  const key = createHash("sha256")
    .update(JSON.stringify({ v: HF_WRITER_VERSION, spec }))
    .digest("hex")
    .slice(0, 12);
  const folder = join(dir, `hf-${name}-${key}`);
  const done = join(folder, "config.json");
  if (
    await access(done).then(
      () => true,
      () => false,
    )
  )
    return folder;
  const tmp = `${folder}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  for (const [file, bytes] of Object.entries(hfModelFiles(spec))) await writeFile(join(tmp, file), bytes);
  await rename(tmp, folder).catch(async (e: NodeJS.ErrnoException) => {
    // Another runner finished first: keep its folder.
    await rm(tmp, { recursive: true, force: true });
    if (e.code !== "ENOTEMPTY" && e.code !== "EEXIST") throw e;
  });
  return folder;
}
