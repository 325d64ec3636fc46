import { mkdir, readdir, readFile, writeFile, access } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { simpleGit, type SimpleGit } from "simple-git";
import type { z } from "zod";
import {
  Broadcast,
  CommandAnswer,
  Watermark,
  LifecycleEvent,
  PullFolders,
  BotComments,
  Registration,
  Reservation,
  Ruling,
  RunnerStep,
  Thread,
} from "../core/schema/data.ts";
import { RunRecord } from "../core/schema/run-record.ts";
import {
  DATA_ANSWERS_DIR,
  DATA_BROADCASTS_DIR,
  DATA_WATERMARKS_DIR,
  DATA_LIFECYCLE_DIR,
  DATA_PULL_FOLDERS_DIR,
  DATA_BOT_COMMENTS_DIR,
  DATA_QUOTA_DIR,
  DATA_REGISTRY_DIR,
  DATA_RULINGS_DIR,
  DATA_RUNS_DIR,
  DATA_RUNNERS_DIR,
  DATA_THREADS_DIR,
} from "../core/layout.ts";
import type { DataState, DataStore } from "../ports.ts";
export type { DataState, Write, Apply, DataStore } from "../ports.ts";
/** Data-branch paths live in core/layout.ts; re-exported for existing importers. */
export { dataPath } from "../core/layout.ts";

const FOLDERS: [keyof Omit<DataState, "problems">, string, z.ZodType][] = [
  ["runs", DATA_RUNS_DIR, RunRecord],
  ["reservations", DATA_QUOTA_DIR, Reservation],
  ["rulings", DATA_RULINGS_DIR, Ruling],
  ["threads", DATA_THREADS_DIR, Thread],
  ["lifecycle", DATA_LIFECYCLE_DIR, LifecycleEvent],
  ["registrations", DATA_REGISTRY_DIR, Registration],
  ["broadcasts", DATA_BROADCASTS_DIR, Broadcast],
  ["runnerSteps", DATA_RUNNERS_DIR, RunnerStep],
  ["answers", DATA_ANSWERS_DIR, CommandAnswer],
  ["watermarks", DATA_WATERMARKS_DIR, Watermark],
  ["pullFolders", DATA_PULL_FOLDERS_DIR, PullFolders],
  ["botComments", DATA_BOT_COMMENTS_DIR, BotComments],
];

/** An empty state with every collection present. */
export const emptyDataState = (): DataState => ({
  runs: [],
  reservations: [],
  rulings: [],
  threads: [],
  lifecycle: [],
  registrations: [],
  broadcasts: [],
  runnerSteps: [],
  answers: [],
  watermarks: [],
  pullFolders: [],
  botComments: [],
  problems: [],
});

/** Which collection and schema a data-branch path belongs to (the one place that knows the layout). */
export function classifyDataFile(
  path: string,
): { key: keyof Omit<DataState, "problems">; schema: z.ZodType } | undefined {
  if (!path.endsWith(".json")) return undefined;
  const hit = FOLDERS.find(
    ([, folder]) => path.startsWith(`${folder}/`) && !path.slice(folder.length + 1).includes("/"),
  );
  return hit ? { key: hit[0], schema: hit[2] } : undefined;
}

/** Validates one data file's text into the state, or records why it was refused. */
export function addDataFile(state: DataState, path: string, text: string, label = path): void {
  const kind = classifyDataFile(path);
  if (!kind) return;
  try {
    const parsed = kind.schema.safeParse(JSON.parse(text));
    if (parsed.success) ((state[kind.key] ??= []) as unknown[]).push(parsed.data);
    else
      state.problems.push({
        path: label,
        message: parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`)
          .join("; "),
      });
  } catch (e) {
    state.problems.push({ path: label, message: `not JSON: ${(e as Error).message}` });
  }
}

/** Reads and validates every data file under a directory (a data-branch checkout). */
export async function readDataDir(dir: string): Promise<DataState> {
  const state = emptyDataState();
  for (const [, folder] of FOLDERS) {
    const names = await readdir(join(dir, folder)).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
      const path = `${folder}/${name}`;
      addDataFile(state, path, await readFile(join(dir, path), "utf8"));
    }
  }
  return state;
}

export class StoreConflictError extends Error {}

/**
 * Git as the database: a clone of the data branch; each transaction fetches, resets to the remote
 * head, applies a pure function of the state, commits and pushes. A rejected push (someone else
 * got there first) means fetch and re-apply, with bounded, jittered retries. Files are one per
 * record, so concurrent writers never touch the same path.
 */
export function gitDataStore(o: {
  remote: string;
  branch: string;
  dir: string;
  author?: { name: string; email: string };
  maxRetries?: number;
}): DataStore {
  let git: SimpleGit | undefined;
  const author = o.author ?? { name: "velodrome-bot", email: "velodrome-bot@users.noreply.github.com" };
  async function ready(): Promise<SimpleGit> {
    if (git) return git;
    await mkdir(o.dir, { recursive: true });
    const g = simpleGit(o.dir);
    if (
      !(await access(join(o.dir, ".git")).then(
        () => true,
        () => false,
      ))
    ) {
      await g.init();
      await g.addRemote("origin", o.remote);
      await g.addConfig("user.name", author.name);
      await g.addConfig("user.email", author.email);
      await g.addConfig("commit.gpgsign", "false");
    }
    git = g;
    return g;
  }
  async function sync(g: SimpleGit): Promise<boolean> {
    const ls = await g.raw(["ls-remote", "--heads", "origin", o.branch]);
    if (!ls.trim()) {
      await g.raw(["checkout", "--orphan", `tmp-${Date.now()}`]).catch(() => undefined);
      await g.raw(["rm", "-rf", "--cached", "--ignore-unmatch", "."]);
      return false;
    }
    await g.raw(["fetch", "--quiet", "origin", `+refs/heads/${o.branch}:refs/remotes/origin/${o.branch}`]);
    await g.raw(["checkout", "--quiet", "-B", o.branch, `origin/${o.branch}`]);
    await g.raw(["reset", "--quiet", "--hard", `origin/${o.branch}`]);
    await g.raw(["clean", "-fdq"]);
    return true;
  }
  return {
    async read() {
      const g = await ready();
      await sync(g);
      return readDataDir(o.dir);
    },
    async transact(message, apply) {
      const g = await ready();
      const max = o.maxRetries ?? 40;
      for (let attempt = 0; ; attempt++) {
        const exists = await sync(g);
        const { writes, result } = apply(await readDataDir(o.dir));
        let changed = false;
        for (const w of writes) {
          const p = join(o.dir, w.path);
          const old = await readFile(p, "utf8").catch(() => undefined);
          if (old === w.content) continue;
          await mkdir(dirname(p), { recursive: true });
          await writeFile(p, w.content);
          changed = true;
        }
        if (!changed) return result;
        await g.add(writes.map((w) => w.path));
        await g.raw(["commit", "--quiet", "-m", message]);
        try {
          await g.raw(["push", "--quiet", "origin", `HEAD:refs/heads/${o.branch}`]);
          return result;
        } catch (e) {
          if (attempt >= max)
            throw new StoreConflictError(
              `could not push to ${o.branch} after ${attempt + 1} attempts: ${(e as Error).message}`,
            );
          if (!exists) await g.raw(["checkout", "--quiet", "--detach"]).catch(() => undefined);
          await sleep(Math.min(2000, 25 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
        }
      }
    },
  };
}
