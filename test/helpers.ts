import { cp, mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { simpleGit } from "simple-git";
import { main } from "../runner/cli/main.ts";

export { REPO_ROOT } from "./paths.ts";
import { REPO_ROOT } from "./paths.ts";

export async function tempDir(prefix = "velodrome-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A challenge repository in a temp dir: this repo's challenge/ and baseline, plus extra files. */
export async function makeChallengeRepo(
  files: Record<string, string | { symlink: string } | Uint8Array> = {},
): Promise<string> {
  const dir = await tempDir();
  await cp(join(REPO_ROOT, "challenge"), join(dir, "challenge"), { recursive: true });
  await cp(join(REPO_ROOT, "submissions/baseline"), join(dir, "submissions/baseline"), { recursive: true });
  await writeFiles(dir, files);
  return dir;
}

export async function writeFiles(
  dir: string,
  files: Record<string, string | { symlink: string } | Uint8Array>,
): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    await mkdir(dirname(p), { recursive: true });
    if (typeof content === "object" && "symlink" in content) await symlink(content.symlink, p);
    else await writeFile(p, content);
  }
}

export async function gitInit(dir: string) {
  const git = simpleGit(dir);
  await git.init(["-b", "main"]);
  await git.addConfig("user.email", "test@velodrome.invalid");
  await git.addConfig("user.name", "test");
  await git.addConfig("commit.gpgsign", "false");
  return git;
}

export async function runCli(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  let out = "";
  let err = "";
  const code = await main(args, {
    cwd,
    out: (t) => (out += t + "\n"),
    err: (t) => (err += t + "\n"),
    isTTY: false,
    env,
  });
  return { code, out, err };
}

export async function removeDir(dir: string) {
  await rm(dir, { recursive: true, force: true });
}

/** A valid manifest for tests to start from; callers patch it into bad ones. */
export const GOOD_MANIFEST = `schema: 1
title: int4 weights
authors: [alice]
parents: [baseline]
credits:
  - who: bob
    for: the export script
engine:
  kind: vllm
  args:
    quantization: compressed-tensors
    kv-cache-dtype: fp8
    max-num-seqs: 1
    speculative-config:
      method: mtp
      num_speculative_tokens: 4
  env:
    VLLM_USE_V1: "1"
`;
