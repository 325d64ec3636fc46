import { spawn } from "node:child_process";

/**
 * Streams many blobs out of one `git cat-file --batch` process: the only way to read 100,000 data
 * files from a branch in seconds rather than spawning git per file. Each file is handed to `each`
 * as soon as it is complete, so the whole branch is never held in memory at once.
 */
export async function forEachTreeFile(
  repoDir: string,
  ref: string,
  prefixes: string[],
  each: (path: string, text: string) => void,
): Promise<number> {
  const listing = await run(repoDir, ["ls-tree", "-r", "-z", "--full-tree", ref, "--", ...prefixes]);
  const entries = listing
    .toString("utf8")
    .split("\0")
    .filter(Boolean)
    .map((l) => {
      const tab = l.indexOf("\t");
      const [mode, type, sha] = l.slice(0, tab).split(" ") as [string, string, string];
      return { mode, type, sha, path: l.slice(tab + 1) };
    })
    .filter((x) => x.type === "blob" && x.mode !== "120000");
  if (!entries.length) return 0;
  await new Promise<void>((resolve, reject) => {
    const c = spawn("git", ["cat-file", "--batch"], { cwd: repoDir, stdio: ["pipe", "pipe", "pipe"] });
    let pending: Buffer = Buffer.alloc(0);
    let i = 0;
    let err = "";
    c.stdout.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const nl = pending.indexOf(10);
        if (nl < 0) return;
        const size = Number(pending.subarray(0, nl).toString("utf8").split(" ")[2]);
        if (pending.length < nl + 1 + size + 1) return;
        each(entries[i++]!.path, pending.subarray(nl + 1, nl + 1 + size).toString("utf8"));
        pending = pending.subarray(nl + 1 + size + 1);
      }
    });
    c.stderr.on("data", (d: Buffer) => (err += d));
    c.on("error", reject);
    c.on("close", (code) =>
      code === 0 && i === entries.length
        ? resolve()
        : reject(
            new Error(`git cat-file failed (${code}) after ${i} of ${entries.length} files: ${err.trim()}`),
          ),
    );
    c.stdin.end(entries.map((x) => x.sha).join("\n") + "\n");
  });
  return entries.length;
}

/** Like forEachTreeFile, collected into a map (for small sets of files). */
export async function readTreeFiles(
  repoDir: string,
  ref: string,
  prefixes: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await forEachTreeFile(repoDir, ref, prefixes, (p, t) => out.set(p, t));
  return out;
}

export function run(cwd: string, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = spawn("git", args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let err = "";
    c.stdout.on("data", (d: Buffer) => chunks.push(d));
    c.stderr.on("data", (d: Buffer) => (err += d));
    c.on("error", reject);
    c.on("close", (code) =>
      code === 0
        ? resolve(Buffer.concat(chunks))
        : reject(new Error(`git ${args.slice(0, 3).join(" ")} failed (${code}): ${err.trim()}`)),
    );
    if (input !== undefined) c.stdin.end(input);
    else c.stdin.end();
  });
}

export async function refExists(repoDir: string, ref: string): Promise<boolean> {
  return run(repoDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).then(
    () => true,
    () => false,
  );
}
