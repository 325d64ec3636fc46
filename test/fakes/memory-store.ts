import { addDataFile, emptyDataState } from "../../runner/adapters/git-store.ts";
import type { Apply, DataState, DataStore } from "../../runner/ports.ts";

/** One transaction that changed something, as a git commit would record it. */
export interface MemoryCommit {
  message: string;
  paths: string[];
}

/** A DataStore over a Map, for the fast tier; `files` and `commits` are there to assert on. */
export interface MemoryStore extends DataStore {
  files: Map<string, string>;
  commits: MemoryCommit[];
}

/**
 * The data store's semantics without git: every read validates every file with the same code the
 * git store uses (bad files are listed under problems, not dropped silently); a transaction
 * applies a pure function to a fresh read, writes only files whose content changed, and records
 * a commit only when something changed. `apply` runs synchronously, so transactions never interleave.
 */
export function memoryStore(initial: Record<string, string> = {}): MemoryStore {
  const files = new Map(Object.entries(initial));
  const commits: MemoryCommit[] = [];
  const snapshot = (): DataState => {
    const state: DataState = emptyDataState();
    for (const path of [...files.keys()].sort()) addDataFile(state, path, files.get(path)!);
    return state;
  };
  return {
    files,
    commits,
    async read() {
      return snapshot();
    },
    async transact<T>(message: string, apply: Apply<T>): Promise<T> {
      const { writes, result } = apply(snapshot());
      const changed = writes.filter((w) => files.get(w.path) !== w.content);
      for (const w of changed) files.set(w.path, w.content);
      if (changed.length) commits.push({ message, paths: changed.map((w) => w.path) });
      return result;
    },
  };
}
