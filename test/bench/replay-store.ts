import { addDataFile, classifyDataFile, emptyDataState } from "../../runner/adapters/git-store.ts";
import type { Apply, DataState, DataStore } from "../../runner/ports.ts";

/**
 * The data branch for a replay: the memory store's semantics (every file validated with the git
 * store's code, a transaction applies a pure function to the current state and writes only what
 * changed) with each file parsed once when written, not on every read: a week of a contest reads
 * the state tens of thousands of times. Git's cost is not what the replay measures (pushes are not
 * REST requests); the compare-and-swap is kept (transactions never interleave).
 */
export function replayStore(): DataStore & { files: Map<string, string>; commits: number } {
  const files = new Map<string, string>();
  const parsed = new Map<string, { key: keyof DataState; value: unknown } | { problem: true }>();
  let cache: DataState | undefined;
  let commits = 0;
  const snapshot = (): DataState => {
    if (cache) return cache;
    const state = emptyDataState();
    for (const path of [...parsed.keys()].sort()) {
      const p = parsed.get(path)!;
      if ("problem" in p) addDataFile(state, path, files.get(path)!);
      else ((state[p.key] ??= []) as unknown[]).push(p.value);
    }
    return (cache = state);
  };
  const write = (path: string, content: string) => {
    files.set(path, content);
    const kind = classifyDataFile(path);
    if (!kind) return;
    const one = emptyDataState();
    addDataFile(one, path, content);
    const value = (one[kind.key] as unknown[] | undefined)?.[0];
    parsed.set(path, value === undefined ? { problem: true } : { key: kind.key, value });
  };
  return {
    files,
    get commits() {
      return commits;
    },
    async read() {
      return snapshot(); // shared, read-only: no flow mutates the state it reads
    },
    async transact<T>(_message: string, apply: Apply<T>): Promise<T> {
      const { writes, result } = apply(snapshot());
      const changed = writes.filter((w) => files.get(w.path) !== w.content);
      for (const w of changed) write(w.path, w.content);
      if (changed.length) [cache, commits] = [undefined, commits + 1];
      return result;
    },
  };
}
