import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
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
  // One record per entry point: a hostile test engine and the real one share the folder.
  const record = join(
    outDir,
    `last-build-${createHash("sha256").update(resolve(entry)).digest("hex").slice(0, 12)}.json`,
  );
  const known = await unchangedBundle(record);
  if (known) return known;
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [nativeExternal("node-llama-cpp")],
  });
  const code = result.outputFiles[0]!.contents;
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const file = join(outDir, `engine-${hash}.mjs`);
  if (!existsSync(file)) await writeAtomically(outDir, file, code);
  // esbuild names its inputs relative to the working directory; another process may have another.
  const inputs = await fingerprints(Object.keys(result.metafile.inputs).map((f) => resolve(f)));
  await writeAtomically(outDir, record, JSON.stringify({ file: resolve(file), inputs }));
  return file;
}

/**
 * The last build's file for an entry point, if none of its source files changed since (size and
 * mtime of each): every worker process and CLI run would otherwise rebuild the same bundle (~1 s of
 * CPU each).
 */
async function unchangedBundle(record: string): Promise<string | undefined> {
  try {
    const last = JSON.parse(await readFile(record, "utf8")) as {
      file: string;
      inputs: Record<string, string>;
    };
    if (!existsSync(last.file)) return undefined;
    const now = await fingerprints(Object.keys(last.inputs));
    return Object.entries(last.inputs).every(([f, v]) => now[f] === v) ? last.file : undefined;
  } catch {
    return undefined; // no record, or an unreadable one: build
  }
}

async function fingerprints(files: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files) {
    const st = await stat(f).catch(() => undefined);
    out[f] = st ? `${st.size}:${st.mtimeMs}` : "missing";
  }
  return out;
}

/** Written under a unique name, then renamed: a reader never sees half a file. */
async function writeAtomically(dir: string, file: string, content: string | Uint8Array) {
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
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
