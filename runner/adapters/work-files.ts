import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { WorkFiles } from "../ports.ts";

/** The runner's own disk through the WorkFiles port (absolute paths). */
export const nodeWorkFiles: WorkFiles = {
  async read(path) {
    try {
      return await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  },
  async write(path, text) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  },
  async mkdir(path) {
    await mkdir(path, { recursive: true });
  },
  async remove(path) {
    await rm(path, { recursive: true, force: true });
  },
  async copyDir(from, to) {
    await cp(from, to, { recursive: true });
  },
};
