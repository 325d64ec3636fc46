import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { SiteFile } from "../core/site/render.ts";
import type { BuildEffects } from "../ports.ts";
export type { BuildEffects } from "../ports.ts";

export class UnsafeSitePath extends Error {
  override name = "UnsafeSitePath";
}

/**
 * The file a site path names, inside `outDir` or not at all: a generated name built from hostile
 * data (a `taskforce:../../x` label, say) must never write outside the site folder.
 */
export function sitePath(outDir: string, path: string): string {
  const p = resolve(outDir, path);
  const rel = relative(resolve(outDir), p);
  if (!rel || rel.startsWith("..") || isAbsolute(rel) || path.includes("\0"))
    throw new UnsafeSitePath(`refusing to write \`${path}\`: it leaves the site folder ${outDir}`);
  return p;
}

/** The bytes of a file's content, without copying bytes that already are a Buffer or a view of one. */
function asBuffer(content: string | Uint8Array): Buffer {
  if (typeof content === "string") return Buffer.from(content);
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}

export function fsEffects(outDir: string): BuildEffects {
  // Folders this build has made: 40,000 files share a few hundred folders, so each is made once.
  const made = new Map<string, Promise<unknown>>();
  const folderOf = (p: string) => {
    const d = dirname(p);
    let m = made.get(d);
    if (!m) made.set(d, (m = mkdir(d, { recursive: true })));
    return m;
  };
  return {
    async write(path, content) {
      const p = sitePath(outDir, path);
      const buf = asBuffer(content);
      // Only a file of the same size can be unchanged: a stat spares reading every other old file.
      const size = await stat(p).then(
        (st) => st.size,
        () => -1,
      );
      const old = size === buf.length ? await readFile(p).catch(() => undefined) : undefined;
      if (old && old.equals(buf)) return "unchanged";
      await folderOf(p);
      await writeFile(p, buf);
      return "written";
    },
    async copy(from, to) {
      const p = sitePath(outDir, to);
      await folderOf(p);
      await copyFile(from, p);
    },
    async prune(keep) {
      let n = 0;
      const walk = async (d: string): Promise<void> => {
        for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
          const p = join(d, e.name);
          if (e.isDirectory()) await walk(p);
          else if (!keep.has(relative(outDir, p))) {
            await rm(p);
            n++;
          }
        }
      };
      await walk(outDir);
      return n;
    },
  };
}

export async function writeSite(
  files: Iterable<SiteFile>,
  assets: { from: string; to: string }[],
  fx: BuildEffects,
  onFile?: (n: number) => void,
): Promise<{ written: number; unchanged: number; bytes: number; digest: string; files: number }> {
  let written = 0;
  let unchanged = 0;
  let bytes = 0;
  const h = createHash("sha256");
  const paths: string[] = [];
  // Up to 64 writes in flight: a 40,000-file site is bound by file-system latency, not CPU.
  const inFlight = new Set<Promise<void>>();
  for (const f of files) {
    paths.push(f.path);
    if (onFile && paths.length % 5000 === 0) onFile(paths.length);
    // Encoded once: the byte count, the digest and the write share these bytes.
    const content = Buffer.from(f.content);
    bytes += content.length;
    h.update(f.path).update("\0").update(content);
    const p: Promise<void> = fx.write(f.path, content).then((r) => {
      if (r === "written") written++;
      else unchanged++;
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= 64) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  for (const a of assets) await fx.copy(a.from, a.to);
  await fx.prune(new Set([...paths, ...assets.map((a) => a.to)]));
  return { written, unchanged, bytes, digest: h.digest("hex"), files: paths.length };
}
