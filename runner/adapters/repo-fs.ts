import { lstat, open, readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { looksBinary, type FileEntry } from "../core/validate/file-policy.ts";
import type { RepoFiles } from "../ports.ts";
export type { RepoFiles } from "../ports.ts";

const toPosix = (p: string) => p.split(sep).join("/");

export function nodeRepoFiles(root: string): RepoFiles {
  return {
    root,
    async read(rel) {
      try {
        return await readFile(join(root, rel), "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },
    async dirs(rel) {
      try {
        const ents = await readdir(join(root, rel), { withFileTypes: true });
        return ents
          .filter((e) => e.isDirectory())
          .map((e) => e.name)
          .sort();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw e;
      }
    },
    async walk(rel) {
      const out: FileEntry[] = [];
      const visit = async (abs: string) => {
        let ents;
        try {
          ents = await readdir(abs, { withFileTypes: true });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
          throw e;
        }
        for (const e of ents.sort((a, b) => a.name.localeCompare(b.name))) {
          const p = join(abs, e.name);
          const path = toPosix(relative(root, p));
          if (e.isSymbolicLink())
            out.push({ path, status: "added", kind: "symlink", size: 0, binary: false });
          else if (e.isDirectory()) await visit(p);
          else if (e.isFile()) {
            const st = await lstat(p);
            const fh = await open(p, "r");
            try {
              const head = new Uint8Array(Math.min(8000, st.size));
              await fh.read(head, 0, head.length, 0);
              out.push({ path, status: "added", kind: "file", size: st.size, binary: looksBinary(head) });
            } finally {
              await fh.close();
            }
          }
        }
      };
      await visit(join(root, rel));
      return out;
    },
  };
}
