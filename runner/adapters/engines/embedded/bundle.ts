import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

/**
 * The embedded engine's entry (TypeScript) built into one plain ES module, so a launch starts with
 * `node engine.mjs` instead of `node --import tsx/esm main.ts`. Measured on the 2-core CI machine:
 * importing the engine through tsx costs ~2.5 s of CPU per launch, the bundle ~1.0 s — and the
 * suite and the demo make about a hundred launches. (tsx keeps a transform cache in the temporary
 * folder, but a sandboxed engine gets a fresh, empty /tmp on every launch, so it never hits.)
 *
 * node-llama-cpp stays outside the bundle (it loads a native addon from its own folder); its import
 * is rewritten to the absolute path of the runner's copy, so the bundle can live in any folder the
 * sandbox binds read-only. The file name is the hash of its content: builds are idempotent, two
 * processes building at once write the same bytes, and an edit to the engine gives a new file.
 */
export async function bundleEngine(entry: string, outDir: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
    plugins: [nativeExternal("node-llama-cpp")],
  });
  const code = result.outputFiles[0]!.contents;
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const file = join(outDir, `engine-${hash}.mjs`);
  if (!existsSync(file)) {
    await mkdir(outDir, { recursive: true });
    // Written under a unique name, then renamed: a reader never sees half a file.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, code);
    await rename(tmp, file);
  }
  return file;
}

/** Keeps a package out of the bundle and imports it by absolute path from the runner's node_modules. */
function nativeExternal(name: string): Plugin {
  return {
    name: `external-${name}`,
    setup(b) {
      const filter = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")}$`);
      b.onResolve({ filter }, () => ({ path: fileURLToPath(import.meta.resolve(name)), external: true }));
    },
  };
}
