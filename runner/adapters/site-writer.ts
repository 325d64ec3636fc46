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

/** Every file under `dir` (absolute paths), listed once: readdir only, no stat per file. */
async function listFiles(dir: string, out = new Set<string>()): Promise<Set<string>> {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await listFiles(p, out);
    else out.add(p);
  }
  return out;
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
  // The files a previous build left, listed on the first write: a path not among them is simply
  // written (a fresh build makes no stat or read per file), one among them is compared first.
  let before: Promise<Set<string>> | undefined;
  const existed = async (p: string) => (await (before ??= listFiles(resolve(outDir)))).has(p);
  return {
    async write(path, content) {
      const p = sitePath(outDir, path);
      const buf = asBuffer(content);
      if (await existed(p)) {
        // Only a file of the same size can be unchanged: a stat spares reading every other old file.
        const size = await stat(p).then(
          (st) => st.size,
          () => -1,
        );
        const old = size === buf.length ? await readFile(p).catch(() => undefined) : undefined;
        if (old && old.equals(buf)) return "unchanged";
      }
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
      for (const p of await listFiles(resolve(outDir)))
        if (!keep.has(relative(outDir, p))) {
          await rm(p);
          n++;
        }
      return n;
    },
  };
}

/**
 * At most `n` tasks at once, for one caller that starts them in turn: `run` waits for a free slot,
 * `drain` for every task; the first failure is thrown by the next `run` or by `drain`.
 */
function writeSlots(n: number) {
  let active = 0;
  let wake: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  const wait = () => new Promise<void>((r) => (wake = r));
  const settle = () => {
    active--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    async run(task: () => Promise<void>): Promise<void> {
      while (active >= n) await wait();
      if (failure) throw failure.error;
      active++;
      void task()
        .catch((error: unknown) => void (failure ??= { error }))
        .finally(settle);
    },
    async drain(): Promise<void> {
      while (active > 0) await wait();
      if (failure) throw failure.error;
    },
  };
}

/** One file a build wrote or found unchanged: what the summary and the site's digest are made of. */
export interface WrittenFile {
  path: string;
  bytes: number;
  sha256: string;
  written: boolean;
}

/**
 * Writes files as they are rendered, up to 64 at a time: a 40,000-file site is bound by file-system
 * latency, not CPU. A count and one waiter, not Promise.race over the set (that attached 64 handlers
 * per file written). Used by the build and by the worker that writes thread pages.
 */
export async function writeFiles(
  files: Iterable<SiteFile>,
  fx: BuildEffects,
  onFile?: (n: number) => void,
  signal?: AbortSignal,
): Promise<WrittenFile[]> {
  const out: WrittenFile[] = [];
  const slots = writeSlots(64);
  for (const f of files) {
    signal?.throwIfAborted();
    // Encoded once: the byte count, the hash and the write share these bytes.
    const content = Buffer.from(f.content);
    const done: WrittenFile = {
      path: f.path,
      bytes: content.length,
      sha256: createHash("sha256").update(content).digest("hex"),
      written: false,
    };
    out.push(done);
    if (onFile && out.length % 5000 === 0) onFile(out.length);
    // The write holds the bytes, not the page's string: a string kept alive by a slow write outlives
    // young-generation collections and piles up as old-space garbage (hundreds of MB at scale).
    await slots.run(async () => {
      done.written = (await fx.write(done.path, content)) === "written";
    });
  }
  await slots.drain();
  return out;
}

/**
 * Writes the site: the files rendered here, those another thread wrote into the same folder
 * (`elsewhere`), the assets; then removes what an earlier build left that this one did not make.
 * The digest covers every file by path, so it does not depend on which thread wrote what first.
 */
export async function writeSite(
  files: Iterable<SiteFile>,
  assets: { from: string; to: string }[],
  fx: BuildEffects,
  onFile?: (n: number) => void,
  elsewhere: Promise<WrittenFile[]> = Promise.resolve([]),
): Promise<{ written: number; unchanged: number; bytes: number; digest: string; files: number }> {
  // The other thread failing stops this one at its next file, and its error is the one thrown.
  const failed = new AbortController();
  elsewhere.catch(() => failed.abort());
  const here = await writeFiles(files, fx, onFile, failed.signal).catch(async (e: unknown) => {
    if (failed.signal.aborted) await elsewhere;
    throw e;
  });
  const all = [...here, ...(await elsewhere)];
  for (const a of assets) await fx.copy(a.from, a.to);
  await fx.prune(new Set([...all.map((f) => f.path), ...assets.map((a) => a.to)]));
  all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const h = createHash("sha256");
  for (const f of all) h.update(`${f.path}\0${f.sha256}\n`);
  const written = all.filter((f) => f.written).length;
  return {
    written,
    unchanged: all.length - written,
    bytes: all.reduce((n, f) => n + f.bytes, 0),
    digest: h.digest("hex"),
    files: all.length,
  };
}
